"""The SPARQL 1.1 Graph Store HTTP Protocol at ``/graph-store`` (indirect graph identification): which graph a
request names, how it is read, and how a partner writes one.

* ``?graph=<IRI>`` or ``?default`` (the union of every graph, as the endpoint's default graph): exactly one,
  else 400.
* GET and HEAD, for everyone: the graph through the store (a CONSTRUCT over ``GRAPH <g>``), negotiated in Turtle,
  N-Triples, N-Quads, TriG, JSON-LD or RDF/XML (N-Quads and TriG put the triples in their graph); 404 for a graph
  with no triples that is not a stored partner graph. A partner graph carries its stored version as ``ETag``.
* PUT (replace) and POST (merge), for a partner writing one of its own graphs: 201 with ``Location`` when the
  graph is new, 204 otherwise; 422 with the report when the gate rejects it. DELETE: 204, 404 when missing.
  ``If-Match`` (a version, or ``*``) and ``If-None-Match: *`` make a write conditional: 412 when unmet.
  Refusals: 401 (token), 403 (``rules.authorise``'s rule, or the page's origin), 413 (over
  ``MIGKG_MAX_UPLOAD_BYTES``), 415 (media type or encoding), 400 (unparsable, with line and column).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote

import pyoxigraph as ox
from fastapi.responses import Response
from starlette.requests import Request

from server import media, metrics
from server.partners import messages
from server.partners.rules import authorise
from server.partners.storage import ANY, PartnerStorage
from server.partners.upload import parse_upload, upload_format
from server.store.base import NotAcceptable
from server.web import writes
from server.web.auth import Caller, refuse_token_params
from server.web.deps import Queries, Service
from server.web.errors import BadRequest
from server.web.middleware import GRAPH_STORE
from server.web.sparql_request import Params, parse_params, read_body

GRAPH_FORMATS: Final = media.formats_for("graph")  # Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML
_QUAD_FORMATS: Final = (media.N_QUADS, media.TRIG)


@dataclass(frozen=True)
class Target:
    """The graph a request names: an IRI, or None for the default graph."""

    graph: str | None

    @property
    def node(self) -> str:
        """The graph as SPARQL writes it (``<iri>``); only for a named graph."""
        assert self.graph is not None
        return str(ox.NamedNode(self.graph))


def target(params: Params) -> Target:
    """``?graph=<IRI>`` or ``?default``, exactly one (GSP §4.2–4.3).

    >>> target({"graph": ["https://example.org/g"]}), target({"default": [""]})
    (Target(graph='https://example.org/g'), Target(graph=None))
    """
    refuse_token_params(params.keys())
    graphs, default = params.get("graph", []), "default" in params
    if default == bool(graphs) or len(graphs) > 1 or (default and params["default"] != [""]):
        raise BadRequest(
            "Name exactly one graph: '?graph=<IRI>' (the IRI percent-encoded) or '?default' (the default graph, "
            "the union of every graph)."
        )
    if default:
        return Target(None)
    try:
        ox.NamedNode(graphs[0])
    except ValueError as error:
        raise BadRequest(f"The graph {graphs[0]!r} is not an absolute IRI: {error}.") from None
    return Target(graphs[0])


def request_target(request: Request) -> Target:
    return target(parse_params(request.scope["query_string"]))


def graph_url(request: Request, graph: str) -> str:
    return f"{str(request.base_url).rstrip('/')}{GRAPH_STORE}?graph={quote(graph, safe='')}"


def etag(version: str) -> str:
    return f'"{version}"'


# --- reading -----------------------------------------------------------------------------------------------------


def negotiate(accept: str | None) -> media.ResultFormat:
    offered = media.offered(GRAPH_FORMATS)
    chosen = media.negotiate(accept, offered)
    if chosen is None:
        raise NotAcceptable(offered, "graph")
    return media.format_for(chosen, GRAPH_FORMATS)


async def exists(queries: Queries, graph: Target) -> bool:
    if graph.graph is None:
        return True
    answer = await queries.run(f"ASK {{ GRAPH {graph.node} {{ ?s ?p ?o }} }}", media.SPARQL_JSON.media_type)
    return bool(json.loads(answer)["boolean"])


async def read(request: Request, service: Service, queries: Queries) -> Response:
    """GET/HEAD: the graph, or the default graph, in the negotiated format."""
    graph = request_target(request)
    accept = request.headers.get("accept")
    fmt = negotiate(accept)
    stored = PartnerStorage(service.settings.partner_graphs_dir).graphs().get(graph.graph or "")
    if stored is None and not await exists(queries, graph):
        raise BadRequest(f"There is no graph <{graph.graph}>.", 404)
    if graph.graph is None:
        body = await queries.run("CONSTRUCT WHERE { ?s ?p ?o }", fmt.media_type)
    else:
        construct = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {graph.node} {{ ?s ?p ?o }} }}"
        if fmt in _QUAD_FORMATS:
            body = _in_graph(await queries.run(construct, media.N_TRIPLES.media_type), graph.graph, fmt)
        else:
            body = await queries.run(construct, fmt.media_type)
    headers = {"Content-Type": media.content_type(fmt.media_type), "Vary": "Accept"}
    if stored is not None:
        headers["ETag"] = etag(stored.version)
    return Response(body, headers=headers)


def _in_graph(ntriples: bytes, graph: str, fmt: media.ResultFormat) -> bytes:
    """N-Triples as N-Quads or TriG with every triple in ``graph``."""
    name = ox.NamedNode(graph)
    quads = [ox.Quad(t.subject, t.predicate, t.object, name) for t in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)]
    assert fmt.rdf_format is not None
    return ox.serialize(quads, format=fmt.rdf_format) or b""


# --- writing -----------------------------------------------------------------------------------------------------


def expectation(if_match: str | None, if_none_match: str | None, current: str | None) -> str | None:
    """The version a conditional write expects (``storage.ANY``: no condition; None: the graph must not exist),
    from ``If-Match`` / ``If-None-Match`` (RFC 9110 §13.1) and the graph's ``current`` version; 412 when unmet now.

    >>> expectation(None, "*", None) is None, expectation('"abc", "def"', None, "def"), expectation(None, None, "x")
    (True, 'def', '*')
    """

    def tags(value: str) -> set[str]:
        return {t.strip().removeprefix("W/").strip('"') for t in value.split(",") if t.strip()}

    if if_match is not None:
        wanted = tags(if_match)
        if current is None or ("*" not in wanted and current not in wanted):
            raise BadRequest(f"Precondition failed: If-Match {if_match} does not match the graph's version.", 412)
        return current
    if if_none_match is not None:
        unwanted = tags(if_none_match)
        if "*" in unwanted:
            return None
        if current in unwanted:
            raise BadRequest(f"Precondition failed: the graph is at version {etag(current)} (If-None-Match).", 412)
        return current
    return ANY


def _graph_to_write(caller: Caller, graph: Target) -> str:
    """The named graph a partner may write (403 naming the rule otherwise), before its body is read."""
    refusal = authorise(caller.partner, graph.graph)
    if refusal is not None or graph.graph is None:
        assert refusal is not None
        raise messages.Forbidden(refusal)
    return graph.graph


def _expect(request: Request, service: Service, graph: str) -> str | None:
    stored = PartnerStorage(service.settings.partner_graphs_dir).graphs().get(graph)
    headers = request.headers
    return expectation(headers.get("if-match"), headers.get("if-none-match"), stored.version if stored else None)


async def write(request: Request, service: Service, caller: Caller, *, merge: bool) -> Response:
    """PUT (``merge`` False) or POST (``merge`` True) of one of the partner's graphs."""
    graph = _graph_to_write(caller, request_target(request))
    content_type, encoding = request.headers.get("content-type"), request.headers.get("content-encoding")
    upload_format(content_type)  # 415 before the body is read
    limit = service.settings.max_upload_bytes
    body = await read_body(request, limit)
    upload = await writes.in_writer(
        lambda: parse_upload(body, content_type, graph, content_encoding=encoding, max_bytes=limit)
    )
    expect = _expect(request, service, graph)
    writer = service.require_writer()
    order = messages.WriteRequest(caller.partner, caller.token_id, graph, upload, merge=merge, expect=expect)
    outcome = await writes.in_writer(lambda: writer.write(order))
    metrics.partner_write(caller.partner.agency, "post" if merge else "put", outcome.commit is not None)
    if outcome.commit is None:
        return writes.rejected(request, (outcome.report,))
    headers = {"Link": f'<{writes.report_url(request, outcome.report.id)}>; rel="describedby"'}
    if outcome.commit.version is not None:
        headers["ETag"] = etag(outcome.commit.version)
    if outcome.created:
        return Response(status_code=201, headers={**headers, "Location": graph_url(request, graph)})
    return Response(status_code=204, headers=headers)


async def delete(request: Request, service: Service, caller: Caller) -> Response:
    graph = _graph_to_write(caller, request_target(request))
    expect = _expect(request, service, graph)
    writer = service.require_writer()
    order = messages.DeleteRequest(caller.partner, graph, expect)
    await writes.in_writer(lambda: writer.delete(order))
    metrics.partner_write(caller.partner.agency, "delete", committed=True)
    return Response(status_code=204)
