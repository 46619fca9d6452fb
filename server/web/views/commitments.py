"""The commitments tracker (``/commitments``): every commitment document (``mig:CommitmentDocument`` with items)
and each of its items in ``mig:position`` order, with what the sources link to the item. It says what the graph
knows, not what governments did: an item with no link is "nothing linked in these sources", never a finding.

*Linked* means: some entity outside the item's own document — an action line, a practice, an event, another
document or another document's item — is stated, in a quoted passage, to be linked to the item by any property
(in the data: ``mig:cites`` from action lines, sessions and conclusions; ``mig:partOf`` from the practices an
action line reports). Links inside one document (its sub-items, its own cross-references) and inferred inverses
do not count. A *linked practice* is such a link from a ``mig:Practice``. Three SPARQL queries per page, then one
for labels.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from server import prefixes
from server.web.deps import Queries, Row
from server.web.labels import best_labels, local_name
from server.web.rendering import local_path

HEAD = prefixes.sparql_header(("rdf", "rdfs", "mig", "excerpt"))
SHORT_TEXT = 240

ITEMS = HEAD + (
    "SELECT ?doc ?item (MIN(?p) AS ?pos) (SAMPLE(?l) AS ?itemLabel) (SAMPLE(?t) AS ?text) (MIN(?d) AS ?date) "
    "(SAMPLE(?parent_) AS ?parent) WHERE { ?item mig:itemOf ?doc . "
    "OPTIONAL { ?item mig:position ?p } OPTIONAL { ?item mig:itemLabel ?l } OPTIONAL { ?item mig:text ?t } "
    "OPTIONAL { ?doc mig:date ?d } "
    "OPTIONAL { GRAPH ?g { ?item mig:partOf ?parent_ } ?parent_ mig:itemOf ?doc "
    "FILTER(STRSTARTS(STR(?g), STR(excerpt:))) } "
    "} GROUP BY ?doc ?item"
)
LINKS = HEAD + (
    "SELECT DISTINCT ?item ?x ?p WHERE { ?item mig:itemOf ?doc . "
    "GRAPH ?g { ?x ?p ?item } FILTER(STRSTARTS(STR(?g), STR(excerpt:)) && isIRI(?x) && ?x != ?doc) "
    "FILTER NOT EXISTS { ?x mig:itemOf ?doc } }"
)
LINKER_TYPES = HEAD + (
    "SELECT DISTINCT ?x ?t WHERE { ?item mig:itemOf ?doc . GRAPH ?g { ?x ?p ?item } "
    "FILTER(STRSTARTS(STR(?g), STR(excerpt:))) ?x a ?t FILTER(STRSTARTS(STR(?t), STR(mig:))) }"
)

# What links to an item, by the first of its classes found here (the order matters: an action line is also a
# commitment item).
KINDS: tuple[tuple[str, str], ...] = (
    (prefixes.MIG + "ActionLine", "action line"),
    (prefixes.MIG + "Practice", "practice"),
    (prefixes.MIG + "Event", "event"),
    (prefixes.MIG + "CommitmentItem", "commitment item"),
    (prefixes.MIG + "Document", "document"),
)


@dataclass
class Link:
    iri: str
    page: str
    label: str
    kind: str
    prop: str
    prop_label: str


@dataclass
class Item:
    iri: str
    page: str
    label: str
    item_label: str
    text: str
    position: int | None
    parent: str
    links: list[Link] = field(default_factory=list)

    @property
    def unlinked(self) -> bool:
        """Nothing outside its document is linked to it in the quoted passages."""
        return not self.links

    @property
    def linked_practice(self) -> bool:
        return any(link.kind == "practice" for link in self.links)


@dataclass
class Document:
    iri: str
    page: str
    label: str
    date: str
    key: str
    items: list[Item]

    @property
    def unlinked(self) -> int:
        return sum(item.unlinked for item in self.items)


def kind_of(types: set[str]) -> str:
    return next((name for cls, name in KINDS if cls in types), "other")


def short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHORT_TEXT else text[: SHORT_TEXT - 1].rsplit(" ", 1)[0] + " …"


def _links(link_rows: Iterable[Row], types: Mapping[str, set[str]], label: Callable[[str], str], base: str
           ) -> dict[str, list[Link]]:  # fmt: skip
    """Item → what links to it."""
    links: dict[str, list[Link]] = {}
    for row in link_rows:
        x, p = row["x"]["value"], row["p"]["value"]
        link = Link(x, local_path(x, base), label(x), kind_of(types.get(x, set())), p, label(p))
        links.setdefault(row["item"]["value"], []).append(link)
    return links


def _documents(item_rows: Iterable[Row], links: Mapping[str, list[Link]], label: Callable[[str], str], base: str
               ) -> list[Document]:  # fmt: skip
    documents: dict[str, Document] = {}
    for row in item_rows:
        doc, iri = row["doc"]["value"], row["item"]["value"]
        if doc not in documents:
            date, key = row.get("date", {}).get("value", ""), prefixes.compact(doc, base, local=prefixes.PATH_LOCAL)
            documents[doc] = Document(doc, local_path(doc, base), label(doc), date, key, [])
        position = row.get("pos", {}).get("value")
        item = Item(
            iri, local_path(iri, base), label(iri), row.get("itemLabel", {}).get("value", ""),
            short(row.get("text", {}).get("value", "")), int(position) if position else None,
            row.get("parent", {}).get("value", ""),
            sorted(links.get(iri, []), key=lambda link: (link.kind, link.label.lower())),
        )  # fmt: skip
        documents[doc].items.append(item)
    for document in documents.values():
        document.items.sort(key=lambda item: (item.position is None, item.position or 0, item.iri))
    # The largest first (the Montevideo Commitment, then the Action Plan of Cuenca…), then by date and name.
    return sorted(documents.values(), key=lambda d: (-len(d.items), d.date or "9999", d.label.lower()))


async def tracker(queries: Queries, languages: Sequence[str]) -> list[Document]:
    """Every commitment document with its items in order, the largest document first."""
    base = queries.service.base_iri
    item_rows, link_rows, type_rows = await queries.gather([ITEMS, LINKS, LINKER_TYPES])
    types: dict[str, set[str]] = {}
    for row in type_rows:
        types.setdefault(row["x"]["value"], set()).add(row["t"]["value"])
    iris = {row[v]["value"] for row in item_rows for v in ("doc", "item")}
    iris |= {row[v]["value"] for row in link_rows for v in ("x", "p")}
    labels = await best_labels(queries, iris, languages)

    def label(iri: str) -> str:
        return labels.get(iri, ("", ""))[0] or local_name(iri)

    return _documents(item_rows, _links(link_rows, types, label, base), label, base)


def totals(documents: Sequence[Document], shown: Sequence[Document]) -> dict[str, int]:
    """How many documents and items there are, how many have a link (a linked practice), how many nothing is
    linked to, and as many of those shown."""
    every = [item for d in documents for item in d.items]
    return {
        "documents": len(documents),
        "items": len(every),
        "linked": sum(not item.unlinked for item in every),
        "linked_practice": sum(item.linked_practice for item in every),
        "unlinked": sum(item.unlinked for item in every),
        "shown_items": sum(len(d.items) for d in shown),
        "shown_unlinked": sum(d.unlinked for d in shown),
    }


def as_json(shown: Sequence[Document], totals: Mapping[str, int], only: str) -> dict[str, Any]:
    """The documents shown, each item with what is linked to it (only the unlinked items with ``only``)."""
    return {
        "totals": dict(totals),
        "only": only or None,
        "documents": [
            {
                "iri": d.iri, "label": d.label, "date": d.date or None,
                "items": [
                    {"iri": i.iri, "label": i.label, "item_label": i.item_label, "text": i.text,
                     "position": i.position, "parent": i.parent or None, "linked": not i.unlinked,
                     "linked_practice": i.linked_practice,
                     "linked_by": [{"iri": k.iri, "label": k.label, "kind": k.kind, "property": k.prop}
                                   for k in i.links]}
                    for i in d.items if not only or i.unlinked
                ],
            }
            for d in shown
        ],
    }  # fmt: skip


COLUMNS = ("document", "document_label", "item", "item_label", "position", "text", "linked_by", "linked_practices")


def table(shown: Sequence[Document], only: str) -> list[list[Any]]:
    """One row per item shown, with how many things are linked to it, and how many of them are practices."""
    return [
        [d.iri, d.label, i.iri, i.item_label or i.label, "" if i.position is None else i.position, i.text, len(i.links),
         sum(link.kind == "practice" for link in i.links)]
        for d in shown for i in d.items if not only or i.unlinked
    ]  # fmt: skip
