"""Installing migkg brings only runtime dependencies (DESIGN.md §6): the runtime package imports and serves with
every distribution that only the ``dev`` extra brings made unimportable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from server.settings import REPO_ROOT

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "release"
CHILD = Path(__file__).with_name("runtime_only.py")


def closure(requirements: Iterable[str]) -> set[str]:
    """The installed distributions ``requirements`` bring, transitively (markers and extras honoured)."""
    found: set[str] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in found:
            continue
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue  # excluded by a marker on this platform
        found.add(name)
        extras = {"", *requirement.extras}
        for child in map(Requirement, requires):
            if child.marker is None or any(child.marker.evaluate({"extra": e}) for e in extras):
                todo.append(child)
    return found


def dev_only_modules() -> set[str]:
    """Top-level modules whose every providing distribution comes only with the ``dev`` extra."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    dev_only = closure(project["optional-dependencies"]["dev"]) - closure(project["dependencies"])
    return {
        module
        for module, distributions in metadata.packages_distributions().items()
        if all(canonicalize_name(d) in dev_only for d in distributions)
    }


def module_names(package: Path) -> set[str]:
    """Dotted names of the modules and packages in ``package``'s files."""
    parts = (p.relative_to(package.parent).with_suffix("").parts for p in package.rglob("*.py"))
    modules = (p for p in parts if all(part.isidentifier() for part in p))  # not the recipes (2-pandas.py): scripts
    return {".".join(p[:-1] if p[-1] == "__init__" else p) for p in modules}


def test_runtime_package_imports_and_serves_without_dev_distributions(tmp_path: Path) -> None:
    blocked = dev_only_modules()
    assert {"playwright", "pytest", "SPARQLWrapper", "mypy", "xdist"} <= blocked  # httpx is runtime: the remote store
    env = {k: v for k, v in os.environ.items() if not k.startswith("MIGKG_")}
    child = subprocess.run(
        [sys.executable, "-I", str(CHILD), json.dumps(sorted(blocked)), str(FIXTURE), str(tmp_path)],
        cwd=tmp_path,  # -I and this cwd: server comes from the installed package, tools/ and tests/ are not on the path
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert child.returncode == 0, child.stderr
    report = json.loads(child.stdout.splitlines()[-1])
    assert report["modules"] == sorted(module_names(REPO_ROOT / "server"))
    assert report["statuses"] == {path: 200 for path in report["statuses"]}
