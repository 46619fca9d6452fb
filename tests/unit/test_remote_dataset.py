"""The dataset a remote store is given for a query without one of its own (``remote.dataset_request``): the union
graph and the named graphs the query can reach, written into its text as ``FROM`` / ``FROM NAMED``. Written there,
they must mean what they mean as protocol parameters, in every query form; pyoxigraph over a small store is the
judge (it takes both)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from server import prefixes
from server.settings import REPO_ROOT
from server.store.remote import NO_GRAPH, UNION_GRAPH, dataset_request, with_prologue

A, P = "http://x.example/a", "http://x.example/p"
G1, G2 = prefixes.GRAPH + "one", prefixes.GRAPH + "two"
SERVED = [G1, G2]
QUADS = [
    ox.Quad(ox.NamedNode(A), ox.NamedNode(P), ox.Literal("v"), ox.NamedNode(G1)),
    ox.Quad(ox.NamedNode(A), ox.NamedNode(P), ox.Literal("w"), ox.NamedNode(G2)),
    ox.Quad(ox.NamedNode(A), ox.NamedNode(P), ox.Literal("v"), ox.NamedNode(UNION_GRAPH)),
    ox.Quad(ox.NamedNode(A), ox.NamedNode(P), ox.Literal("w"), ox.NamedNode(UNION_GRAPH)),
    ox.Quad(ox.NamedNode(A), ox.NamedNode(P), ox.Literal("elsewhere"), ox.NamedNode("http://x.example/not-ours")),
]
FORMS = {
    "select-braces": "SELECT ?v { ?s ?p ?v }",
    "select-where-graph-variable": "SELECT ?g ?v WHERE { GRAPH ?g { ?s ?p ?v } }",
    "select-graph-named": "SELECT ?v WHERE { GRAPH graph:one { ?s ?p ?v } }",
    "select-graph-not-ours": "SELECT ?v WHERE { GRAPH <http://x.example/not-ours> { ?s ?p ?v } }",
    "select-union-graph-by-name": f"SELECT ?v WHERE {{ GRAPH <{UNION_GRAPH}> {{ ?s ?p ?v }} }}",
    "select-exists-in-projection": 'SELECT (EXISTS { ?s ?p "w" } AS ?e) ?v { ?s ?p ?v }',
    "select-subselect": "SELECT * { { SELECT ?v WHERE { ?s ?p ?v } ORDER BY ?v LIMIT 1 } }",
    "select-comment-before-where": "SELECT ?v # the values\n{ ?s ?p ?v } ORDER BY ?v",
    "select-trailing-values": 'SELECT ?v { ?s ?p ?v } VALUES ?v { "v" }',
    "select-base": "BASE <http://x.example/> SELECT ?v { <a> <p> ?v }",
    "ask": 'ASK { GRAPH ?g { ?s ?p "w" } }',
    "construct": "CONSTRUCT { ?s ?p ?v } WHERE { ?s ?p ?v }",
    "construct-short": "CONSTRUCT WHERE { ?s ?p ?v }",
    "construct-template-with-braces": "CONSTRUCT { ?s ?p ?v . ?s <http://x.example/q> [ ?p ?v ] } { ?s ?p ?v }",
    "describe-without-where": "DESCRIBE <http://x.example/a>",
    "describe-with-limit": "DESCRIBE ?s { ?s ?p ?o } LIMIT 1",
    "describe-comment-at-end": "DESCRIBE <http://x.example/a> # nothing after",
}
CATALOGUE = sorted((REPO_ROOT / "queries").glob("*.rq"))


@pytest.fixture(scope="module")
def store() -> ox.Store:
    held = ox.Store()
    held.extend(QUADS)
    return held


def term(value: object) -> str:
    return "_:" if isinstance(value, ox.BlankNode) else repr(value)  # blank node labels are each answer's own


def answer(result: object) -> object:
    """A query's answer as a comparable value: a boolean, or the sorted rows or triples."""
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        return sorted(tuple(term(row[n]) for n in names) for row in result)
    return sorted((term(t.subject), term(t.predicate), term(t.object)) for t in result)  # type: ignore[attr-defined]


def with_our_dataset(query: str) -> str:
    text, parameters = dataset_request(with_prologue(query, None), None, SERVED)
    assert parameters == {}, "the dataset belongs in the text"
    return text


@pytest.mark.parametrize("query", FORMS.values(), ids=FORMS.keys())
def test_dataset_written_into_the_query_means_what_it_means_as_parameters(store: ox.Store, query: str) -> None:
    text = with_our_dataset(query)
    as_parameters = store.query(
        with_prologue(query, None),
        default_graph=ox.NamedNode(UNION_GRAPH),
        named_graphs=[ox.NamedNode(g) for g in SERVED],
    )
    assert answer(store.query(text)) == answer(as_parameters)


def test_query_without_graph_names_no_graph_and_one_naming_its_graph_names_that_one() -> None:
    assert f"FROM NAMED <{NO_GRAPH}>" in with_our_dataset(FORMS["select-braces"])
    named = with_our_dataset(FORMS["select-graph-named"])
    assert f"FROM NAMED <{G1}>" in named and f"<{G2}>" not in named
    assert all(f"FROM NAMED <{g}>" in with_our_dataset(FORMS["select-where-graph-variable"]) for g in SERVED)


@pytest.mark.parametrize("path", CATALOGUE, ids=[p.name for p in CATALOGUE])
def test_every_catalogue_query_still_parses_with_our_dataset_written_in(path: Path) -> None:
    """FROM is only valid before the outermost WHERE clause: a clause written anywhere else is a syntax error."""
    text = with_our_dataset(path.read_text(encoding="utf-8"))
    ox.Store().query(text)
    assert f"FROM <{UNION_GRAPH}>" in text
