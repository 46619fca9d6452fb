"""SERVICE, outgoing, to the stores other agencies run: our endpoint joins its data with a real Virtuoso's and a
real Oxigraph server's (each started on loopback by ``tools/stores.py``, holding a partner's data, its exact
origin allowlisted), and the answer equals pyoxigraph's over our data and the partner's together."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from partner_data import HEADER, PARTNER, PARTNER_GRAPH, PARTNER_NOTES, PARTNER_NQUADS, POPULATIONS

from tools import loopback
from tools.stores import ExternalStore, rows, select

pytestmark = [pytest.mark.http, pytest.mark.stores, pytest.mark.xdist_group("stores")]

OURS = "?place mig:inCountry ?country . ?country rdfs:label ?label"


def test_join_our_places_with_store_populations(store: ExternalStore, federating_server: loopback.Server) -> None:
    joined = select(
        federating_server.sparql,
        f"{HEADER}SELECT ?place ?people ?country ?label WHERE {{ {OURS} "
        f"SERVICE <{store.query_url}> {{ GRAPH <{PARTNER_GRAPH}> {{ ?place <{PARTNER}population> ?people }} }} }}",
    )
    theirs = " ".join(f"(place:{place} {people})" for place, people in POPULATIONS.items())
    expected = select(
        federating_server.sparql, f"{HEADER}SELECT * WHERE {{ VALUES (?place ?people) {{ {theirs} }} {OURS} }}"
    )
    assert len(expected) == 3  # Cuenca's country has three labels; Lima is not in our data
    assert joined == expected


def test_read_store_literals_as_the_store_holds_them(store: ExternalStore, federating_server: loopback.Server) -> None:
    """Language tags, quotes and non-ASCII text and typed literals come back through VALUES unchanged."""
    pattern = f"VALUES ?g {{ <{PARTNER_GRAPH}> <{PARTNER_NOTES}> }} GRAPH ?g {{ ?s ?p ?o }}"  # not the test writes
    query = f"SELECT ?g ?s ?p ?o WHERE {{ {pattern} }}"
    through_us = select(federating_server.sparql, f"SELECT * WHERE {{ SERVICE <{store.query_url}> {{ {pattern} }} }}")
    reference = ox.Store()
    reference.load(PARTNER_NQUADS.encode(), ox.RdfFormat.N_QUADS)
    solutions = reference.query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    assert through_us == rows(solutions.serialize(format=ox.QueryResultsFormat.JSON))


def test_refuse_store_that_is_not_allowlisted(store: ExternalStore, server: loopback.Server) -> None:
    """The plain server allowlists nothing: the same SERVICE call is refused before anything is sent."""
    import httpx

    response = httpx.get(
        server.sparql, params={"query": f"ASK {{ SERVICE <{store.query_url}> {{ ?s ?p ?o }} }}"}, timeout=30
    )
    assert response.status_code == 400
    assert "allowlist" in response.text.lower() or "not allowed" in response.text.lower(), response.text
