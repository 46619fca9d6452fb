"""A commitment document's page read as the document it is: its items in printed order (``mig:position``, else the
printed number ``skos:notation`` compared as numbers: 1, 2, … 10, never 1, 10, 2), lettered sub-items under their
paragraph, each with its text, what it asks of whom (``mig:callsOn`` and its sub-properties), its other stated links
and what outside the document links to it. Pure functions from the rows of ``views/queries/document-*.rq``; ``load``
runs them. Only facts stated in a quoted passage are shown here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from server import prefixes
from server.web.deps import Queries, Row
from server.web.labels import Name, best_names, local_name, term_name
from server.web.views import query_files
from server.web.views.entity import EntityView

SHORT_TEXT = 160
ITEM_PROPERTIES = frozenset({prefixes.MIG + "hasItem", prefixes.MIG + "itemOf"})
PART_PROPERTIES = frozenset({prefixes.MIG + "hasPart", prefixes.MIG + "partOf"})


@dataclass(frozen=True)
class Ref:
    """A linked IRI as the page names it."""

    iri: str
    label: str
    coined: bool = False


@dataclass
class Relation:
    """One property of an item and the entities it links it to."""

    prop: Ref
    values: list[Ref]


@dataclass
class DocumentItem:
    iri: str
    label: str
    coined: bool  # its name was coined by curators (mig:displayName), not printed
    number: str  # as printed: the item label ("25.", "q)") or its notation
    anchor: str  # the id of its place on the page
    text: str
    position: int | None
    notation: str
    types: list[Ref] = field(default_factory=list)
    asks: list[Relation] = field(default_factory=list)  # mig:callsOn and its sub-properties
    links: list[Relation] = field(default_factory=list)  # its other stated links (calls for, cites, topics…)
    linked_from: list[Relation] = field(default_factory=list)  # what outside its document links to it
    children: list[DocumentItem] = field(default_factory=list)

    @property
    def short(self) -> str:
        return shorten(self.text)


@dataclass
class DocumentView:
    items: list[DocumentItem]  # the top-level items in printed order, each with its sub-items
    count: int  # every item, sub-items included


def shorten(text: str, limit: int = SHORT_TEXT) -> str:
    """``text`` on one line, cut at a word before ``limit`` characters.

    >>> shorten("Promote   the ratification of the Convention", 20)
    'Promote the …'
    """
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " …"


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """A printed number as a sort key: digit runs compare as numbers.

    >>> sorted(["10", "2", "1", "25.q", "25.b", "11"], key=natural_key)
    ['1', '2', '10', '11', '25.b', '25.q']
    """
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text) if part)


def order_key(item: DocumentItem) -> tuple[bool, int, tuple[tuple[int, int | str], ...], str]:
    """Printed order: by position, then by printed number, then by IRI."""
    return (item.position is None, item.position or 0, natural_key(item.notation or item.number), item.iri)


def anchor(iri: str, document: str) -> str:
    """The page id of an item: ``item-`` and its IRI after the document's.

    >>> anchor("https://w3id.org/migkg/id/commitment/montevideo-2006/p25q", "https://w3id.org/migkg/id/commitment/montevideo-2006")
    'item-p25q'
    """
    rest = iri[len(document) :].strip("/") if iri.startswith(document) else local_name(iri)
    return "item-" + re.sub(r"[^A-Za-z0-9_-]", "-", rest or local_name(iri))


def _value(row: Row, name: str) -> str:
    return row.get(name, {}).get("value", "")


def iris_to_label(item_rows: Iterable[Row], link_rows: Iterable[Row], type_rows: Iterable[Row]) -> set[str]:
    iris = {row["item"]["value"] for row in item_rows}
    iris |= {row[v]["value"] for row in link_rows for v in ("p", "other")}
    iris |= {row["type"]["value"] for row in type_rows}
    return iris


def _relations(pairs: Iterable[tuple[str, str]], ref: Mapping[str, Ref]) -> list[Relation]:
    """(property, value) pairs grouped by property, each group's values by name, the groups by property name."""
    grouped: dict[str, dict[str, Ref]] = {}
    for prop, value in pairs:
        grouped.setdefault(prop, {})[value] = ref[value]
    relations = [
        Relation(ref[p], sorted(values.values(), key=lambda r: r.label.lower())) for p, values in grouped.items()
    ]
    return sorted(relations, key=lambda r: r.prop.label.lower())


