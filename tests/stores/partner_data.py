"""A partner's data held by the external stores in the SERVICE tests (both directions), and the rows pyoxigraph
gives for a query over it: the reference the stores' and our answers are compared with."""

from __future__ import annotations

import pyoxigraph as ox

from server import prefixes
from tools.stores import Row, rows

HEADER = prefixes.sparql_header(("mig", "rdfs", "xsd", "oa", "place", "country"))
PARTNER = "https://partner.example/"
PARTNER_GRAPH = PARTNER + "graph/places"
PARTNER_NOTES = PARTNER + "graph/notes"
POPULATIONS = {"cuenca": 329928, "lima": 9943800}  # Lima is in a partner's data, not in ours
PARTNER_NQUADS = "".join(
    f'<{prefixes.ID}place/{place}> <{PARTNER}population> "{people}"^^<{prefixes.XSD}integer> <{PARTNER_GRAPH}> .\n'
    for place, people in POPULATIONS.items()
) + (
    f'<{prefixes.ID}country/ecu> <{PARTNER}office> "Oficina de \\"Quito\\" — Cancillería"@es <{PARTNER_NOTES}> .\n'
    f'<{prefixes.ID}country/ecu> <{PARTNER}since> "2009-01-01"^^<{prefixes.XSD}date> <{PARTNER_NOTES}> .\n'
)


def reference_rows(nquads: str, query: str) -> list[Row]:
    """The rows pyoxigraph gives for ``query`` over ``nquads`` in memory."""
    reference = ox.Store()
    reference.load(nquads.encode(), ox.RdfFormat.N_QUADS)
    solutions = reference.query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    return rows(solutions.serialize(format=ox.QueryResultsFormat.JSON))
