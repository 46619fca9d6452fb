"""The OAS "mapping" view (``/matrix``): countries × topics. Each cell counts the practices and the commitment
items that relate to the country and address the topic, by the *same* definitions as the browse facets
(``views.facets``: ``country`` and ``topic``), so a cell's link to ``/browse`` lists exactly the entities
it counts. Optionally only what one source states (the browse ``source`` facet). One SPARQL query, then one
for labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from server import prefixes
from server.web.deps import Queries, Row
from server.web.labels import best_labels, iri_ref, local_name
from server.web.rendering import local_path
from server.web.views.facets import COUNTRY, FACET_BY_NAME, HEAD, TOPIC, Selection

PRACTICE, ITEM = prefixes.MIG + "Practice", prefixes.MIG + "CommitmentItem"


def matrix_query(source: str | None) -> str:
    """Every (country, topic, entity, kind) for practices and commitment items."""
    only = FACET_BY_NAME["source"].having([iri_ref(source)]) if source else ""
    return HEAD + (
        "SELECT DISTINCT ?c ?t ?e ?kind WHERE { "
        '{ ?e a mig:Practice BIND("practice" AS ?kind) } UNION { ?e a mig:CommitmentItem BIND("item" AS ?kind) } '
        f"{{ SELECT ?e (?v AS ?t) WHERE {{ {TOPIC.pairs()} }} }} "
        f"{{ SELECT ?e (?v AS ?c) WHERE {{ {COUNTRY.pairs()} }} }} {only} }}"
    )


SOURCES = HEAD + "SELECT ?s WHERE { ?s a mig:SourceDocument } ORDER BY ?s"


# The (entity, country) pairs a quoted passage states directly: the country itself is a value of the entity. Every
# other pair of a cell is derived by the country rule (through a place, a government body, an event…).
def stated_country_query(scope: str) -> str:
    """``?e ?c``: the entities a passage links to a country itself, within ``scope`` (SPARQL binding ``?e``/``?c``)."""
    return HEAD + (
        f"SELECT DISTINCT ?e ?c WHERE {{ {scope} GRAPH ?g {{ ?e ?p ?c }} "
        f'FILTER(STRSTARTS(STR(?g), "{prefixes.EXCERPT}")) ?c a mig:Country }}'
    )


STATED = stated_country_query("{ ?e a mig:Practice } UNION { ?e a mig:CommitmentItem }")


@dataclass
class Cell:
    practices: set[str] = field(default_factory=set)
    items: set[str] = field(default_factory=set)
    stated: set[str] = field(default_factory=set)  # those a passage links to the country itself
    url: str = ""
    practices_url: str = ""
    items_url: str = ""

    @property
    def total(self) -> int:
        return len(self.practices | self.items)

    @property
    def derived(self) -> int:
        """How many it counts only through the country rule, with no passage naming the country for them."""
        return self.total - len(self.stated)


@dataclass
class Matrix:
    countries: list[tuple[str, str, str]]  # (IRI, label, page)
    topics: list[tuple[str, str, str]]
    cells: dict[tuple[str, str], Cell]
    practices: int
    items: int


def build(rows: Sequence[Row], labels: dict[str, tuple[str, str]], source: str | None, base: str,
          stated: Sequence[Row] = ()) -> Matrix:  # fmt: skip
    cells: dict[tuple[str, str], Cell] = {}
    direct = {(row["e"]["value"], row["c"]["value"]) for row in stated}
    for row in rows:
        c, t, e = row["c"]["value"], row["t"]["value"], row["e"]["value"]
        cell = cells.setdefault((c, t), Cell())
        (cell.practices if row["kind"]["value"] == "practice" else cell.items).add(e)
        if (e, c) in direct:
            cell.stated.add(e)
    for (c, t), cell in cells.items():
        chosen = {"country": [c], "topic": [t], **({"source": [source]} if source else {})}
        cell.url = Selection({"type": [PRACTICE, ITEM], **chosen}).url(base)
        cell.practices_url = Selection({"type": [PRACTICE], **chosen}).url(base)
        cell.items_url = Selection({"type": [ITEM], **chosen}).url(base)

    def axis(iris: set[str]) -> list[tuple[str, str, str]]:
        named = [(iri, labels.get(iri, (local_name(iri), ""))[0], local_path(iri, base)) for iri in iris]
        return sorted(named, key=lambda x: x[1].lower())

    practices = {e for cell in cells.values() for e in cell.practices}
    items = {e for cell in cells.values() for e in cell.items}
    return Matrix(axis({c for c, _ in cells}), axis({t for _, t in cells}), cells, len(practices), len(items))


async def context(queries: Queries, source: str | None, languages: Sequence[str]) -> dict[str, Any]:
    """What the matrix page shows: the matrix (of what ``source`` states, when given) and the sources to pick."""
    base = queries.service.base_iri
    rows, source_rows, stated = await queries.gather([matrix_query(source), SOURCES, STATED])
    sources = [row["s"]["value"] for row in source_rows]
    iris = {row[v]["value"] for row in rows for v in ("c", "t")} | set(sources)
    labels = await best_labels(queries, iris, languages)
    return {
        "matrix": build(rows, labels, source, base, stated),
        "sources": [
            (prefixes.compact(s, base, local=prefixes.PATH_LOCAL), labels.get(s, (s, ""))[0], s == source)
            for s in sources
        ],
        "source": source,
        "unknown_source": bool(source and source not in sources),
        "definition": [sentence for sentence, _ in COUNTRY.patterns],
    }


def as_json(matrix: Matrix, source: str | None) -> dict[str, Any]:
    """The matrix as data: its axes, and each non-empty cell with the practices and items it counts."""
    return {
        "source": source,
        "practices": matrix.practices,
        "items": matrix.items,
        "countries": [{"iri": iri, "label": label} for iri, label, _ in matrix.countries],
        "topics": [{"iri": iri, "label": label} for iri, label, _ in matrix.topics],
        "cells": [
            {"country": c, "topic": t, "practices": sorted(cell.practices), "items": sorted(cell.items),
             "stated": sorted(cell.stated), "browse": cell.url}
            for (c, t), cell in sorted(matrix.cells.items())
        ],
    }  # fmt: skip


COLUMNS = ("country", "country_label", "topic", "topic_label", "practices", "items", "stated", "derived")


def table(matrix: Matrix) -> list[list[Any]]:
    """One row per non-empty cell: its country and topic, how many practices and items it counts, and how many of
    those a passage links to the country itself (stated) or only the country rule does (derived)."""
    labels = {iri: label for iri, label, _ in (*matrix.countries, *matrix.topics)}
    return [
        [c, labels.get(c, c), t, labels.get(t, t), len(cell.practices), len(cell.items), len(cell.stated), cell.derived]
        for (c, t), cell in sorted(matrix.cells.items())
    ]
