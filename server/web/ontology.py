"""The ontology at its namespace IRI: ``/def`` (and the version IRI ``/def/<version>``) negotiates HTML
documentation of every class and property, or the ontology graph as Turtle, N-Triples, JSON-LD or RDF/XML."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from server import media, prefixes
from server.web import pages
from server.web.describe import Row, pick_label, preferred_languages
from server.web.linked_data import alternates, choose, rows, run, serialize_document, split_suffix
from server.web.state import ServiceDep

router = APIRouter()

GRAPH_QUERY = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{prefixes.GRAPH_ONTOLOGY}> {{ ?s ?p ?o }} }}"
TERMS_QUERY = (
    prefixes.sparql_header(("rdf", "rdfs", "owl"))
    + f"""
SELECT ?term ?kind ?p ?o WHERE {{ GRAPH <{prefixes.GRAPH_ONTOLOGY}> {{
  VALUES ?kind {{ owl:Class owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty owl:NamedIndividual }}
  ?term a ?kind . ?term ?p ?o .
  FILTER(STRSTARTS(STR(?term), "{prefixes.MIG}"))
}} }}"""
)
KINDS = {
    prefixes.OWL + "Class": "Classes",
    prefixes.OWL + "ObjectProperty": "Object properties",
    prefixes.OWL + "DatatypeProperty": "Datatype properties",
    prefixes.OWL + "AnnotationProperty": "Annotation properties",
    prefixes.OWL + "NamedIndividual": "Individuals",
}


@dataclass
class TermDoc:
    iri: str
    name: str
    label: str = ""
    comment: str = ""
    links: dict[str, list[str]] = field(default_factory=dict)  # "subclass of", "domain", … → local names


def local(iri: str) -> str:
    return iri.removeprefix(prefixes.MIG) if iri.startswith(prefixes.MIG) else iri


Binding = Mapping[str, str]


def _text(props: Mapping[str, list[Binding]], predicate: str, languages: list[str]) -> str:
    values = [(o["value"], o.get("xml:lang", "")) for o in props.get(predicate, []) if o["type"] == "literal"]
    return pick_label(values, languages)[0]


def term_docs(term_rows: list[Row], languages: list[str]) -> dict[str, list[TermDoc]]:
    """Terms grouped by kind, each with its label and comment in the best language and its axioms."""
    by_term: dict[tuple[str, str], dict[str, list[Binding]]] = defaultdict(lambda: defaultdict(list))
    for row in term_rows:
        by_term[(row["kind"]["value"], row["term"]["value"])][row["p"]["value"]].append(row["o"])
    relations = {prefixes.RDFS + "subClassOf": "subclass of", prefixes.RDFS + "subPropertyOf": "subproperty of",
                 prefixes.RDFS + "domain": "domain", prefixes.RDFS + "range": "range",
                 prefixes.OWL + "inverseOf": "inverse of", prefixes.RDF + "type": "type"}  # fmt: skip
    grouped: dict[str, list[TermDoc]] = {title: [] for title in KINDS.values()}
    for (kind, iri), props in by_term.items():
        links = {
            name: sorted(local(o["value"]) for o in props.get(p, []) if o["type"] == "uri"
                         and o["value"] not in KINDS and not o["value"].startswith(prefixes.OWL))
            for p, name in relations.items()
        }  # fmt: skip
        label, comment = (
            _text(props, prefixes.RDFS + "label", languages),
            _text(props, prefixes.RDFS + "comment", languages),
        )
        doc = TermDoc(iri, local(iri), label, comment, {k: v for k, v in links.items() if v})
        grouped[KINDS[kind]].append(doc)
    for docs in grouped.values():
        docs.sort(key=lambda d: d.name.lower())
    return grouped


@router.get("/def", summary="The migkg ontology: HTML documentation or RDF")
@router.get("/def{rest:path}", summary="The ontology by version IRI or with a format suffix")
async def ontology(
    request: Request,
    service: ServiceDep,
    rest: str = "",
    lang: Annotated[str | None, Query(pattern="^[a-z]{2,3}$")] = None,
) -> Response:
    _, suffix = split_suffix("def" + rest)
    fmt = choose(request.headers.get("accept"), suffix)
    doc_url = str(request.url_for("ontology"))
    headers = {"Vary": "Accept, Accept-Language", "Link": alternates(doc_url)}
    if fmt is not None:
        ntriples = await run(service, GRAPH_QUERY, media.N_TRIPLES.media_type)
        body = serialize_document(ntriples, fmt, str(request.url_for("context")))
        return Response(body, headers={**headers, "Content-Type": media.content_type(fmt.media_type)})
    languages = preferred_languages(request.headers.get("accept-language"), lang)
    groups = term_docs(await rows(service, TERMS_QUERY), languages)
    html = (
        pages.environment()
        .get_template("ontology.html")
        .render(groups=groups, release=service.release_id, namespace=prefixes.MIG, doc_url=doc_url, lang=languages[0])
    )
    return HTMLResponse(html, headers=headers)
