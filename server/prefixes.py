"""The only place namespace IRIs are typed.

Every module, Turtle file and SPARQL query in the repository binds prefixes to exactly these IRIs
(a test fails otherwise). Every prefix of ``PREFIXES`` is also predeclared for the clients' queries (as the
Wikidata Query Service predeclares ``wd:``, ``wdt:``…): a query may use ``mig:``, ``event:`` or ``rdfs:`` without
declaring it, and one that declares a prefix itself keeps its own IRI for it. IRIs under our base are built from
``BASE`` so that the base stays configurable through settings; the constants below are the published, canonical
ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

BASE: Final = "https://w3id.org/migkg/"

# Our own namespaces.
MIG: Final = BASE + "def#"
ONTOLOGY_IRI: Final = BASE + "def"
ID: Final = BASE + "id/"
GRAPH: Final = BASE + "graph/"
EXCERPT: Final = BASE + "excerpt/"
SHAPES: Final = BASE + "shapes#"

# One prefix per IRI type under /id/ (a "/" cannot stand unescaped in a prefixed name).
ID_TYPES: Final = (
    "event",
    "organisation",
    "country",
    "place",
    "commitment",
    "practice",
    "instrument",
    "document",
    "person",
    "role",
    "membership",
    "topic",
    "statistic",
    "source",
    "discrepancy",
)

# External vocabularies.
RDF: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS: Final = "http://www.w3.org/2000/01/rdf-schema#"
OWL: Final = "http://www.w3.org/2002/07/owl#"
XSD: Final = "http://www.w3.org/2001/XMLSchema#"
SKOS: Final = "http://www.w3.org/2004/02/skos/core#"
DCTERMS: Final = "http://purl.org/dc/terms/"
DCAT: Final = "http://www.w3.org/ns/dcat#"
PROV: Final = "http://www.w3.org/ns/prov#"
OA: Final = "http://www.w3.org/ns/oa#"
ORG: Final = "http://www.w3.org/ns/org#"
SCHEMA: Final = "https://schema.org/"
FOAF: Final = "http://xmlns.com/foaf/0.1/"
SH: Final = "http://www.w3.org/ns/shacl#"
SD: Final = "http://www.w3.org/ns/sparql-service-description#"
VOID: Final = "http://rdfs.org/ns/void#"
VANN: Final = "http://purl.org/vocab/vann/"
WD: Final = "http://www.wikidata.org/entity/"
GEONAMES: Final = "https://sws.geonames.org/"
FORMATS: Final = "http://www.w3.org/ns/formats/"
SPDX: Final = "http://spdx.org/rdf/terms#"

# Prefix -> namespace, the table that Turtle/SPARQL headers are generated from and checked against.
PREFIXES: Final[dict[str, str]] = {
    "mig": MIG,
    **{kind: f"{ID}{kind}/" for kind in ID_TYPES},
    "graph": GRAPH,
    "excerpt": EXCERPT,
    "shape": SHAPES,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "dcat": DCAT,
    "prov": PROV,
    "oa": OA,
    "org": ORG,
    "schema": SCHEMA,
    "foaf": FOAF,
    "sh": SH,
    "sd": SD,
    "void": VOID,
    "vann": VANN,
    "wd": WD,
    "gn": GEONAMES,
    "formats": FORMATS,
    "spdx": SPDX,
}

# Named graphs that are not excerpts.
GRAPH_ONTOLOGY: Final = GRAPH + "ontology"
GRAPH_ALIGNMENTS: Final = GRAPH + "alignments"
GRAPH_INFERRED: Final = GRAPH + "inferred"
GRAPH_SOURCES: Final = GRAPH + "sources"
GRAPH_TOPICS: Final = GRAPH + "topics"
GRAPH_DISCREPANCIES: Final = GRAPH + "discrepancies"
GRAPH_PROVENANCE: Final = GRAPH + "provenance"
GRAPH_MENTIONS: Final = GRAPH + "mentions"
GRAPH_REFERENCE: Final = GRAPH + "reference/"
# The VoID class and property partitions of what is served (release and partner graphs), computed by every store
# (``server.partitions``); outside the union default graph, like any description of the dataset.
GRAPH_VOID: Final = GRAPH + "void"
DATASET: Final = BASE + "dataset"
# Partner graphs (mutable, durable, outside the release): graph/partner/<agency>/<dataset>, each described (who,
# when, size, sha256, SHACL report) in the one graph graph/partner-provenance, which no partner may write.
GRAPH_PARTNER: Final = GRAPH + "partner/"
GRAPH_PARTNER_PROVENANCE: Final = GRAPH + "partner-provenance"
# A partner agency (the agent its graphs are attributed to) and the gate's reports, kept at stable IRIs.
PARTNER: Final = BASE + "partner/"
PARTNER_REPORT: Final = BASE + "partner-report/"


def _chosen(names: Iterable[str] | None, base: str) -> dict[str, str]:
    spaces = namespaces(base)
    return spaces if names is None else {n: spaces[n] for n in names}


def sparql_header(names: Iterable[str] | None = None, base: str = BASE) -> str:
    """PREFIX lines for the given prefix names (all when ``None``), ours under ``base``.

    >>> print(sparql_header(("rdfs", "mig")), end="")
    PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    PREFIX mig: <https://w3id.org/migkg/def#>
    """
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in _chosen(names, base).items())


def turtle_header(names: Iterable[str] | None = None, base: str = BASE) -> str:
    """``@prefix`` lines for the given prefix names (all when ``None``), ours under ``base``."""
    return "".join(f"@prefix {name}: <{iri}> .\n" for name, iri in _chosen(names, base).items())


# A local part that can follow ``prefix:`` as it is in Turtle and SPARQL (no escapes): word characters, ``-`` and
# ``.``, not starting with ``-`` or ``.`` nor ending with ``.``.
PLAIN_LOCAL: Final = re.compile(r"(?:\w(?:[\w.\-]*[\w\-])?)?")
# A local part as a URL parameter may carry it (``commitment:montevideo-2006/p25q``): "/" allowed, no escapes.
PATH_LOCAL: Final = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-/]*")


def namespaces(base: str = BASE) -> dict[str, str]:
    """Prefix → namespace, ours moved under ``base`` (the configured base IRI).

    >>> spaces = namespaces("http://127.0.0.1:8000/")
    >>> spaces["country"], spaces["rdfs"]
    ('http://127.0.0.1:8000/id/country/', 'http://www.w3.org/2000/01/rdf-schema#')
    """
    return {name: base + iri[len(BASE) :] if iri.startswith(BASE) else iri for name, iri in PREFIXES.items()}


def compact(iri: str, base: str = BASE, *, local: re.Pattern[str] = PLAIN_LOCAL, within: str | None = None) -> str:
    """``iri`` written short: ``prefix:local`` with the longest namespace (ours moved under ``base``, the configured
    base IRI) whose remainder fits ``local``; the IRI itself when none does.

    ``within`` names the one namespace a page is about (``mig`` on the ontology page): only it is tried, and its
    name is left out, as for a document's default namespace (``Practice`` rather than ``mig:Practice``).

    >>> compact("https://w3id.org/migkg/id/country/ecu")
    'country:ecu'
    >>> compact("https://w3id.org/migkg/def#heldIn"), compact("https://w3id.org/migkg/def#heldIn", within="mig")
    ('mig:heldIn', 'heldIn')
    >>> compact("https://w3id.org/migkg/id/commitment/montevideo-2006/p17")  # "/" cannot stand in a local name
    'https://w3id.org/migkg/id/commitment/montevideo-2006/p17'
    >>> compact("https://w3id.org/migkg/id/commitment/montevideo-2006/p17", local=PATH_LOCAL)
    'commitment:montevideo-2006/p17'
    >>> compact("http://127.0.0.1:8000/id/country/ecu", "http://127.0.0.1:8000/")
    'country:ecu'
    """
    spaces = namespaces(base)
    candidates = {within: spaces[within]} if within is not None else spaces
    fits = [(name, space) for name, space in candidates.items()
            if iri.startswith(space) and local.fullmatch(iri[len(space) :])]  # fmt: skip
    if not fits:
        return iri
    name, space = max(fits, key=lambda pair: len(pair[1]))
    return iri[len(space) :] if within is not None else f"{name}:{iri[len(space) :]}"
