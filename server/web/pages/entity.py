"""Dereferenceable IRIs: ``/id/…`` answers 303 to ``/doc/…``, which negotiates HTML (what the graph says about
the entity, with the evidence for each fact: ``views.entity``), Turtle, N-Triples, JSON-LD and RDF/XML (or takes a
``.html``/``.ttl``/``.nt``/``.jsonld``/``.rdf`` suffix), advertising every variant with ``Link: rel="alternate"``.
The ontology at its namespace IRI, ``/def`` (and the version IRI ``/def/<version>``), negotiates the same way
(``views.ontology``). Also the published JSON-LD ``@context``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from server import media, prefixes
from server.web import labels, negotiation, rendering
from server.web.deps import QueriesDep, ServiceDep
from server.web.labels import LABEL_LANGUAGES, iri_ref, preferred_languages
from server.web.views import entity, entity_kinds, evidence, mentions
from server.web.views import ontology as ontology_views
from server.web.views.ontology import GRAPH_QUERY, TERMS_QUERY, term_docs

router = APIRouter()

Language = Annotated[str | None, Query(pattern="^[a-z]{2,3}$")]
Incoming = Annotated[str | None, Query(description="show this incoming property's subjects, paged")]
PageNumber = Annotated[int, Query(ge=1, le=10_000)]


@router.get("/id/{path:path}", summary="An entity's IRI: 303 See Other to its document")
async def identify(path: str) -> Response:
    return Response(status_code=303, headers={"Location": f"/doc/{negotiation.path_url(path)}", "Vary": "Accept"})


@router.get(media.JSON_LD_CONTEXT_PATH, summary="The JSON-LD @context of every /doc/ JSON-LD document")
async def context() -> JSONResponse:
    return JSONResponse(negotiation.CONTEXT, media_type=media.JSON_LD.media_type)


@router.get("/doc/{path:path}", summary="What the graph says about an entity, with the evidence for each fact")
async def document(path: str, request: Request, service: ServiceDep, queries: QueriesDep, lang: Language = None,
                   incoming: Incoming = None, page: PageNumber = 1) -> Response:  # fmt: skip
    key, suffix = negotiation.split_suffix(path)
    iri = service.base_iri + "id/" + key
    try:
        iri_ref(iri)
    except ValueError:
        return rendering.not_found(key, service)
    fmt = negotiation.choose(request.headers.get("accept"), suffix)
    doc_url = str(request.url_for("document", path=negotiation.path_url(key)))
    headers = {"Vary": "Accept, Accept-Language", "Link": negotiation.alternates(doc_url)}
    if suffix is None:
        headers["Content-Location"] = f"{doc_url}.{fmt.suffix if fmt else 'html'}"
    if fmt is not None:
        ntriples = await queries.run(entity.construct_query(iri), media.N_TRIPLES.media_type)
        if not ntriples.strip():
            return rendering.not_found(key, service)
        return negotiation.document_response(ntriples, fmt, str(request.url_for("context")), headers)
    languages = preferred_languages(request.headers.get("accept-language"), lang)
    view = await entity.load(queries, iri, languages, incoming, page)
    if view is None:
        return rendering.not_found(key, service)
    extras = await entity_kinds.extras(queries, view, languages)
    return rendering.page(
        "entity.html", service, headers=headers, view=view, doc_url=doc_url, languages=LABEL_LANGUAGES,
        incoming_prop=incoming, page=page, page_size=entity.INCOMING_PAGE, base=service.base_iri,
        collapse_after=mentions.COLLAPSE_AFTER, shared=evidence.shared_passages(view.outgoing), **extras,
    )  # fmt: skip


@router.get("/def/{name}", summary="How the data uses a class or property: counts, properties used, examples (HTML)")
async def term_page(name: str, request: Request, service: ServiceDep, queries: QueriesDep, lang: Language = None
                    ) -> Response:  # fmt: skip
    languages = preferred_languages(request.headers.get("accept-language"), lang)
    groups = term_docs(await queries.rows(TERMS_QUERY), languages, service.base_iri)
    found = ontology_views.find(groups, name)
    if found is None:  # a version IRI (/def/0.1.0) or a format suffix: the ontology itself
        return await ontology(request, service, queries, "/" + name, lang)
    kind, doc = found
    is_class = kind == ontology_views.CLASSES
    asked = [ontology_views.COUNTS_QUERY, *ontology_views.usage_queries(doc.iri, is_class)]
    count_rows, examples, *used = await queries.gather(asked)
    names = await labels.names(queries, ontology_views.example_iris(examples), languages)
    count = ontology_views.counts(count_rows).get(doc.iri, 0)
    view = ontology_views.usage(doc, is_class, count, used[0] if used else [], examples, names, service.base_iri)
    return rendering.page("ontology_term.html", service, headers={"Vary": "Accept-Language"}, term=doc, kind=kind,
                          usage=view, lang=languages[0])  # fmt: skip


@router.get("/def", summary="The migkg ontology: HTML documentation or RDF")
@router.get("/def{rest:path}", summary="The ontology by version IRI or with a format suffix")
async def ontology(request: Request, service: ServiceDep, queries: QueriesDep, rest: str = "",
                            lang: Language = None) -> Response:  # fmt: skip
    _, suffix = negotiation.split_suffix("def" + rest)
    fmt = negotiation.choose(request.headers.get("accept"), suffix)
    doc_url = str(request.url_for("ontology"))
    headers = {"Vary": "Accept, Accept-Language", "Link": negotiation.alternates(doc_url)}
    if fmt is not None:
        ntriples = await queries.run(GRAPH_QUERY, media.N_TRIPLES.media_type)
        return negotiation.document_response(ntriples, fmt, str(request.url_for("context")), headers)
    languages = preferred_languages(request.headers.get("accept-language"), lang)
    term_rows, count_rows = await queries.gather([TERMS_QUERY, ontology_views.COUNTS_QUERY])
    groups = term_docs(term_rows, languages, service.base_iri)
    return rendering.page("ontology.html", service, headers=headers, groups=groups, namespace=prefixes.MIG,
                          doc_url=doc_url, lang=languages[0], counts=ontology_views.counts(count_rows),
                          partitions_query=ontology_views.PARTITIONS_QUERY)  # fmt: skip
