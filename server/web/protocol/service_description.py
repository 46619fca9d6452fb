"""The SPARQL 1.1 Service Description of the endpoint (https://www.w3.org/TR/sparql11-service-description/).

A pure function from what the endpoint is (its URL, the release's named graphs and their sizes, the
origins SERVICE may call) to triples, and one that serializes them. What it states is what the endpoint
does: SPARQL 1.1 Query only (no Update), the union of all graphs as default graph, every result format of
``server.media``, and — when ``MIGKG_SERVICE_ALLOWLIST`` names any origin — ``sd:BasicFederatedQuery``
with each allowed origin as ``mig:allowedServiceOrigin`` (the Service Description vocabulary has no term
for which endpoints a service will call; an origin is a URI prefix, not a resource, hence an
``xsd:anyURI`` literal, as VoID writes ``void:uriSpace``). A partner graph's ``sd:Graph`` also states the agency
that publishes it (``dcterms:publisher``, with its name) and when it last changed (``dcterms:modified``).

The prefixes every query may use without declaring them are stated with SHACL's prefix declarations, the W3C
vocabulary for "this prefix stands for this namespace" (``sh:declare [ sh:prefix "mig" ; sh:namespace
"…"^^xsd:anyURI ]``, SHACL §5.2.1): the Service Description vocabulary has no term for them, and a client that
reads SHACL (or a person) can rebuild the table with one query. ``/api/prefixes`` gives the same table as JSON.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from urllib.parse import urljoin

import pyoxigraph as ox
from fastapi.responses import Response

from server import media, prefixes
from server.partners.catalogue import PartnerGraph

_PREFIXES = ("sd", "void", "formats", "xsd", "mig", "dcterms", "rdfs", "sh")


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(prefixes.SD + name)


_TYPE = ox.NamedNode(prefixes.RDF + "type")
_TRIPLES = ox.NamedNode(prefixes.VOID + "triples")
_INTEGER = ox.NamedNode(prefixes.XSD + "integer")
_ANY_URI = ox.NamedNode(prefixes.XSD + "anyURI")
_ALLOWED_ORIGIN = ox.NamedNode(prefixes.MIG + "allowedServiceOrigin")
_SH_DECLARE = ox.NamedNode(prefixes.SH + "declare")
_COMMENT = ox.NamedNode(prefixes.RDFS + "comment")
_SEE_ALSO = ox.NamedNode(prefixes.RDFS + "seeAlso")


def description(
    endpoint: str,
    graphs: Mapping[str, int],
    federation: Sequence[str] = (),
    partners: Mapping[str, PartnerGraph] | None = None,
    predeclared: Mapping[str, str] | None = None,
    limits: str | None = None,
) -> Iterator[ox.Triple]:
    """The description of the service at ``endpoint`` whose named graphs hold ``graphs`` triples, ``partners``
    among them (described by their agencies), whose SERVICE calls may reach the ``federation`` origins, whose
    queries may use the ``predeclared`` prefixes (prefix → namespace) undeclared and run under ``limits`` (a
    sentence; stated as ``rdfs:comment``, with ``rdfs:seeAlso`` the ``/limits`` document beside the endpoint:
    the Service Description vocabulary has no terms for limits)."""
    service, dataset, default_graph = ox.BlankNode(), ox.BlankNode(), ox.BlankNode()
    yield ox.Triple(service, _TYPE, _sd("Service"))
    yield ox.Triple(service, _sd("endpoint"), ox.NamedNode(endpoint))
    if limits is not None:
        yield ox.Triple(service, _COMMENT, ox.Literal(limits, language="en"))
        yield ox.Triple(service, _SEE_ALSO, ox.NamedNode(urljoin(endpoint, "limits")))
    yield from prefix_declarations(service, predeclared or {})
    yield ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query"))
    yield ox.Triple(service, _sd("feature"), _sd("UnionDefaultGraph"))
    if federation:
        yield ox.Triple(service, _sd("feature"), _sd("BasicFederatedQuery"))
    for origin in federation:
        yield ox.Triple(service, _ALLOWED_ORIGIN, ox.Literal(origin, datatype=_ANY_URI))
    for fmt in media.FORMATS:
        yield ox.Triple(service, _sd("resultFormat"), ox.NamedNode(fmt.iri))
    yield ox.Triple(service, _sd("defaultDataset"), dataset)
    yield ox.Triple(dataset, _TYPE, _sd("Dataset"))
    yield ox.Triple(dataset, _sd("defaultGraph"), default_graph)
    yield ox.Triple(default_graph, _TYPE, _sd("Graph"))
    for name, triples in sorted(graphs.items()):
        named, graph = ox.BlankNode(), ox.BlankNode()
        yield ox.Triple(dataset, _sd("namedGraph"), named)
        yield ox.Triple(named, _TYPE, _sd("NamedGraph"))
        yield ox.Triple(named, _sd("name"), ox.NamedNode(name))
        yield ox.Triple(named, _sd("graph"), graph)
        yield ox.Triple(graph, _TYPE, _sd("Graph"))
        yield ox.Triple(graph, _TRIPLES, ox.Literal(str(triples), datatype=_INTEGER))
        if partners and name in partners:
            yield from published_by(graph, partners[name])


def prefix_declarations(subject: ox.BlankNode, declared: Mapping[str, str]) -> Iterator[ox.Triple]:
    """``subject sh:declare [ a sh:PrefixDeclaration ; sh:prefix "name" ; sh:namespace "iri"^^xsd:anyURI ]`` for
    each prefix."""
    for name, namespace in declared.items():
        declaration = ox.BlankNode()
        yield ox.Triple(subject, _SH_DECLARE, declaration)
        yield ox.Triple(declaration, _TYPE, ox.NamedNode(prefixes.SH + "PrefixDeclaration"))
        yield ox.Triple(declaration, ox.NamedNode(prefixes.SH + "prefix"), ox.Literal(name))
        yield ox.Triple(declaration, ox.NamedNode(prefixes.SH + "namespace"), ox.Literal(namespace, datatype=_ANY_URI))


def published_by(subject: ox.NamedNode | ox.BlankNode, graph: PartnerGraph) -> Iterator[ox.Triple]:
    """Who publishes a partner graph (``subject`` stands for it) and when it last changed."""
    agent = ox.NamedNode(graph.agent)
    yield ox.Triple(subject, ox.NamedNode(prefixes.DCTERMS + "publisher"), agent)
    yield ox.Triple(agent, ox.NamedNode(prefixes.RDFS + "label"), ox.Literal(graph.name))
    if graph.modified:
        modified = ox.Literal(graph.modified, datatype=ox.NamedNode(prefixes.XSD + "dateTime"))
        yield ox.Triple(subject, ox.NamedNode(prefixes.DCTERMS + "modified"), modified)


def serialize(triples: Iterator[ox.Triple], fmt: media.ResultFormat) -> bytes:
    """``triples`` in ``fmt`` (an RDF format), with the prefixes of ``server.prefixes``."""
    assert fmt.rdf_format is not None
    chosen = {name: prefixes.PREFIXES[name] for name in _PREFIXES}
    body = ox.serialize(list(triples), format=fmt.rdf_format, prefixes=chosen)
    assert body is not None
    return body


def response(triples: Iterator[ox.Triple], media_type: str) -> Response:
    """``triples`` serialized in ``media_type`` (a description format, as negotiated)."""
    body = serialize(triples, media.format_for(media_type, media.DESCRIPTION_FORMATS))
    return Response(body, headers={"Content-Type": media.content_type(media_type), "Vary": "Accept"})


def endpoint_iri(url: str, base_iri: str) -> str:
    """The endpoint's URL as the client used it (scheme, host and port from the request), falling back to
    ``<base>sparql`` when that is not an IRI."""
    return url if is_iri(url) else base_iri + "sparql"


def is_iri(text: str) -> bool:
    """Whether ``text`` is an absolute IRI pyoxigraph accepts (a Host header can make it not one)."""
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True
