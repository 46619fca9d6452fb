"""SPARQL Update over the Protocol for partners, over real HTTP: form and direct POSTs, the Protocol's dataset
parameters, the gate, one atomic commit per update, and publishing with SPARQLWrapper and rdflib's
SPARQLUpdateStore. What an update did is checked on durable storage; reading it back through /sparql needs the
store to serve partner graphs (helper B)."""

from __future__ import annotations

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from partner_server import P25Q, PROGRAMME, PartnerServer, graph, parsed, programme
from rdflib.plugins.stores.sparqlstore import SPARQLUpdateStore
from SPARQLWrapper import POST, POSTDIRECTLY, URLENCODED, SPARQLWrapper

from server import prefixes

pytestmark = [pytest.mark.http, pytest.mark.build, pytest.mark.xdist_group("partner-writes")]

PREFIXES = prefixes.sparql_header(("mig", "rdfs", "xsd"))
UPDATE = "application/sparql-update"


def update(server: PartnerServer, text: str, **params: str) -> httpx.Response:
    return httpx.post(server.server.sparql, data={"update": text, **params}, headers=server.auth(), timeout=180)


def seeded(server: PartnerServer, name: str, n: int = 1) -> str:
    """A graph of the partner holding programme ``n``, written by PUT."""
    target = graph(name)
    assert server.put(target, programme(n)).status_code == 201
    return target


def test_update_form_post_adds_to_own_graph_keeping_datatypes_as_written(partner_server: PartnerServer) -> None:
    """A store would make "1500"^^xsd:nonNegativeInteger an xsd:integer (which the shape refuses): the graph keeps
    the form the partner wrote."""
    target = seeded(partner_server, "update-form")
    generation = partner_server.storage.generation()
    text = f"""{PREFIXES} INSERT DATA {{ GRAPH <{target}> {{
        <https://example.org/agency/programme/1> mig:beneficiaryCount "1500"^^xsd:nonNegativeInteger }} }}"""
    response = update(partner_server, text)
    assert response.status_code == 204, response.text
    count = ox.Literal("1500", datatype=ox.NamedNode(prefixes.XSD + "nonNegativeInteger"))
    added = ox.Triple(
        ox.NamedNode("https://example.org/agency/programme/1"), ox.NamedNode(prefixes.MIG + "beneficiaryCount"), count
    )
    assert partner_server.stored("update-form") == parsed(programme(1)) | {added}
    assert partner_server.storage.generation() == generation + 1


def test_update_with_predeclared_prefixes_keeps_datatypes_as_written(partner_server: PartnerServer) -> None:
    """No PREFIX lines: mig:, xsd: and rdfs: are predeclared for updates as for queries, and the literal keeps its
    written form (read with the same predeclared prefixes)."""
    target = seeded(partner_server, "update-predeclared")
    text = f"""INSERT DATA {{ GRAPH <{target}> {{ <https://example.org/agency/programme/1>
        mig:beneficiaryCount "0750"^^xsd:nonNegativeInteger ; rdfs:comment "sin prefijos"@es }} }}"""
    response = update(partner_server, text)
    assert response.status_code == 204, response.text
    subject = ox.NamedNode("https://example.org/agency/programme/1")
    count = ox.Literal("0750", datatype=ox.NamedNode(prefixes.XSD + "nonNegativeInteger"))
    comment = ox.Literal("sin prefijos", language="es")
    assert partner_server.stored("update-predeclared") == parsed(programme(1)) | {
        ox.Triple(subject, ox.NamedNode(prefixes.MIG + "beneficiaryCount"), count),
        ox.Triple(subject, ox.NamedNode(prefixes.RDFS + "comment"), comment),
    }


def test_update_direct_post_replaces_a_value(partner_server: PartnerServer) -> None:
    target = seeded(partner_server, "update-direct")
    text = f"""{PREFIXES} DELETE {{ GRAPH <{target}> {{ ?p rdfs:label ?old }} }}
        INSERT {{ GRAPH <{target}> {{ ?p rdfs:label "Programa renombrado"@es }} }}
        WHERE {{ GRAPH <{target}> {{ ?p rdfs:label ?old }} }}"""
    response = httpx.post(
        partner_server.server.sparql,
        content=text.encode(),
        headers={**partner_server.auth(), "Content-Type": UPDATE},
        timeout=180,
    )
    assert response.status_code == 204, response.text
    labels = {
        t.object.value for t in partner_server.stored("update-direct") if t.predicate.value == prefixes.RDFS + "label"
    }
    assert labels == {"Programa renombrado"}


def test_update_changing_two_own_graphs_commits_both_at_once(partner_server: PartnerServer) -> None:
    first, second = seeded(partner_server, "update-one", 1), seeded(partner_server, "update-two", 2)
    generation = partner_server.storage.generation()
    text = f"""{PREFIXES} INSERT DATA {{
        GRAPH <{first}> {{ <https://example.org/agency/programme/1> rdfs:comment "uno" }}
        GRAPH <{second}> {{ <https://example.org/agency/programme/2> rdfs:comment "dos" }} }}"""
    assert update(partner_server, text).status_code == 204
    assert partner_server.storage.generation() == generation + 1  # one commit
    assert len(partner_server.stored("update-one")) == len(partner_server.stored("update-two")) == 4


