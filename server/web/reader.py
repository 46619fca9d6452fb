"""The document reader: ``/source/<key>`` shows a source's text with every quoted passage highlighted and
linked to the facts it states (and back); ``/source`` lists the sources. Works without JavaScript.

Passages may overlap, so the text is cut at every passage boundary and each piece marked with the passages
covering it.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from server import prefixes
from server.web import describe, pages
from server.web.linked_data import rows
from server.web.state import ServiceDep

router = APIRouter()

_HEAD = prefixes.sparql_header(("rdfs", "mig", "oa", "graph"))
SOURCES_QUERY = (
    _HEAD
    + """SELECT ?source ?label ?file (COUNT(DISTINCT ?g) AS ?excerpts) WHERE {
  ?source a mig:SourceDocument ; rdfs:label ?label ; mig:fileName ?file .
  OPTIONAL { GRAPH graph:provenance { ?g oa:hasSource ?source } } } GROUP BY ?source ?label ?file ORDER BY ?label"""
)


def passages_query(source: str) -> str:
    return _HEAD + (
        "SELECT ?g ?start ?end ?s ?p ?o WHERE { GRAPH graph:provenance { "
        f"?g oa:hasSource {describe.iri_ref(source)} ; oa:hasSelector [ oa:start ?start ; oa:end ?end ] }} "
        "GRAPH ?g { ?s ?p ?o } }"
    )


@dataclass(frozen=True)
class Span:
    name: str
    start: int
    end: int


@dataclass(frozen=True)
class Segment:
    text: str
    covering: tuple[str, ...]  # passages whose quote includes this piece
    opening: tuple[str, ...]  # passages that begin here


def segments(text: str, spans: Sequence[Span]) -> list[Segment]:
    """``text`` cut at every span boundary; each piece knows the spans covering it and those starting at it.

    >>> for piece in segments("The Forum was held in Cuenca.", [Span("a", 0, 15), Span("b", 4, 28)]):
    ...     print(repr(piece.text), piece.covering, piece.opening)
    'The ' ('a',) ('a',)
    'Forum was h' ('a', 'b') ('b',)
    'eld in Cuenca' ('b',) ()
    '.' () ()
    """
    cuts = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    pieces = []
    for a, b in itertools.pairwise(cuts):
        covering = tuple(s.name for s in spans if s.start <= a and s.end >= b)
        opening = tuple(s.name for s in spans if s.start == a)
        pieces.append(Segment(text[a:b], covering, opening))
    return pieces


def local(excerpt: str) -> str:
    return excerpt.removeprefix(prefixes.EXCERPT)


def shown(
    binding: Mapping[str, str], labels: Mapping[str, list[tuple[str, str]]], languages: Sequence[str], base: str
) -> dict[str, str]:
    """A term as the reader lists it: its label (or value) and, for our entities, the link to its page."""
    if binding["type"] != "uri":
        return {"text": binding["value"], "href": ""}
    label = describe.pick_label(labels.get(binding["value"], []), languages)[0]
    fallback = describe.EXTERNAL_LABELS.get(binding["value"], describe.local_name(binding["value"]))
    return {"text": label or fallback, "href": pages.local_path(binding["value"], base)}


@router.get("/source", summary="The source documents")
async def sources(service: ServiceDep) -> HTMLResponse:
    listing = [
        {
            "key": r["source"]["value"].rsplit("/", 1)[-1],
            "label": r["label"]["value"],
            "excerpts": r["excerpts"]["value"],
        }
        for r in await rows(service, SOURCES_QUERY)
    ]
    html = pages.environment().get_template("sources.html").render(sources=listing, release=service.release_id)
    return HTMLResponse(html)


@router.get("/source/{key}", summary="A source document with its quoted passages and the facts they state")
async def read(key: str, request: Request, service: ServiceDep) -> HTMLResponse:
    source = f"{service.settings.base_iri}id/source/{key}"
    found = [r for r in await rows(service, SOURCES_QUERY) if r["source"]["value"] == source]
    text = service.release.source_text(found[0]["file"]["value"]) if found and service.release else None
    if text is None:
        return pages.not_found(f"source/{key}", service)
    passage_rows = await rows(service, passages_query(source))
    spans = {Span(local(r["g"]["value"]), int(r["start"]["value"]), int(r["end"]["value"])) for r in passage_rows}
    iris = {r[v]["value"] for r in passage_rows for v in ("s", "p", "o") if r[v]["type"] == "uri"}
    labels: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in await rows(service, describe.labels_query(iris)) if iris else []:
        if row["kind"]["value"] == "label":
            labels[row["x"]["value"]].append((row["label"]["value"], row["label"].get("xml:lang", "")))
    languages = describe.preferred_languages(request.headers.get("accept-language"))
    base = service.settings.base_iri
    facts: dict[str, list[tuple[dict[str, str], ...]]] = defaultdict(list)
    for r in passage_rows:
        facts[local(r["g"]["value"])].append(tuple(shown(r[v], labels, languages, base) for v in ("s", "p", "o")))
    ordered = sorted(spans, key=lambda s: (s.start, s.end))
    html = pages.environment().get_template("reader.html").render(
        title=found[0]["label"]["value"], key=key, segments=segments(text, ordered), passages=ordered,
        facts=facts, release=service.release_id,
    )  # fmt: skip
    return HTMLResponse(html)
