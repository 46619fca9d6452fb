"""What a browse page shows (``/browse`` in HTML, ``/api/browse`` in JSON): one page of the entities a facet
selection matches, every facet's values with their counts, and the selected values as removable chips.

A page takes four SPARQL queries run concurrently — the total, one page of results, the facets' counts in two
queries (a UNION branch per facet) — then the types and labels of what it shows (and, when nothing matches,
which selected values exist at all).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from server import prefixes
from server.web.deps import Queries, Row
from server.web.labels import best_labels, iri_values, local_name, sparql_language
from server.web.rendering import local_path
from server.web.views import matrix
from server.web.views.facets import (
    FACET_BY_NAME,
    FACETS,
    PAGE_SIZE,
    Selection,
    counts_query,
    known_query,
    page_query,
    parse,
    total_query,
    types_query,
)

SHOWN_VALUES = 12  # per facet before "more"

Label = Callable[..., tuple[str, str]]  # (value, literal=False) -> (text, language)


@dataclass
class Browse:
    """Everything a browse page shows, as plain data (the JSON answer is this, the HTML renders it)."""

    selection: Selection
    total: int
    results: list[dict[str, Any]]
    facets: list[dict[str, Any]]
    chips: list[dict[str, Any]]
    message: str


def _counts(count_rows: Iterable[Row]) -> dict[str, dict[str, int]]:
    """Facet name → value → count, from the rows of ``counts_query``."""
    counts: dict[str, dict[str, int]] = {f.name: {} for f in FACETS}
    for row in count_rows:
        counts[row["f"]["value"]][row["v"]["value"]] = int(row["n"]["value"])
    return counts


def _results(entities: Sequence[str], types: Mapping[str, list[str]], label: Label, base: str) -> list[dict[str, Any]]:
    results = []
    for entity in entities:
        text, language = label(entity)
        results.append({
            "iri": entity, "page": local_path(entity, base), "label": text, "language": language,
            "types": sorted(types.get(entity, [])),
            "type_labels": sorted(label(t)[0] for t in types.get(entity, [])),
        })  # fmt: skip
    return results


def _facets(selection: Selection, counts: Mapping[str, Mapping[str, int]], label: Label, base: str) -> list[dict]:
    """Every facet with its values, most frequent first, each with the link that toggles it."""
    facets = []
    for facet in FACETS:
        chosen = selection.values.get(facet.name, [])
        ordered = sorted(
            counts[facet.name].items(), key=lambda vn: (-vn[1], label(vn[0], facet.literal)[0].lower(), vn[0])
        )
        values = [
            {
                "value": value,
                "key": value if facet.literal else prefixes.compact(value, base, local=prefixes.PATH_LOCAL),
                "label": label(value, facet.literal)[0], "language": label(value, facet.literal)[1],
                "count": n, "selected": value in chosen, "url": selection.toggled(facet.name, value).url(base),
            }
            for value, n in ordered
        ]  # fmt: skip
        facets.append({
            "facet": facet.name, "label": facet.label, "values": values,
            "definition": [sentence for sentence, _ in facet.patterns],
        })  # fmt: skip
    return facets


def _chips(selection: Selection, label: Label, base: str) -> list[dict[str, Any]]:
    return [
        {"facet": name, "facet_label": FACET_BY_NAME[name].label, "value": v,
         "label": label(v, FACET_BY_NAME[name].literal)[0], "url": selection.toggled(name, v).url(base)}
        for name, vs in selection.values.items() for v in vs
    ]  # fmt: skip


async def from_params(queries: Queries, params: Iterable[tuple[str, str]], languages: Sequence[str]) -> Browse:
    """The page the query parameters select; ``facets.BadParameter`` when one is malformed."""
    return await browse(queries, parse(params, queries.service.base_iri), languages)


async def browse(queries: Queries, selection: Selection, languages: Sequence[str]) -> Browse:
    base = queries.service.base_iri
    # The counts in two halves, so that two query workers share them (measured on the built graph, 2 busy cores:
    # the whole page in 0.1–0.5 s, most of it these two queries).
    halves = [counts_query(selection, FACETS[:3]), counts_query(selection, FACETS[3:])]
    total_rows, page_rows, *count_parts = await queries.gather(
        [total_query(selection), page_query(selection, sparql_language(languages)), *halves]
    )
    total = int(total_rows[0]["n"]["value"]) if total_rows else 0
    entities = [row["e"]["value"] for row in page_rows]
    counts = _counts(row for part in count_parts for row in part)
    selected_iris = [v for name, vs in selection.values.items() if not FACET_BY_NAME[name].literal for v in vs]
    iris = set(entities) | set(selected_iris)
    iris |= {v for f in FACETS if not f.literal for v in counts[f.name]}
    types: dict[str, list[str]] = {}
    for row in await queries.rows(types_query(entities)) if entities else []:
        types.setdefault(row["e"]["value"], []).append(row["t"]["value"])
    iris |= {t for ts in types.values() for t in ts}
    labels = await best_labels(queries, iris, languages)

    def label(value: str, literal: bool = False) -> tuple[str, str]:
        return (value, "") if literal else labels.get(value, (local_name(value), ""))

    countries = selection.values.get("country", [])
    if entities and countries:
        scope = f"VALUES ?e {{ {iri_values(entities)} }} VALUES ?c {{ {iri_values(countries)} }}"
        stated = {row["e"]["value"] for row in await queries.rows(matrix.stated_country_query(scope))}
    chips = _chips(selection, label, base)
    message = await empty_message(queries, selection, chips) if total == 0 and selection.values else ""
    results, facets = _results(entities, types, label, base), _facets(selection, counts, label, base)
    if entities and countries:
        for result in results:  # a passage names the chosen country for it, or only the country rule relates them
            result["country_link"] = "stated" if result["iri"] in stated else "derived"
    return Browse(selection, total, results, facets, chips, message)


async def empty_message(queries: Queries, selection: Selection, chips: Sequence[Mapping[str, str]]) -> str:
    known = {(row["f"]["value"], row["v"]["value"]) for row in await queries.rows(known_query(selection))}
    unknown = [c for c in chips if (c["facet"], c["value"]) not in known]
    if unknown:
        names = "; ".join(f"{c['facet_label'].lower()} {c['label']}" for c in unknown)
        return f"No entity has {names} in this release."
    return "No entity matches all of these together; remove a value to widen the selection."


def as_json(result: Browse) -> dict[str, Any]:
    selection = result.selection
    return {
        "selection": {name: vs for name, vs in selection.values.items()},
        "total": result.total,
        "page": selection.page,
        "page_size": PAGE_SIZE,
        "message": result.message,
        "results": result.results,
        "facets": result.facets,
    }


def navigation(result: Browse, base: str) -> dict[str, Any]:
    """What the HTML page adds to the result: paging links, the JSON link, how many values a facet shows."""
    selection = result.selection
    pages_count = max(1, -(-result.total // PAGE_SIZE))
    return {
        "shown": SHOWN_VALUES,
        "page_size": PAGE_SIZE,
        "pages_count": pages_count,
        "previous_url": selection.url(base, page=selection.page - 1) if selection.page > 1 else "",
        "next_url": selection.url(base, page=selection.page + 1) if selection.page < pages_count else "",
        "first_url": selection.url(base),
        "api_url": selection.url(base, "/api/browse", selection.page),
    }


COLUMNS = ("iri", "label", "language", "types")


def table(result: Browse) -> list[list[str]]:
    """One page of the entities found, as the rows of ``COLUMNS`` (types separated by spaces)."""
    return [[r["iri"], r["label"], r["language"], " ".join(r["types"])] for r in result.results]
