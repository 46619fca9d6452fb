"""The facets' SPARQL patterns over tiny graphs written out here, so each relation's meaning is checked on its own
(the browse tests check the patterns together over the built release)."""

from __future__ import annotations

import pyoxigraph as ox

from server import prefixes
from server.web.views.facets import FACET_BY_NAME, HEAD

MIG, ID = prefixes.MIG, prefixes.ID


def countries_of(turtle: str) -> set[tuple[str, str]]:
    store = ox.Store()
    store.load(prefixes.sparql_header(("mig",)).replace("PREFIX", "@prefix").replace(">\n", "> .\n") + turtle,
               ox.RdfFormat.TURTLE)  # fmt: skip
    result = store.query(HEAD + f"SELECT ?e ?v WHERE {FACET_BY_NAME['country'].pairs()}")
    assert isinstance(result, ox.QuerySolutions)
    return {(row["e"].value.removeprefix(ID), row["v"].value.removeprefix(ID)) for row in result}


def test_country_facet_places_document_adopted_at_a_ceremony_of_an_event_held_there() -> None:
    """A ceremony is mig:partOf its event (not a session of it): what is adopted there is where the event was held."""
    turtle = f"""
        <{ID}country/ecu> a mig:Country .
        <{ID}place/cuenca> a mig:City ; mig:locatedIn <{ID}country/ecu> .
        <{ID}event/forum> a mig:Forum ; mig:heldIn <{ID}place/cuenca> .
        <{ID}event/opening> a mig:Ceremony ; mig:partOf <{ID}event/forum> .
        <{ID}event/session-1> a mig:Session ; mig:sessionOf <{ID}event/forum> .
        <{ID}commitment/memorandum> a mig:CommitmentDocument ; mig:adoptedAt <{ID}event/opening> .
        <{ID}commitment/conclusions> a mig:CommitmentDocument ; mig:adoptedAt <{ID}event/session-1> .
    """
    found = countries_of(turtle)
    assert ("commitment/memorandum", "country/ecu") in found
    assert ("commitment/conclusions", "country/ecu") in found
