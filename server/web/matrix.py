"""The OAS "mapping" view: ``/matrix``, countries × topics. Each cell counts the practices and the commitment
items that relate to the country and address the topic, by the *same* definitions as the browse facets
(``server.web.browse``: ``country`` and ``topic``), so a cell's link to ``/browse`` lists exactly the entities
it counts. Optionally only what one source states (the browse ``source`` facet). One SPARQL query, then one
for labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from server import prefixes
from server.web import describe, pages
from server.web.browse import (
    COUNTRY,
    FACET_BY_NAME,
    HEAD,
    TOPIC,
    BadParameter,
    Selection,
    compact,
    error_page,
    expand,
    gather,
)
from server.web.linked_data import best_labels
from server.web.state import ServiceDep

router = APIRouter()

PRACTICE, ITEM = prefixes.MIG + "Practice", prefixes.MIG + "CommitmentItem"
SourceFilter = Annotated[str, Query(description="only what this source states (IRI or compact IRI)")]


def matrix_query(source: str | None) -> str:
    """Every (country, topic, entity, kind) for practices and commitment items."""
    only = FACET_BY_NAME["source"].having([describe.iri_ref(source)]) if source else ""
    return HEAD + (
        "SELECT DISTINCT ?c ?t ?e ?kind WHERE { "
        '{ ?e a mig:Practice BIND("practice" AS ?kind) } UNION { ?e a mig:CommitmentItem BIND("item" AS ?kind) } '
        f"{{ SELECT ?e (?v AS ?t) WHERE {{ {TOPIC.pairs()} }} }} "
        f"{{ SELECT ?e (?v AS ?c) WHERE {{ {COUNTRY.pairs()} }} }} {only} }}"
    )


SOURCES = HEAD + "SELECT ?s WHERE { ?s a mig:SourceDocument } ORDER BY ?s"


@dataclass
class Cell:
    practices: set[str] = field(default_factory=set)
    items: set[str] = field(default_factory=set)
    url: str = ""
    practices_url: str = ""
    items_url: str = ""

    @property
    def total(self) -> int:
        return len(self.practices | self.items)


@dataclass
class Matrix:
    countries: list[tuple[str, str, str]]  # (IRI, label, page)
    topics: list[tuple[str, str, str]]
    cells: dict[tuple[str, str], Cell]
    practices: int
    items: int


def build(rows: Sequence[describe.Row], labels: dict[str, tuple[str, str]], source: str | None, base: str) -> Matrix:
    cells: dict[tuple[str, str], Cell] = {}
    for row in rows:
        c, t, e = row["c"]["value"], row["t"]["value"], row["e"]["value"]
        cell = cells.setdefault((c, t), Cell())
        (cell.practices if row["kind"]["value"] == "practice" else cell.items).add(e)
    for (c, t), cell in cells.items():
        chosen = {"country": [c], "topic": [t], **({"source": [source]} if source else {})}
        cell.url = Selection({"type": [PRACTICE, ITEM], **chosen}).url(base)
        cell.practices_url = Selection({"type": [PRACTICE], **chosen}).url(base)
        cell.items_url = Selection({"type": [ITEM], **chosen}).url(base)

    def axis(iris: set[str]) -> list[tuple[str, str, str]]:
        named = [(iri, labels.get(iri, (describe.local_name(iri), ""))[0], pages.local_path(iri, base)) for iri in iris]
        return sorted(named, key=lambda x: x[1].lower())

    practices = {e for cell in cells.values() for e in cell.practices}
    items = {e for cell in cells.values() for e in cell.items}
    return Matrix(axis({c for c, _ in cells}), axis({t for _, t in cells}), cells, len(practices), len(items))


@router.get("/matrix", summary="Countries × topics: practices and commitment items per cell (HTML)")
async def matrix_page(request: Request, service: ServiceDep, source: SourceFilter = "") -> HTMLResponse:
    base = service.settings.base_iri
    chosen = None
    if source:
        try:
            chosen = expand(source, base)
        except BadParameter as error:
            return error_page(f"{error}.", service)
    languages = describe.preferred_languages(request.headers.get("accept-language"))
    rows, source_rows = await gather(service, [matrix_query(chosen), SOURCES])
    sources = [row["s"]["value"] for row in source_rows]
    iris = {row[v]["value"] for row in rows for v in ("c", "t")} | set(sources)
    labels = await best_labels(service, iris, languages)
    matrix = build(rows, labels, chosen, base)
    html = (
        pages.environment()
        .get_template("matrix.html")
        .render(
            matrix=matrix,
            sources=[(compact(s, base), labels.get(s, (s, ""))[0], s == chosen) for s in sources],
            source=chosen,
            unknown_source=bool(chosen and chosen not in sources),
            definition=[sentence for sentence, _ in COUNTRY.patterns],
            release=service.release_id,
        )
    )
    return HTMLResponse(html, headers={"Vary": "Accept-Language"})
