"""The commitments tracker: ``/commitments``. Every commitment document (``mig:CommitmentDocument`` with items)
and each of its items in ``mig:position`` order, with what the sources link to the item, and the items nothing
addresses, flagged.

*Addressed* means: some entity outside the item's own document — an action line, a practice, an event, another
document or another document's item — is stated, in a quoted passage, to be linked to the item by any property
(in the data: ``mig:cites`` from action lines, sessions and conclusions; ``mig:partOf`` from the practices an
action line reports). Links inside one document (its sub-items, its own cross-references) and inferred inverses
do not count. Three SPARQL queries per page, then one for labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from server import prefixes
from server.web import describe, pages
from server.web.browse import BadParameter, compact, error_page, expand, gather
from server.web.linked_data import best_labels
from server.web.state import Service, ServiceDep

router = APIRouter()

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

Only = Annotated[str, Query(description="'unaddressed' to list only the items nothing addresses")]
DocumentFilter = Annotated[str, Query(description="one commitment document (IRI or compact IRI)")]


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
    def unaddressed(self) -> bool:
        return not self.links


@dataclass
class Document:
    iri: str
    page: str
    label: str
    date: str
    key: str
    items: list[Item]

    @property
    def unaddressed(self) -> int:
        return sum(item.unaddressed for item in self.items)


def kind_of(types: set[str]) -> str:
    return next((name for cls, name in KINDS if cls in types), "other")


def short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHORT_TEXT else text[: SHORT_TEXT - 1].rsplit(" ", 1)[0] + " …"


async def tracker(service: Service, languages: Sequence[str]) -> list[Document]:
    base = service.settings.base_iri
    item_rows, link_rows, type_rows = await gather(service, [ITEMS, LINKS, LINKER_TYPES])
    types: dict[str, set[str]] = {}
    for row in type_rows:
        types.setdefault(row["x"]["value"], set()).add(row["t"]["value"])
    iris = {row[v]["value"] for row in item_rows for v in ("doc", "item")}
    iris |= {row[v]["value"] for row in link_rows for v in ("x", "p")}
    labels = await best_labels(service, iris, languages)

    def label(iri: str) -> str:
        return labels.get(iri, ("", ""))[0] or describe.local_name(iri)

    links: dict[str, list[Link]] = {}
    for row in link_rows:
        x, p = row["x"]["value"], row["p"]["value"]
        link = Link(x, pages.local_path(x, base), label(x), kind_of(types.get(x, set())), p, label(p))
        links.setdefault(row["item"]["value"], []).append(link)
    documents: dict[str, Document] = {}
    for row in item_rows:
        doc, iri = row["doc"]["value"], row["item"]["value"]
        if doc not in documents:
            date = row.get("date", {}).get("value", "")
            documents[doc] = Document(doc, pages.local_path(doc, base), label(doc), date, compact(doc, base), [])
        position = row.get("pos", {}).get("value")
        item = Item(
            iri, pages.local_path(iri, base), label(iri), row.get("itemLabel", {}).get("value", ""),
            short(row.get("text", {}).get("value", "")), int(position) if position else None,
            row.get("parent", {}).get("value", ""),
            sorted(links.get(iri, []), key=lambda link: (link.kind, link.label.lower())),
        )  # fmt: skip
        documents[doc].items.append(item)
    for document in documents.values():
        document.items.sort(key=lambda item: (item.position is None, item.position or 0, item.iri))
    # The largest first (the Montevideo Commitment, then the Action Plan of Cuenca…), then by date and name.
    return sorted(documents.values(), key=lambda d: (-len(d.items), d.date or "9999", d.label.lower()))


@router.get("/commitments", summary="Commitments tracker: every commitment item and what addresses it (HTML)")
async def commitments_page(
    request: Request, service: ServiceDep, only: Only = "", document: DocumentFilter = ""
) -> HTMLResponse:
    if only not in ("", "unaddressed"):
        return error_page(f"only must be 'unaddressed' or absent, not {only!r}.", service)
    chosen = ""
    if document:
        try:
            chosen = expand(document, service.settings.base_iri)
        except BadParameter as error:
            return error_page(f"{error}.", service)
    languages = describe.preferred_languages(request.headers.get("accept-language"))
    documents = await tracker(service, languages)
    every = [item for d in documents for item in d.items]
    shown = [d for d in documents if not chosen or d.iri == chosen]
    html = (
        pages.environment()
        .get_template("commitments.html")
        .render(
            documents=documents,
            shown=shown,
            only=only,
            chosen=chosen,
            totals={
                "documents": len(documents),
                "items": len(every),
                "unaddressed": sum(item.unaddressed for item in every),
                "shown_items": sum(len(d.items) for d in shown),
                "shown_unaddressed": sum(d.unaddressed for d in shown),
            },
            base=service.settings.base_iri,
            release=service.release_id,
        )
    )
    return HTMLResponse(html, headers={"Vary": "Accept-Language"})
