"""What the descriptions of partner graphs (graph/partner-provenance, written by ``writer.description``) say about
each graph, as readers are shown it: which agency stated it (its IRI, id and name), when, how many triples, in
which format, with which checksum and gate report.

One query (``graphs_query``) reads them, over the served store (an entity page asks about the graphs its facts sit
in) or over a generation's quads (``describe``: the web process's list of partner graphs for the Service
Description, VoID, dumps and the agencies' pages), and ``from_rows`` turns its SPARQL JSON rows into
``PartnerGraph``s.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from server import prefixes

Row = Mapping[str, Mapping[str, str]]  # a SPARQL JSON binding: variable -> {"type", "value", ...}

_HEAD = prefixes.sparql_header(("rdfs", "prov", "void", "dcterms", "spdx", "graph"))


@dataclass(frozen=True)
class PartnerGraph:
    """A partner graph as its description states it."""

    iri: str
    agent: str  # the agency's IRI (prov:wasAttributedTo)
    agency: str  # its id (dcterms:identifier), as in graph/partner/<agency>/…
    name: str  # its name (rdfs:label)
    modified: str  # prov:generatedAtTime, as written (xsd:dateTime)
    triples: int
    media_type: str = ""
    sha256: str = ""
    report: str = ""

    @property
    def date(self) -> str:
        """The day it was stated, ``YYYY-MM-DD``."""
        return self.modified[:10]


def graphs_query(graphs: Iterable[str] | None = None) -> str:
    """``?g ?agent ?agency ?name ?modified ?triples ?format ?sha256 ?report`` for every described partner graph, or
    only for ``graphs`` (IRIs already checked by the caller, e.g. bindings of ``?g`` from a query).

    >>> "VALUES ?g { <https://w3id.org/migkg/graph/partner/onm/a> }" in graphs_query([prefixes.GRAPH_PARTNER + "onm/a"])
    True
    """
    values = f"VALUES ?g {{ {' '.join(f'<{g}>' for g in sorted(set(graphs)))} }} " if graphs is not None else ""
    return _HEAD + (
        f"SELECT ?g ?agent ?agency ?name ?modified ?triples ?format ?sha256 ?report WHERE {{ {values}"
        "GRAPH graph:partner-provenance { ?g prov:wasAttributedTo ?agent ; prov:generatedAtTime ?modified ; "
        "void:triples ?triples "
        "OPTIONAL { ?agent dcterms:identifier ?agency } OPTIONAL { ?agent rdfs:label ?name } "
        "OPTIONAL { ?g dcterms:format ?format } OPTIONAL { ?g spdx:checksum/spdx:checksumValue ?sha256 } "
        "OPTIONAL { ?g rdfs:seeAlso ?report } } } ORDER BY ?g"
    )


def from_rows(rows: Iterable[Row]) -> dict[str, PartnerGraph]:
    """Graph IRI → its description, from the rows of ``graphs_query`` (the first row of a graph wins)."""
    found: dict[str, PartnerGraph] = {}
    for row in rows:
        iri, agent = row["g"]["value"], row["agent"]["value"]

        def text(name: str, row: Row = row) -> str:
            return row.get(name, {}).get("value", "")

        agency = text("agency") or agent.removeprefix(prefixes.PARTNER)
        triples = int(text("triples")) if text("triples").isdigit() else 0
        found.setdefault(iri, PartnerGraph(iri, agent, agency, text("name") or agency, text("modified"), triples,
                                           text("format"), text("sha256"), text("report")))  # fmt: skip
    return found


def describe(quads: Iterable[ox.Quad]) -> dict[str, PartnerGraph]:
    """The partner graphs described among ``quads`` (a generation of partner storage)."""
    store = ox.Store()
    store.extend(q for q in quads if q.graph_name == ox.NamedNode(prefixes.GRAPH_PARTNER_PROVENANCE))
    solutions = store.query(graphs_query())
    assert isinstance(solutions, ox.QuerySolutions)
    body = solutions.serialize(format=ox.QueryResultsFormat.JSON)
    assert body is not None
    return from_rows(json.loads(body)["results"]["bindings"])
