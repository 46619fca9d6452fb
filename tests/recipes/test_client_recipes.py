"""The client recipes of ``/recipes`` (``server/web/recipes/``), each run as a reader would run it against a real
server on loopback over the fixture release, its output checked: the one event the fixture holds and where it was
held. Comunica runs from tests/recipes/node (``npm ci`` by ``make test``; skipped only when node is missing). The
federated SERVICE recipe runs in the Oxigraph server (tests/stores/test_service_incoming.py); R is shown, not run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.web.views import recipes
from tools import loopback

pytestmark = [pytest.mark.http, pytest.mark.xdist_group("recipes")]

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "release"
NODE_PROJECT = Path(__file__).resolve().parent / "node"
EVENT = "https://w3id.org/migkg/id/event/fibemyd-2008"
PLACE = "https://w3id.org/migkg/id/place/cuenca"
# Recipe → what its output must hold (the answer, not just an exit code).
EXPECTED = {
    "1-curl.sh": ["event,place", f"{EVENT},Cuenca"],
    "2-sparqlwrapper.py": [f"{EVENT} Cuenca"],
    "3-rdflib-sparqlstore.py": [f"{EVENT} Cuenca"],
    "4-rdflib-parse.py": [f"held in {PLACE}"],
    "5-pandas.py": [EVENT, "Cuenca    1"],
    "6-comunica.mjs": [f"{EVENT} Cuenca"],
}
NOT_RUN_HERE = {"7-r.R": "R is shown, not run", "8-federated-service.rq": "run by tests/stores"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[loopback.Server]:
    running = loopback.start_server(tmp_path_factory.mktemp("recipes"), FIXTURE, query_workers="1")
    yield running
    running.stop()


def command(script: Path) -> list[str]:
    if script.suffix == ".sh":
        return ["sh", str(script)]
    if script.suffix == ".py":
        return [sys.executable, str(script)]
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the Comunica recipe needs Node.js (>= 18) on PATH")
    if not (NODE_PROJECT / "node_modules" / "@comunica" / "query-sparql").is_dir():
        pytest.fail(f"Comunica is not installed: run `npm ci` in {NODE_PROJECT} (make test does)")
    (script.parent / "node_modules").symlink_to(NODE_PROJECT / "node_modules", target_is_directory=True)
    return [node, str(script)]


def test_every_recipe_is_run_or_said_why_not() -> None:
    assert sorted(p.name for p in recipes.files()) == sorted([*EXPECTED, *NOT_RUN_HERE])


@pytest.mark.parametrize("name", EXPECTED)
def test_recipe_gives_the_answer_against_a_real_server(name: str, server: loopback.Server, tmp_path: Path) -> None:
    script = tmp_path / name
    text = recipes.with_base((recipes.RECIPES / name).read_text(encoding="utf-8"), server.url)
    assert recipes.PLACEHOLDER not in text and server.url in text
    script.write_text(text, encoding="utf-8")
    done = subprocess.run(command(script), cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    for expected in EXPECTED[name]:
        assert expected in done.stdout, done.stdout
