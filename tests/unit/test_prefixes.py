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
    assert prefixes.compact("http://localhost:8000/id/country/ecu", "http://localhost:8000/") == "country:ecu"
    assert prefixes.compact(prefixes.ID + "country/ecu", "http://localhost:8000/") == prefixes.ID + "country/ecu"
    assert spaces["xsd"] == PREFIXES["xsd"]


def test_compact_allows_a_slash_in_a_local_part_meant_for_a_url() -> None:
    item = prefixes.ID + "commitment/montevideo-2006/p25q"
    assert prefixes.compact(item, local=prefixes.PATH_LOCAL) == "commitment:montevideo-2006/p25q"
    assert prefixes.compact(prefixes.ID + "country/-x", local=prefixes.PATH_LOCAL) == prefixes.ID + "country/-x"


def test_compact_within_one_namespace_leaves_its_name_out_and_others_whole() -> None:
    assert prefixes.compact(prefixes.MIG + "Practice", within="mig") == "Practice"
    assert prefixes.compact(prefixes.EXCERPT + "fibemyd-2008-held-in", within="excerpt") == "fibemyd-2008-held-in"
    assert prefixes.compact(prefixes.RDFS + "Literal", within="mig") == prefixes.RDFS + "Literal"
    assert prefixes.compact(prefixes.ID + "country/ecu", within="mig") == prefixes.ID + "country/ecu"
    assert prefixes.compact("http://localhost:8000/def#Practice", "http://localhost:8000/", within="mig") == "Practice"
