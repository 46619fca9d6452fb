"""Malformed queries explained (server.query_errors) from pyoxigraph's own messages: each cause found, pointed at,
and worded without the parser's character ranges; and the nearest ontology terms for a misspelt ``mig:`` term."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from server import prefixes
from server.query_errors import Diagnosis, explain, unknown_terms
from server.vocabulary import Term, Vocabulary

MIG = prefixes.MIG
WORDS = Vocabulary({name: Term(name, prefixes.MIG + name, "property") for name in ("heldIn", "hostedBy", "startDate")})


def diagnosed(query: str) -> Diagnosis:
    try:
        ox.Store().query(query, prefixes=prefixes.namespaces())
    except SyntaxError as error:
        return explain(query, str(error), WORDS)
    raise AssertionError(f"parses: {query}")


# query → (line, column, words of the message, words of the hint)
CASES = {
    "undeclared-prefix": ("SELECT * { ?s mgi:heldIn ?o }", 1, 15, "prefix mgi: is not declared", f"mig: <{MIG}>"),
    "prefix-far-from-any": ("SELECT * { ?s qqqqqqq:x ?o }", 1, 15, "prefix qqqqqqq:", "Declare it with PREFIX"),
    "keyword-typo": ("SELCT * { ?s ?p ?o }", 1, 1, "SELCT is not a SPARQL keyword", "Did you mean SELECT?"),
    "keyword-typo-later": ("SELECT * { ?s ?p ?o } LIMT 5", 1, 23, "LIMT", "Did you mean LIMIT?"),
    "function-typo": ("SELECT * { ?s ?p 1e10 . FILTR(?s) }", 1, 25, "FILTR", "FILTER?"),
    "unclosed-string": ('SELECT * {\n  ?s ?p "Cuenca }', 2, 9, "string is never closed", 'End it with "'),
    "unclosed-long-string": ('SELECT * { ?s ?p """Cuenca }', 1, 18, "string is never closed", 'End it with """.'),
    "unclosed-iri": ("SELECT * { ?s <http://example.org/p ?o }", 1, 15, "IRI is never closed", "End it with >"),
    "missing-brace": ("SELECT * {\n  ?s ?p ?o .\n\n", 2, 13, "} is missing", "{ at line 1, column 10"),
    "missing-parenthesis": ("SELECT * { ?s ?p ?o FILTER(?o > 1 }", 1, 35, ") is missing", "( at line 1, column 27"),
    "brace-too-many": ("SELECT * { ?s ?p ?o }}", 1, 22, "} closes nothing", "Remove it"),
    "unbound-select-variable": ("SELECT ?x { ?s ?p ?o } GROUP BY ?s", 1, 35, "variable that is unbound", ""),
}  # fmt: skip


@pytest.mark.parametrize("name", CASES)
def test_explain_cause_and_position_of_malformed_query(name: str) -> None:
    query, line, column, message, hint = CASES[name]
    found = diagnosed(query)
    assert (found.line, found.column) == (line, column), found
    assert message in found.message and hint in found.hint, found
    text = found.as_text()
    assert "\\u{" not in text and "..=" not in text and "[_]" not in text


def test_list_what_could_come_readably_when_no_cause_is_found() -> None:
    found = diagnosed("ASK { ?s ?p }")
    assert found.hint.startswith("Expected one of: ") and "[" not in found.hint


def test_add_misspelt_terms_to_the_hint_of_a_malformed_query() -> None:
    found = diagnosed("SELECT * { ?s mig:heldin ?o")
    assert found.message == "a } is missing"
    assert "Also: mig:heldin is not a term of the ontology; did you mean mig:heldIn?" in found.hint


def test_show_a_window_of_a_long_line_with_the_caret_in_place() -> None:
    query = "SELECT * { " + " ".join(f"?s{i} ?p ?o{i} ." for i in range(40)) + " FILTR(?s) }"
    found = diagnosed(query)
    shown, caret = found.excerpt.splitlines()
    assert len(shown) < 150 and shown.index("FILTR") == caret.index("^")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT * { ?s mig:heldin ?o }", ["mig:heldin is not a term of the ontology; did you mean mig:heldIn?"]),
        (f"SELECT * {{ ?s <{prefixes.MIG}startdate> ?o }}", ["mig:startdate … did you mean mig:startDate?"]),
        ("PREFIX m: <https://w3id.org/migkg/def#> SELECT * { ?s m:hostedby ?o }", ["mig:hostedby … mig:hostedBy?"]),
        ("SELECT * { ?s mig:zzzz ?o }", ["mig:zzzz is not a term of the ontology (its terms are listed at /def)"]),
        ("PREFIX mig: <http://example.org/other#> SELECT * { ?s mig:heldin ?o }", []),  # not ours
        ("SELECT * { ?s mig:heldIn ?o FILTER(STRSTARTS(STR(?s), STR(mig:))) }", []),
    ],
)
def test_name_mig_terms_the_ontology_does_not_have(query: str, expected: list[str]) -> None:
    found = unknown_terms(query, WORDS)
    assert len(found) == len(expected)
    for sentence, wanted in zip(found, expected, strict=True):
        head, _, tail = wanted.partition(" … ")
        assert sentence.startswith(head) and sentence.endswith(tail)
