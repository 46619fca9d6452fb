"""One source of truth for prefixes: no Turtle, TriG or SPARQL file binds a known prefix to another IRI, or a
known namespace to another prefix (STYLE.md habit 4)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from server import prefixes
from server.prefixes import PREFIXES
from server.settings import REPO_ROOT

DECLARATION = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE | re.MULTILINE)
FOLDERS = ("ontology", "data", "shapes", "queries", "tests")
FILES = sorted(p for folder in FOLDERS for ext in ("ttl", "trig", "rq") for p in (REPO_ROOT / folder).rglob(f"*.{ext}"))
BY_IRI = {iri: name for name, iri in PREFIXES.items()}


def rel(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT))


def test_repository_has_rdf_and_query_files_to_check() -> None:
    assert any(p.suffix == ".ttl" for p in FILES)


@pytest.mark.parametrize("path", FILES, ids=rel)
def test_file_binds_prefixes_as_server_prefixes_does(path: Path) -> None:
    wrong = []
    for name, iri in DECLARATION.findall(path.read_text(encoding="utf-8")):
        if name in PREFIXES and PREFIXES[name] != iri:
            wrong.append(f"{name}: is bound to <{iri}>, server/prefixes.py says <{PREFIXES[name]}>")
        elif iri in BY_IRI and BY_IRI[iri] != name:
            wrong.append(f"<{iri}> is bound to {name or '(empty)'}:, server/prefixes.py calls it {BY_IRI[iri]}:")
    assert wrong == []


def test_compact_uses_the_longest_namespace_whose_local_part_needs_no_escape() -> None:
    assert prefixes.compact(prefixes.ID + "country/ecu") == "country:ecu"
    assert prefixes.compact(prefixes.MIG + "Practice") == "mig:Practice"
    item = prefixes.ID + "commitment/montevideo-2006/p25q"
    assert prefixes.compact(item) == item  # "/" would need an escape after "commitment:"
    assert prefixes.compact(item, local=re.compile(r"[\w./-]+")) == "commitment:montevideo-2006/p25q"
    assert prefixes.compact("http://example.org/x") == "http://example.org/x"


def test_compact_under_another_base_uses_the_rebased_namespaces() -> None:
    spaces = prefixes.namespaces("http://localhost:8000/")
    assert spaces["country"] == "http://localhost:8000/id/country/"
    assert prefixes.compact("http://localhost:8000/id/country/ecu", spaces) == "country:ecu"
    assert spaces["xsd"] == PREFIXES["xsd"]