def test_update_with_using_graph_uri_reads_only_that_graph(partner_server: PartnerServer) -> None:
    """Over the union, the WHERE would also find the release's programmes (facts about our things: rejected)."""
    source, copy = seeded(partner_server, "using-source", 4), graph("using-copy")
    text = f"""{PREFIXES} INSERT {{ GRAPH <{copy}> {{ ?p a mig:Programme ; rdfs:label ?l ; mig:givesEffectTo ?i }} }}
        WHERE {{ ?p a mig:Programme ; rdfs:label ?l ; mig:givesEffectTo ?i }}"""
    response = update(partner_server, text, **{"using-graph-uri": source})
    assert response.status_code == 204, response.text
    assert partner_server.stored("using-copy") == parsed(programme(4))


def test_update_with_its_own_with_and_using_parameters_is_400(partner_server: PartnerServer) -> None:
    target = graph("using-clash")
    text = f"WITH <{target}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}"
    response = update(partner_server, text, **{"using-graph-uri": target})
    assert response.status_code == 400 and "WITH" in response.text


def test_update_not_conforming_is_422_and_changes_nothing(partner_server: PartnerServer) -> None:
    target = seeded(partner_server, "update-rejected")
    before = (partner_server.storage.generation(), partner_server.stored("update-rejected"))
    text = f'{PREFIXES} INSERT DATA {{ GRAPH <{target}> {{ <{PROGRAMME}> mig:givesEffectTo "25.q" }} }}'
    response = update(partner_server, text)
    assert response.status_code == 422, response.text
    assert "/graph-store/reports/" in response.headers["location"]
    assert "givesEffectTo" in httpx.get(response.headers["location"]).text
    assert (partner_server.storage.generation(), partner_server.stored("update-rejected")) == before


@pytest.mark.parametrize(
    "text", ["INSERT DATA { GRAPH <x:g> { <x:s> <x:p> }", "SELECT * WHERE { ?s ?p ?o }"], ids=["broken", "a-query"]
)
def test_update_that_does_not_parse_is_400(partner_server: PartnerServer, text: str) -> None:
    response = update(partner_server, text)
    assert response.status_code == 400 and "Malformed update" in response.text


def test_update_emptying_own_graph_removes_it(partner_server: PartnerServer) -> None:
    target = seeded(partner_server, "update-dropped")
    assert update(partner_server, f"DROP GRAPH <{target}>").status_code == 204
    assert target not in partner_server.storage.graphs()


def test_update_that_changes_nothing_is_204_without_a_commit(partner_server: PartnerServer) -> None:
    generation = partner_server.storage.generation()
    text = f"DELETE DATA {{ GRAPH <{graph('never-written')}> {{ <https://example.org/a> <https://example.org/b> 1 }} }}"
    assert update(partner_server, text).status_code == 204
    assert partner_server.storage.generation() == generation


def test_update_via_get_is_405_allowing_post(partner_server: PartnerServer) -> None:
    response = httpx.get(partner_server.server.sparql, params={"update": "CLEAR ALL"}, headers=partner_server.auth())
    assert response.status_code == 405 and response.headers["allow"] == "POST"


def test_update_is_visible_in_the_very_next_query(partner_server: PartnerServer) -> None:
    """Needs the store to serve partner graphs (helper B)."""
    target = graph("update-visible")
    text = f"""{PREFIXES} INSERT DATA {{ GRAPH <{target}> {{ <https://example.org/agency/programme/9> a mig:Programme ;
        rdfs:label "Programa 9"@es ; mig:givesEffectTo <{P25Q}> }} }}"""
    assert update(partner_server, text).status_code == 204
    assert partner_server.ask(f"ASK {{ GRAPH <{target}> {{ ?p <{prefixes.MIG}givesEffectTo> <{P25Q}> }} }}")


# --- real clients ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", [URLENCODED, POSTDIRECTLY], ids=["form", "direct"])
def test_publish_with_sparqlwrapper(partner_server: PartnerServer, method: str) -> None:
    target = graph(f"sparqlwrapper-{method.lower()}")
    client = SPARQLWrapper(partner_server.server.sparql, updateEndpoint=partner_server.server.sparql)
    client.setMethod(POST)
    client.setRequestMethod(method)
    client.addCustomHttpHeader("Authorization", f"Bearer {partner_server.tokens['acme']}")
    client.setQuery(f"{PREFIXES} INSERT DATA {{ GRAPH <{target}> {{ {programme(6)} }} }}")
    client.setTimeout(180)
    assert client.query().response.status == 204
    assert partner_server.stored(f"sparqlwrapper-{method.lower()}") == parsed(programme(6))


def test_publish_with_rdflib_sparql_update_store(partner_server: PartnerServer) -> None:
    target = graph("rdflib")
    store = SPARQLUpdateStore(
        query_endpoint=partner_server.server.sparql,
        update_endpoint=partner_server.server.sparql,
        headers=partner_server.auth(),
        timeout=180,
    )
    store.update(f"INSERT DATA {{ GRAPH <{target}> {{ {programme(8)} }} }}")
    assert partner_server.stored("rdflib") == parsed(programme(8))
    named = rdflib.Graph(store, identifier=rdflib.URIRef(target))
    named.add(
        (
            rdflib.URIRef("https://example.org/agency/programme/8"),
            rdflib.RDFS.comment,
            rdflib.Literal("added with rdflib", lang="en"),
        )
    )
    assert len(partner_server.stored("rdflib")) == len(parsed(programme(8))) + 1
