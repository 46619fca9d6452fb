"""What search shows (``/search``, ``/api/search``): the hits of the release's full-text index (``server.search``),
extended with the partner graphs' entities (``web.partners``), with their labels in the reader's languages, the
matches marked, and the types found with their counts."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import anyio.to_thread
from markupsafe import Markup, escape

from server import prefixes
from server.search import Results, search
from server.web.deps import Queries, Service
from server.web.labels import best_labels, iri_ref, pick_label
from server.web.rendering import local_path

PAGE_SIZE = 20


def class_iri(value: str | None) -> str | None:
    """The type filter ``value`` if the store takes it as an IRI (``labels.iri_ref``), else a ValueError: a 400,
    never a broken label query."""
    if value is not None:
        iri_ref(value)
    return value


async def run_search(service: Service, q: str, type_filter: str | None, limit: int, offset: int) -> Results:
    """Hits in the release's index, with the partner graphs' entities of the current generation added to it."""
    index = await anyio.to_thread.run_sync(service.partners.search_index)
    if index is None:
        return Results(0, [], {})
    call = functools.partial(search, index, q, type_filter or None, limit, offset)
    return await anyio.to_thread.run_sync(call)


async def class_labels(queries: Queries, classes: set[str], languages: Sequence[str]) -> dict[str, str]:
    """Class → its label (its name in ``mig:`` when it has none)."""
    found = await best_labels(queries, classes, languages)
    base = queries.service.base_iri
    return {c: found[c][0] if c in found and found[c][0] else prefixes.compact(c, base, within="mig") for c in classes}


def highlight(snippet: str) -> Markup:
    """The index marks matches with \\x02…\\x03; escape the text, then mark them."""
    return Markup(str(escape(snippet)).replace("\x02", "<mark>").replace("\x03", "</mark>"))


def as_json(results: Results, languages: Sequence[str], labels: dict[str, str], base: str) -> dict[str, Any]:
    hits = []
    for hit in results.hits:
        label, language = pick_label(list((t, lang) for lang, t in hit.labels.items()), languages)
        hits.append({
            "iri": hit.iri,
            "page": local_path(hit.iri, base),
            "label": label,
            "coined": label in hit.coined,  # a name curators coined (mig:displayName), not one a source prints
            "language": language,
            "types": list(hit.types),
            "snippet": hit.snippet.replace("\x02", "").replace("\x03", ""),
        })  # fmt: skip
    return {
        "total": results.total,
        "results": hits,
        "types": [{"type": t, "label": labels.get(t, t), "count": n} for t, n in sorted(results.type_counts.items())],
    }


def with_html(body: dict[str, Any], results: Results, labels: dict[str, str]) -> dict[str, Any]:
    """``body`` (``as_json``) with what the HTML page adds to each hit: its marked snippet and its types' labels."""
    for hit, raw in zip(body["results"], results.hits, strict=True):
        hit["snippet_html"] = highlight(raw.snippet)
        hit["type_labels"] = [labels.get(t, "") for t in raw.types if t in labels]
    return body


COLUMNS = ("iri", "label", "language", "types", "snippet")


def table(body: dict[str, Any]) -> list[list[str]]:
    """The hits of ``body`` (``as_json``) as the rows of ``COLUMNS`` (types separated by spaces)."""
    return [
        [hit["iri"], hit["label"], hit["language"], " ".join(hit["types"]), hit["snippet"]] for hit in body["results"]
    ]
