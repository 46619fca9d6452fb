"""SPARQL Update for partners (server.partners.update, PartnerWriter.update): the Protocol's dataset parameters
written in, what an update changed judged on a scratch copy, literals kept as written, all or nothing."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from conftest import ACME

from server import prefixes
from server.partners.gate import Gate, Lookup
from server.partners.messages import Forbidden
from server.partners.storage import Change, PartnerStorage, WriteConflict
from server.partners.update import DatasetClash, contents_after, evaluate, with_dataset, written_literals
from server.partners.writer import PartnerWriter
from server.settings import Settings

XSD, MIG, RDFS = prefixes.XSD, prefixes.MIG, prefixes.RDFS
G1, G2 = ACME.graphs + "one", ACME.graphs + "two"
S, P = ox.NamedNode("https://example.org/s"), ox.NamedNode("https://example.org/p")


def typed(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))


def quad(obj: ox.NamedNode | ox.Literal, graph: str) -> ox.Quad:
    return ox.Quad(S, P, obj, ox.NamedNode(graph))


# --- the Protocol's dataset parameters --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("update", "expected"),
    [
        (
            "INSERT { GRAPH <x:g> { ?s ?p ?o } } WHERE { ?s ?p ?o }",
            "INSERT { GRAPH <x:g> { ?s ?p ?o } } USING <x:u> USING NAMED <x:n> WHERE { ?s ?p ?o }",
        ),
        (
            "DELETE WHERE { ?s <x:where> 'WHERE' } ; INSERT DATA { <x:a> <x:b> <x:c> }",
            "DELETE { ?s <x:where> 'WHERE' } USING <x:u> USING NAMED <x:n> WHERE { ?s <x:where> 'WHERE' } ; "
            "INSERT DATA { <x:a> <x:b> <x:c> }",
        ),
        (
            "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o FILTER EXISTS { SELECT ?s WHERE { ?s ?q ?r } } }",
            "DELETE { ?s ?p ?o } USING <x:u> USING NAMED <x:n> WHERE { ?s ?p ?o FILTER EXISTS { SELECT ?s WHERE "
            "{ ?s ?q ?r } } }",
        ),
    ],
    ids=["modify", "delete-where-and-insert-data", "subquery-untouched"],
)
def test_with_dataset_writes_using_into_each_operation_with_a_where(update: str, expected: str) -> None:
    assert with_dataset(update, ["x:u"], ["x:n"]) == expected


def test_with_dataset_changes_nothing_without_parameters() -> None:
    assert with_dataset("WITH <x:g> DELETE WHERE { ?s ?p ?o }", [], []) == "WITH <x:g> DELETE WHERE { ?s ?p ?o }"


@pytest.mark.parametrize(
    "update",
    ["WITH <x:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "DELETE { ?s ?p ?o } USING <x:a> WHERE { ?s ?p ?o }"],
)
def test_with_dataset_refuses_an_update_with_its_own_dataset(update: str) -> None:
    with pytest.raises(DatasetClash):
        with_dataset(update, [], ["x:n"])


def test_with_dataset_result_runs_on_the_named_graph_only() -> None:
    served = [quad(typed("1", "integer"), G1), quad(typed("2", "integer"), G2)]
    text = with_dataset(f"INSERT {{ GRAPH <{G2}> {{ ?s <x:copy> ?o }} }} WHERE {{ ?s ?p ?o }}", [G1], [])
    added = evaluate(text, served)[G2].added
    assert {q.object for q in added} == {typed("1", "integer")}


# --- literals as written ------------------------------------------------------------------------------------------


def test_written_literals_reads_prefixes_base_escapes_and_languages() -> None:
    update = (
        "PREFIX x: <http://www.w3.org/2001/XMLSchema#> BASE <https://example.org/types/> "
        'INSERT DATA { <a:s> <a:p> "05"^^x:positiveInteger, "1"^^<relative>, "caf\\u00e9"@ES, "plain", 7 }'
    )
    assert written_literals(update) == [
        typed("05", "positiveInteger"),
        ox.Literal("1", datatype=ox.NamedNode("https://example.org/types/relative")),
        ox.Literal("café", language="es"),
    ]


def test_contents_after_keeps_the_forms_the_partner_wrote() -> None:
    stored = [ox.Triple(S, P, typed("007", "nonNegativeInteger")), ox.Triple(S, P, typed("1", "boolean"))]
    served = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(G1)) for t in stored]
    update = (
        f"DELETE DATA {{ GRAPH <{G1}> {{ <{S.value}> <{P.value}> true }} }} ; "
        f'INSERT DATA {{ GRAPH <{G1}> {{ <{S.value}> <{P.value}> "05"^^<{XSD}positiveInteger> }} }}'
    )
    change = evaluate(update, served)[G1]
    assert {q.object for q in change.added} == {typed("5", "integer")}  # what the store made of it
    after = contents_after(stored, change, written_literals(update))
    assert set(after) == {
        ox.Triple(S, P, typed("007", "nonNegativeInteger")),
        ox.Triple(S, P, typed("05", "positiveInteger")),
    }


# --- what an update changed ------------------------------------------------------------------------------------


def test_evaluate_sees_writes_to_the_default_graph_and_through_graph_variables() -> None:
    served = [quad(ox.NamedNode("x:o1"), G1), quad(ox.NamedNode("x:o2"), prefixes.GRAPH_ONTOLOGY)]
    assert set(evaluate("INSERT DATA { <x:a> <x:b> <x:c> }", served)) == {None}
    everywhere = evaluate("INSERT { GRAPH ?g { <x:a> <x:b> <x:c> } } WHERE { GRAPH ?g { ?s ?p ?o } }", served)
    assert set(everywhere) == {G1, prefixes.GRAPH_ONTOLOGY}
    assert evaluate(f"DELETE DATA {{ GRAPH <{G2}> {{ <x:a> <x:b> <x:c> }} }}", served) == {}


# --- the writer: authorised, gated, one commit ------------------------------------------------------------------


@pytest.fixture
def writer(
    partner_settings: Settings, gate: Gate, lookup: Lookup, tmp_path_factory: pytest.TempPathFactory
) -> PartnerWriter:
    from server.pipeline.load import load_all

    settings = partner_settings.model_copy(update={"state_dir": tmp_path_factory.mktemp("var")})
    release = load_all(partner_settings).quads
    return PartnerWriter(settings, lookup, gate, release=release)


def programme(n: int, graph: str, gives_effect_to: str) -> str:
    return f"""GRAPH <{graph}> {{ <https://example.org/agency/programme/{n}> a <{MIG}Programme> ;
        <{RDFS}label> "Programa {n}"@es ; <{MIG}givesEffectTo> {gives_effect_to} }}"""


def test_update_writing_the_default_graph_is_forbidden(writer: PartnerWriter) -> None:
    with pytest.raises(Forbidden) as refused:
        writer.update(ACME, "t", "INSERT DATA { <https://example.org/a> <https://example.org/b> 1 }")
    assert refused.value.refusal.rule == "default-graph"
    assert writer.storage.generation() == 0


def test_update_of_two_graphs_commits_both_or_neither(writer: PartnerWriter) -> None:
    item = f"<{prefixes.ID}commitment/montevideo-2006/p25q>"
    both_good = f"INSERT DATA {{ {programme(1, G1, item)} {programme(2, G2, item)} }}"
    outcome = writer.update(ACME, "t", both_good)
    assert outcome.accepted and len(outcome.reports) == 2 and writer.storage.generation() == 1
    text = '"25.q"'
    one_bad = f"INSERT DATA {{ {programme(3, G1, item)} {programme(4, G2, text)} }}"
    rejected = writer.update(ACME, "t", one_bad)
    assert [r.graph for r in rejected.rejected] == [G2] and rejected.commit is None
    assert writer.storage.generation() == 1
    assert len(writer.storage.graph_quads(G1)) == 3  # programme 3 was not added either


# --- storage: several graphs in one commit ---------------------------------------------------------------------


def test_commit_all_changes_several_graphs_in_one_generation(tmp_path_factory: pytest.TempPathFactory) -> None:
    storage = PartnerStorage(tmp_path_factory.mktemp("storage"))
    storage.commit(G1, [ox.Triple(S, P, typed("1", "integer"))], [])
    commits = storage.commit_all({G1: None, G2: Change([ox.Triple(S, P, typed("2", "integer"))], [])})
    assert [c.generation for c in commits] == [2, 2] and commits[0].version is None
    assert list(storage.graphs()) == [G2]


def test_commit_all_with_one_conflict_changes_nothing(tmp_path_factory: pytest.TempPathFactory) -> None:
    storage = PartnerStorage(tmp_path_factory.mktemp("storage"))
    storage.commit(G1, [ox.Triple(S, P, typed("1", "integer"))], [])
    with pytest.raises(WriteConflict):
        storage.commit_all(
            {G1: Change([], []), G2: Change([ox.Triple(S, P, typed("2", "integer"))], [])},
            expect={G2: "0123456789abcdef"},
        )
    assert storage.generation() == 1 and list(storage.graphs()) == [G1]
    assert storage.graph_quads(G1) == [quad(typed("1", "integer"), G1)]