def document_view(
    document: str,
    item_rows: Sequence[Row],
    link_rows: Sequence[Row],
    type_rows: Sequence[Row],
    names: Mapping[str, Name],
) -> DocumentView:
    """The items of ``document`` from the rows of the three queries, named by ``names``."""

    terms = {row["p"]["value"] for row in link_rows} | {row["type"]["value"] for row in type_rows}

    def ref(iri: str) -> Ref:
        name = names.get(iri)
        fallback = term_name(iri) if iri in terms else local_name(iri)
        return Ref(iri, name.text if name and name.text else fallback, bool(name and name.coined))

    refs = {iri: ref(iri) for iri in iris_to_label(item_rows, link_rows, type_rows)}
    asks: dict[str, list[tuple[str, str]]] = {}
    links: dict[str, list[tuple[str, str]]] = {}
    linked_from: dict[str, list[tuple[str, str]]] = {}
    for row in link_rows:
        subject, prop, other = row["item"]["value"], row["p"]["value"], row["other"]["value"]
        if _value(row, "direction") == "in":
            linked_from.setdefault(subject, []).append((prop, other))
        elif _value(row, "asks") == "true":
            asks.setdefault(subject, []).append((prop, other))
        else:
            links.setdefault(subject, []).append((prop, other))
    types: dict[str, list[Ref]] = {}
    for row in type_rows:
        types.setdefault(row["item"]["value"], []).append(refs[row["type"]["value"]])
    items: dict[str, DocumentItem] = {}
    parents: dict[str, str] = {}
    for row in item_rows:
        iri, position, notation = row["item"]["value"], _value(row, "position"), _value(row, "notation")
        items[iri] = DocumentItem(
            iri, refs[iri].label, refs[iri].coined, _value(row, "itemLabel") or notation, anchor(iri, document),
            _value(row, "text"), int(position) if position.isdigit() else None, notation,
            sorted(types.get(iri, []), key=lambda r: r.label.lower()), _relations(asks.get(iri, ()), refs),
            _relations(links.get(iri, ()), refs), _relations(linked_from.get(iri, ()), refs),
        )  # fmt: skip
        if _value(row, "parent") and _value(row, "parent") != iri:
            parents[iri] = _value(row, "parent")
    top: list[DocumentItem] = []
    for iri, item in items.items():
        parent = items.get(parents.get(iri, ""))
        (parent.children if parent is not None else top).append(item)
    for item in items.values():
        item.children.sort(key=order_key)
    return DocumentView(sorted(top, key=order_key), len(items))


def is_document(view: EntityView) -> bool:
    return any(t.value == prefixes.MIG + "CommitmentDocument" for t in view.types)


def every_item(items: Iterable[DocumentItem]) -> Iterable[DocumentItem]:
    for item in items:
        yield item
        yield from every_item(item.children)


def trim(view: EntityView, document: DocumentView) -> None:
    """Leave out of the page's statements the item lists the document view shows in printed order: its items and
    the parts that are items (what states them is on each item's own page); other parts stay."""
    items = {item.iri for item in every_item(document.items)}
    for group in view.outgoing:
        if group.prop.value in PART_PROPERTIES:
            group.facts = [f for f in group.facts if f.value.value not in items]
    view.outgoing = [g for g in view.outgoing if g.facts and g.prop.value not in ITEM_PROPERTIES]
    view.incoming = [
        g for g in view.incoming
        if g.prop.value not in ITEM_PROPERTIES
        and not (g.prop.value in PART_PROPERTIES and g.count <= len(items)
                 and all(s.value.value in items for s in g.subjects))
    ]  # fmt: skip


async def load(queries: Queries, document: str, languages: Sequence[str]) -> DocumentView | None:
    """The items of ``document`` in printed order, or None if it has none."""
    item_rows, link_rows, type_rows = await queries.gather(
        [query_files.bound(name, document) for name in ("document-items", "document-item-links", "document-item-types")]
    )
    if not item_rows:
        return None
    names = await best_names(queries, iris_to_label(item_rows, link_rows, type_rows), languages)
    return document_view(document, item_rows, link_rows, type_rows, names)
