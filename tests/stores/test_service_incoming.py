"""SERVICE, incoming: the stores other agencies run call our endpoint from their own queries.

A real Virtuoso and a real Oxigraph server (started on loopback by ``tools/stores.py``, each holding a partner's
data) are asked ``SELECT … { SERVICE <our /sparql> { … } }``; the answer must equal the one our endpoint gives
to the same pattern asked directly. What each sends (captured, pinned by the unit tests of the request forms):
Virtuoso a GET with an extra ``maxrows`` parameter, one call per binding of the variables it joins on,
accepting SPARQL XML first; Oxigraph one POST ``application/sparql-query`` (with ``BASE`` set to its own
endpoint) accepting SPARQL JSON or XML.
"""

from __future__ import annotations

import httpx
import pyoxigraph as ox
import pytest
from partner_data import HEADER, PARTNER, PARTNER_GRAPH, PARTNER_NQUADS, POPULATIONS, reference_rows

from server import media, prefixes
from server.web.views import recipes
from tools import loopback
from tools.stores import ExternalStore, select

pytestmark = [pytest.mark.http, pytest.mark.stores, pytest.mark.xdist_group("stores")]  # stores start once

# Graph patterns asked through SERVICE and directly: language tags and non-ASCII text; every quad (typed
# literals, a literal with quotes, a blank node); a property path with a FILTER on dates; OPTIONAL. No typed
# constant other than a number: Virtuoso drops the datatype of "…"^^xsd:date when it writes the SERVICE query
# (except in an `=` FILTER), so such a pattern never matches anywhere.
PATTERNS = {
    "labels": "country:ecu rdfs:label ?label",
    "quads": "GRAPH ?g { ?s ?p ?o }",
    "path-filter": "?event mig:heldIn/mig:inCountry ?country ; mig:startDate ?start FILTER(YEAR(?start) < 2010)",
    "optional": "?excerpt a mig:Excerpt OPTIONAL { ?excerpt oa:hasSelector/oa:exact ?quote }",
}


@pytest.mark.parametrize("pattern", PATTERNS.values(), ids=PATTERNS.keys())
def test_answer_service_call_as_asked_directly(store: ExternalStore, server: loopback.Server, pattern: str) -> None:
    direct = select(server.sparql, f"{HEADER}SELECT * WHERE {{ {pattern} }}")
    through_store = store.select(f"{HEADER}SELECT * WHERE {{ SERVICE <{server.sparql}> {{ {pattern} }} }}")
    assert direct, "the pattern must match something in the fixture release"
    assert through_store == direct


def test_join_store_data_with_ours_through_service(store: ExternalStore, server: loopback.Server) -> None:
    ours = "?place mig:inCountry ?country . ?country rdfs:label ?label"
    joined = store.select(
        f"{HEADER}SELECT ?place ?people ?country ?label WHERE {{ GRAPH <{PARTNER_GRAPH}> "
        f"{{ ?place <{PARTNER}population> ?people }} SERVICE <{server.sparql}> {{ {ours} }} }}"
    )
    theirs = " ".join(f"(place:{place} {people})" for place, people in POPULATIONS.items())
    direct = select(server.sparql, f"{HEADER}SELECT * WHERE {{ VALUES (?place ?people) {{ {theirs} }} {ours} }}")
    assert len(direct) == 3  # Cuenca's country has three labels; Lima is not in our data
    assert joined == direct


def test_load_nquads_into_store_keeps_every_quad(store: ExternalStore) -> None:
    query = f"SELECT * WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), '{PARTNER}')) }}"
    assert store.select(query) == reference_rows(PARTNER_NQUADS, query)


def test_write_through_update_and_graph_store_urls(store: ExternalStore) -> None:
    """The URLs the remote-store backend will use: SPARQL Update (form POST), Graph Store PUT and GET."""
    inserted, put = f"{PARTNER}graph/inserted", f"{PARTNER}graph/put"
    visited = f'<{prefixes.ID}country/ecu> <{PARTNER}visited> "2011"^^<{prefixes.XSD}gYear>'
    note = f'<{prefixes.ID}place/cuenca> <{PARTNER}note> "Ciudad patrimonio"@es'
    update = httpx.post(store.update_url, data={"update": f"INSERT DATA {{ GRAPH <{inserted}> {{ {visited} }} }}"})
    assert update.status_code in (200, 204), update.text
    turtle = {"Content-Type": media.TURTLE.media_type}
    written = httpx.put(store.gsp_url, params={"graph": put}, content=f"{note} .\n".encode(), headers=turtle)
    assert written.status_code in (200, 201, 204), written.text
    read = httpx.get(store.gsp_url, params={"graph": put}, headers={"Accept": media.N_TRIPLES.media_type})
    assert read.status_code == 200, read.text
    assert [str(t) for t in ox.parse(read.content, ox.RdfFormat.N_TRIPLES)] == [note]
    query = f"SELECT * WHERE {{ VALUES ?g {{ <{inserted}> <{put}> }} GRAPH ?g {{ ?s ?p ?o }} }}"
    assert store.select(query) == reference_rows(f"{visited} <{inserted}> .\n{note} <{put}> .\n", query)


def test_federated_recipe_runs_in_another_store(oxigraph_server: ExternalStore, server: loopback.Server) -> None:
    """The /recipes SERVICE query, as written for our server, run by the Oxigraph server."""
    (recipe,) = [r for r in recipes.read(server.url) if r.name == "8-federated-service.rq"]
    direct = select(server.sparql, recipe.text.replace(f"SERVICE <{server.sparql}>", ""))
    assert direct == [(("event", f"<{prefixes.ID}event/fibemyd-2008>"), ("place", '"Cuenca"@en'))]
    assert oxigraph_server.select(recipe.text) == direct
