"""Every competency query in queries/ answers exactly as its expected-answer file says.

``queries/<name>.rq`` starts with ``# title:`` and ``# description:`` lines; ``queries/<name>.csv`` holds the
expected answer (format and comparison: tools/expected_answers.py). Dropping a pair of files into queries/ makes
it live; a query without an expected answer fails. ``make queries-expected`` rewrites the answers that changed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from server import prefixes
from server.release import Release
from server.settings import REPO_ROOT
from server.store.embedded import EmbeddedStore
from tools.expected_answers import COMMAND, Rows, answer_text, as_rows, comparable, expected_file

QUERIES = sorted((REPO_ROOT / "queries").glob("*.rq"))
pytestmark = pytest.mark.build


@pytest.fixture(scope="module")
def store(release: Release) -> EmbeddedStore:
    """The endpoint's own store, so the answers are the ones /sparql gives."""
    return EmbeddedStore(release.snapshot)


def header(text: str, field: str) -> str:
    found = re.search(rf"^# {field}: (.+)$", text, re.MULTILINE)
    return found.group(1).strip() if found else ""


def answer(store: EmbeddedStore, query: str) -> Rows:
    return as_rows(answer_text(store, query))


def stale(path: Path, expected: Rows, got: Rows) -> str:
    """What differs, and how to review the new answer."""
    lost = [row for row in expected if row not in got][:5]
    new = [row for row in got if row not in expected][:5]
    name, csv_name = path.relative_to(REPO_ROOT), expected_file(path).relative_to(REPO_ROOT)
    return (
        f"the expected answer {csv_name} is stale for {name}: `{COMMAND}` rewrites it from a fresh build; "
        f"review the change with `git diff queries/`.\n  only expected: {lost}\n  only answered: {new}"
        + ("" if lost or new else "\n  (the same rows in another order)")
    )


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_query_has_a_title_a_description_and_an_expected_answer(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert header(text, "title") and header(text, "description")
    assert expected_file(path).is_file(), f"write the expected answer to {expected_file(path).name} (`{COMMAND}`)"


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_query_gives_its_expected_answer(store: EmbeddedStore, path: Path) -> None:
    query = path.read_text(encoding="utf-8")
    expected = comparable(query, as_rows(expected_file(path).read_text(encoding="utf-8")))
    got = comparable(query, answer(store, query))
    assert got[0] == expected[0], f"projected variables differ: {got[0]} (query) against {expected[0]} ({COMMAND})"
    assert got[1], "the query returns no rows; a competency query must answer something"
    assert got[1] == expected[1], stale(path, expected[1], got[1])


def query_texts() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in QUERIES)


def test_every_class_with_instances_is_named_in_some_query(store: EmbeddedStore) -> None:
    """A class the release has instances of is selected by name (``mig:ClassName``) in at least one query."""
    classes = answer(
        store,
        f"SELECT DISTINCT ?class WHERE {{ ?x a ?class FILTER(STRSTARTS(STR(?class), {json.dumps(prefixes.MIG)})) }}",
    )
    texts = query_texts()
    names = [iri.removeprefix(prefixes.MIG) for [iri] in classes[1:]]
    assert names, "the release has no instances of any mig: class"
    unnamed = [name for name in names if not re.search(rf"\bmig:{name}\b", texts)]
    assert not unnamed, f"no competency query names these classes with instances: {sorted(unnamed)}"


def test_every_source_document_appears_in_some_query_or_expected_answer(store: EmbeddedStore) -> None:
    """Each source document is named by a query or occurs in an expected answer."""
    sources = answer(store, f"SELECT ?source WHERE {{ ?source a <{prefixes.MIG}SourceDocument> }}")
    texts = query_texts() + "\n".join(expected_file(path).read_text(encoding="utf-8") for path in QUERIES)
    iris = [iri for [iri] in sources[1:]]
    assert len(iris) == 5
    source_ns = prefixes.PREFIXES["source"]
    missing = [
        iri
        for iri in iris
        if iri not in texts and not re.search(rf"\bsource:{re.escape(iri.removeprefix(source_ns))}\b", texts)
    ]
    assert not missing, f"no competency query or expected answer mentions these sources: {missing}"
