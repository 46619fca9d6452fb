"""What the document reader shows (``/source/<key>``): a source's text cut into pieces, each marked with the
quoted passages covering it, and the facts each passage states; and the list of sources (``/source``).

Passages may overlap, so the text is cut at every passage boundary and each piece marked with the passages
covering it.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from server import prefixes
from server.web.deps import Queries, Row
from server.web.labels import EXTERNAL_LABELS, best_labels, iri_ref, local_name
from server.web.rendering import local_path

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
        f"?g oa:hasSource {iri_ref(source)} ; oa:hasSelector [ oa:start ?start ; oa:end ?end ] }} "
        "OPTIONAL { GRAPH ?g { ?s ?p ?o } } }"  # a passage described only as others' context states no fact
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


def shown(binding: Mapping[str, str], labels: Mapping[str, tuple[str, str]], base: str) -> dict[str, str]:
    """A term as the reader lists it: its label (or value) and, for our entities, the link to its page."""
    if binding["type"] != "uri":
        return {"text": binding["value"], "href": ""}
    label = labels.get(binding["value"], ("", ""))[0]
    fallback = EXTERNAL_LABELS.get(binding["value"], local_name(binding["value"]))
    return {"text": label or fallback, "href": local_path(binding["value"], base)}


async def sources(queries: Queries) -> list[dict[str, str]]:
    """The source documents: key, title and how many passages are quoted from each."""
    return [
        {"key": r["source"]["value"].rsplit("/", 1)[-1], "label": r["label"]["value"],
         "excerpts": r["excerpts"]["value"]}
        for r in await queries.rows(SOURCES_QUERY)
    ]  # fmt: skip


async def reading(queries: Queries, key: str, languages: Sequence[str]) -> dict[str, Any] | None:
    """What the reader shows of source ``key``, or None when there is no such source (or no text of it)."""
    service, base = queries.service, queries.service.base_iri
    source = f"{base}id/source/{key}"
    found = [r for r in await queries.rows(SOURCES_QUERY) if r["source"]["value"] == source]
    text = service.release.source_text(found[0]["file"]["value"]) if found and service.release else None
    if text is None:
        return None
    passage_rows = await queries.rows(passages_query(source))
    iris = {r[v]["value"] for r in passage_rows for v in ("s", "p", "o") if v in r and r[v]["type"] == "uri"}
    labels = await best_labels(queries, iris, languages)
    return {"title": found[0]["label"]["value"], "key": key, **passages(text, passage_rows, labels, base)}


def passages(text: str, passage_rows: Sequence[Row], labels: Mapping[str, tuple[str, str]], base: str
             ) -> dict[str, Any]:  # fmt: skip
    """The text's segments, its passages in reading order, and each passage's facts (subject, property, object)."""

    def name(excerpt: str) -> str:
        return prefixes.compact(excerpt, base, within="excerpt")

    spans = {Span(name(r["g"]["value"]), int(r["start"]["value"]), int(r["end"]["value"])) for r in passage_rows}
    facts: dict[str, list[tuple[dict[str, str], ...]]] = defaultdict(list)
    for r in passage_rows:
        if "s" in r:
            facts[name(r["g"]["value"])].append(tuple(shown(r[v], labels, base) for v in ("s", "p", "o")))
    ordered = sorted(spans, key=lambda s: (s.start, s.end))
    return {"segments": segments(text, ordered), "passages": ordered, "facts": facts}
