"""Dereferenceable IRIs: ``/id/…`` answers 303 to ``/doc/…``, which negotiates HTML, Turtle, N-Triples,
JSON-LD and RDF/XML (or takes a ``.html``/``.ttl``/``.nt``/``.jsonld``/``.rdf`` suffix), advertising every
variant with ``Link: rel="alternate"``. Also the published JSON-LD ``@context``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from typing import Annotated, Any

import anyio.to_thread
import pyoxigraph as ox
import rdflib
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from server import media, prefixes
from server.store.base import NotAcceptable
from server.web import describe, pages
from server.web.state import Service, ServiceDep

router = APIRouter()

SUFFIXES: dict[str, media.ResultFormat | None] = {"html": None, **{f.suffix: f for f in media.DOCUMENT_FORMATS}}
CONTEXT: dict[str, Any] = {"@context": dict(prefixes.PREFIXES)}


def split_suffix(path: str) -> tuple[str, str | None]:
    """A document path and its format suffix; a path without a known suffix is negotiated (None).

    >>> split_suffix("event/fibemyd-2008.ttl")
    ('event/fibemyd-2008', 'ttl')
    >>> split_suffix("event/fibemyd-2008.pdf")
    ('event/fibemyd-2008.pdf', None)
    """
    head, dot, ext = path.rpartition(".")
    if dot and ext in SUFFIXES and "/" not in ext:
        return head, ext
    return path, None


def choose(accept: str | None, suffix: str | None) -> media.ResultFormat | None:
    """The format asked for: by suffix, else by Accept (HTML first for browsers); None means HTML."""
    if suffix is not None:
        return SUFFIXES[suffix]
    offered = [media.HTML, *media.offered(media.DOCUMENT_FORMATS)]
    chosen = media.negotiate(accept, offered)
    if chosen is None:
        raise NotAcceptable(offered)
    return None if chosen == media.HTML else media.format_for(chosen, media.DOCUMENT_FORMATS)


def alternates(doc_url: str) -> str:
    links = [f'<{doc_url}.html>; rel="alternate"; type="{media.HTML}"']
    links += [f'<{doc_url}.{f.suffix}>; rel="alternate"; type="{f.media_type}"' for f in media.DOCUMENT_FORMATS]
    return ", ".join(links)


async def run(service: Service, query: str, accept: str) -> bytes:
    store = service.require_store()
    call = functools.partial(store.query, query, accept=accept, base_iri=service.settings.base_iri)
    outcome = await anyio.to_thread.run_sync(call, limiter=service.query_limiter())
    return outcome.body


async def rows(service: Service, query: str) -> list[describe.Row]:
    body = await run(service, query, media.SPARQL_JSON.media_type)
    result: list[describe.Row] = json.loads(body)["results"]["bindings"]
    return result


async def best_labels(service: Service, iris: Iterable[str], languages: Sequence[str]) -> dict[str, tuple[str, str]]:
    """IRI → (label, language) chosen for ``languages``, for every IRI in ``iris`` that has a label."""
    wanted = sorted(set(iris))
    if not wanted:
        return {}
    found: dict[str, list[tuple[str, str]]] = {}
    for row in await rows(service, describe.labels_query(wanted)):
        if row["kind"]["value"] == "label":
            found.setdefault(row["x"]["value"], []).append((row["label"]["value"], row["label"].get("xml:lang", "")))
    return {iri: describe.pick_label(labels, languages) for iri, labels in found.items()}


def serialize_document(ntriples: bytes, fmt: media.ResultFormat, context_url: str) -> bytes:
    """The entity's triples in ``fmt``; JSON-LD compacted against our published context (by URL)."""
    if fmt is media.JSON_LD:
        graph = rdflib.Graph().parse(data=ntriples, format="nt")
        compacted = json.loads(graph.serialize(format="json-ld", context=CONTEXT["@context"], auto_compact=True))
        compacted["@context"] = context_url
        return json.dumps(compacted, ensure_ascii=False, indent=2).encode("utf-8")
    assert fmt.rdf_format is not None
    triples = sorted(
        ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES), key=lambda t: (str(t.subject), str(t.predicate))
    )
    used = {
        str(term)[1:] for t in triples for term in (t.subject, t.predicate, t.object) if isinstance(term, ox.NamedNode)
    }
    chosen = {name: iri for name, iri in prefixes.PREFIXES.items() if any(u.startswith(iri) for u in used)}
    body = ox.serialize(triples, format=fmt.rdf_format, prefixes=chosen)
    assert body is not None
    return body


@router.get("/id/{path:path}", summary="An entity's IRI: 303 See Other to its document")
async def identify(path: str) -> Response:
    return Response(status_code=303, headers={"Location": f"/doc/{path}", "Vary": "Accept"})


@router.get(media.JSON_LD_CONTEXT_PATH, summary="The JSON-LD @context of every /doc/ JSON-LD document")
async def context() -> JSONResponse:
    return JSONResponse(CONTEXT, media_type=media.JSON_LD.media_type)


@router.get("/doc/{path:path}", summary="What the graph says about an entity, with the evidence for each fact")
async def document(
    path: str,
    request: Request,
    service: ServiceDep,
    lang: Annotated[str | None, Query(pattern="^[a-z]{2,3}$")] = None,
    incoming: Annotated[str | None, Query(description="show this incoming property's subjects, paged")] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    key, suffix = split_suffix(path)
    entity = service.settings.base_iri + "id/" + key
    try:
        describe.iri_ref(entity)
    except ValueError:
        return pages.not_found(key, service)
    fmt = choose(request.headers.get("accept"), suffix)
    doc_url = str(request.url_for("document", path=key))
    headers = {"Vary": "Accept, Accept-Language", "Link": alternates(doc_url)}
    if suffix is None:
        headers["Content-Location"] = f"{doc_url}.{fmt.suffix if fmt else 'html'}"
    if fmt is not None:
        ntriples = await run(service, describe.construct_query(entity), media.N_TRIPLES.media_type)
        if not ntriples.strip():
            return pages.not_found(key, service)
        context_url = str(request.url_for("context"))
        body = serialize_document(ntriples, fmt, context_url)
        return Response(body, headers={**headers, "Content-Type": media.content_type(fmt.media_type)})
    view = await entity_view(service, entity, request.headers.get("accept-language"), lang, incoming, page)
    if view is None:
        return pages.not_found(key, service)
    return HTMLResponse(pages.render_entity(view, service, doc_url, incoming, page), headers=headers)


async def entity_view(
    service: Service, entity: str, accept_language: str | None, lang: str | None, incoming: str | None, page: int
) -> describe.EntityView | None:
    outgoing = await rows(service, describe.outgoing_query(entity))
    counts = await rows(service, describe.incoming_counts_query(entity))
    if not outgoing and not counts:
        return None
    first: dict[str, list[describe.Row]] = {}
    for row in counts:
        prop = row["p"]["value"]
        first[prop] = await rows(service, describe.incoming_query(entity, prop, page if prop == incoming else 1))
    iris = describe.iris_to_label(outgoing, counts, entity)
    iris.update(r["s"]["value"] for rs in first.values() for r in rs if r["s"]["type"] == "uri")
    labels = await rows(service, describe.labels_query(iris))
    evidence = await rows(service, describe.mentions_query(entity))
    languages = describe.preferred_languages(accept_language, lang)
    return describe.entity_view(entity, outgoing, labels, evidence, counts, first, languages)
