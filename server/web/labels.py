"""How pages name things: the reader's languages, the best label of an IRI in them (or its last segment), and IRIs
put safely into the queries that look labels up."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyoxigraph as ox

from server import prefixes

if TYPE_CHECKING:
    from server.web.deps import Queries

LABEL_LANGUAGES = ("en", "es", "pt", "fr")

# Display names of the external properties pages show (ours carry rdfs:label in the ontology).
EXTERNAL_LABELS: dict[str, str] = {
    prefixes.RDFS + "label": "name",
    prefixes.RDFS + "comment": "description",
    prefixes.SKOS + "altLabel": "other name",
    prefixes.SKOS + "prefLabel": "preferred name",
    prefixes.SKOS + "definition": "definition",
    prefixes.SKOS + "notation": "code",
    prefixes.SKOS + "exactMatch": "same as",
    prefixes.SKOS + "closeMatch": "close to",
    prefixes.SKOS + "relatedMatch": "related to",
    prefixes.SKOS + "broadMatch": "broader than",
    prefixes.SKOS + "narrowMatch": "narrower than",
    prefixes.SKOS + "broader": "broader topic",
    prefixes.SKOS + "narrower": "narrower topic",
    prefixes.SKOS + "related": "related topic",
    prefixes.SKOS + "inScheme": "in scheme",
    prefixes.SKOS + "topConceptOf": "top topic of",
    prefixes.SKOS + "Concept": "concept",
    prefixes.SKOS + "ConceptScheme": "concept scheme",
    prefixes.DCTERMS + "title": "title",
    prefixes.DCTERMS + "date": "date",
    prefixes.DCTERMS + "description": "description",
    prefixes.DCTERMS + "language": "language",
    prefixes.RDF + "type": "type",
}

_HEAD = prefixes.sparql_header(("rdfs", "skos", "mig"))


def iri_ref(iri: str) -> str:
    """``<iri>`` for a SPARQL query; refuses characters that could break out of the IRI, and anything the store
    would not take as an IRI (a control character, a bad percent-encoding), so a query is never built that
    fails to parse.

    >>> iri_ref("https://w3id.org/migkg/id/country/ecu")
    '<https://w3id.org/migkg/id/country/ecu>'
    >>> iri_ref("http://x/> } DROP ALL #")
    Traceback (most recent call last):
    ...
    ValueError: not an IRI: 'http://x/> } DROP ALL #'
    >>> iri_ref("https://w3id.org/migkg/id/x\\x00.css")
    Traceback (most recent call last):
    ...
    ValueError: not an IRI: 'https://w3id.org/migkg/id/x\\x00.css'
    """
    if any(c in iri for c in '<>"{}|^`\\ \n\t'):
        raise ValueError(f"not an IRI: {iri!r}")
    try:
        ox.NamedNode(iri)
    except ValueError:
        raise ValueError(f"not an IRI: {iri!r}") from None
    return f"<{iri}>"


def iri_values(iris: Iterable[str]) -> str:
    """The IRIs of a ``VALUES`` block, each once, in order."""
    return " ".join(iri_ref(i) for i in sorted(set(iris)))


# pyoxigraph 0.5.13 changes its plan for a VALUES block of many IRIs joined with a large graph: the passages naming a
# country of the 10M-triple synthetic graph took 0.09 s with 1,000 IRIs and 88 s with 2,000 (196 s with 4,524)
VALUES_BATCH = 500


def batches(iris: Iterable[str], size: int = VALUES_BATCH) -> list[list[str]]:
    """``iris``, each once, in order, cut into lists of at most ``size``: a VALUES block each
    (``Queries.gather_joined``).

    >>> batches(["c", "a", "b", "a"], 2), batches([])
    ([['a', 'b'], ['c']], [])
    """
    ordered = sorted(set(iris))
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


# ?label stated as ?x's rdfs:label by a passage (not inferred from a display name): a printed name, even if a
# display name repeats it
_PRINTED = f"GRAPH ?_g {{ ?x rdfs:label ?label }} FILTER(?_g != {iri_ref(prefixes.GRAPH_INFERRED)})"


def labels_query(iris: Iterable[str]) -> str:
    """``?x ?label ?kind ?coined``: every name of each IRI, ``label`` (rdfs:label, skos:prefLabel) or ``alt``, and
    whether curators coined it (``mig:displayName``: the build makes each one an rdfs:label too) and no passage
    states it as a printed label."""
    return _HEAD + (
        f"SELECT ?x ?label ?kind ?coined WHERE {{ VALUES ?x {{ {iri_values(iris)} }} "
        "{ ?x rdfs:label ?label BIND('label' AS ?kind) } UNION { ?x skos:prefLabel ?label BIND('label' AS ?kind) } "
        "UNION { ?x skos:altLabel ?label BIND('alt' AS ?kind) } UNION { ?x mig:acronym ?label BIND('alt' AS ?kind) } "
        # IF rather than `EXISTS … && NOT EXISTS …`, which Virtuoso 7 cannot compile (SQ074; docs/stores.md)
        f"BIND(IF(EXISTS {{ ?x mig:displayName ?label }}, NOT EXISTS {{ {_PRINTED} }}, false) AS ?coined) }}"
    )


def is_coined(row: Mapping[str, Mapping[str, str]]) -> bool:
    """Whether a row of ``labels_query`` is a name curators coined (``mig:displayName``), not one a source prints."""
    return row.get("coined", {}).get("value") == "true"


@dataclass(frozen=True)
class Name:
    """The label a page shows for an IRI: its text and language, and whether it was coined rather than printed."""

    text: str
    language: str = ""
    coined: bool = False


def preferred_languages(accept_language: str | None, chosen: str | None = None) -> list[str]:
    """Languages to show labels in, best first: an explicit choice, then Accept-Language (q-ordered), then
    our fallback chain en → es → pt → fr.

    >>> preferred_languages("fr-CH, es;q=0.5, de;q=0.8")
    ['fr', 'de', 'es', 'en', 'pt']
    >>> preferred_languages(None, chosen="pt")
    ['pt', 'en', 'es', 'fr']
    """
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and tag != "*" and q > 0:
            ranked.append((-q, i, tag.split("-")[0].lower()))
    order = ([chosen] if chosen else []) + [tag for _, _, tag in sorted(ranked)] + list(LABEL_LANGUAGES)
    return list(dict.fromkeys(order))


def sparql_language(languages: Sequence[str]) -> str:
    """The first preferred language safe to put in a query (Accept-Language is the client's text)."""
    return next((lang for lang in languages if re.fullmatch(r"[a-z]{2,3}", lang)), "en")


def local_name(iri: str) -> str:
    """What a page shows for an IRI without a label: its last ``#`` or ``/`` segment.

    >>> local_name("https://w3id.org/migkg/def#heldIn"), local_name("https://w3id.org/migkg/id/place/cuenca/")
    ('heldIn', 'cuenca')
    """
    trimmed = iri.rstrip("/#")
    return trimmed.rsplit("#", 1)[-1] if "#" in trimmed else trimmed.rsplit("/", 1)[-1]


def humanise(iri: str) -> str:
    """A class or property without a label, named by its local name in words: the last resort, never a raw IRI.

    >>> humanise("http://www.w3.org/ns/oa#SpecificResource"), humanise("http://example.org/v/has_part")
    ('specific resource', 'has part')
    >>> humanise("http://purl.org/dc/terms/isPartOf")
    'is part of'
    """
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|[_-]+", " ", local_name(iri))
    return " ".join(words.split()).lower() or iri


def term_name(iri: str) -> str:
    """What a page calls a class or property the graph gives no label: its name here, else its local name."""
    return EXTERNAL_LABELS.get(iri) or humanise(iri)


def pick_label(labels: Sequence[tuple[str, str]], languages: Sequence[str]) -> tuple[str, str]:
    """The (text, language) of the best label for ``languages``; any label if none matches."""
    for lang in languages:
        for text, label_lang in labels:
            if label_lang == lang:
                return text, lang
    return labels[0] if labels else ("", "")


async def best_names(queries: Queries, iris: Iterable[str], languages: Sequence[str]) -> dict[str, Name]:
    """IRI → the label chosen for ``languages`` (and whether it is coined), for every IRI in ``iris`` with a label."""
    wanted = sorted(set(iris))
    if not wanted:
        return {}
    found: dict[str, list[tuple[str, str]]] = {}
    coined: set[tuple[str, str, str]] = set()
    for row in await queries.rows(labels_query(wanted)):
        if row["kind"]["value"] == "label":
            iri, text, lang = row["x"]["value"], row["label"]["value"], row["label"].get("xml:lang", "")
            found.setdefault(iri, []).append((text, lang))
            if is_coined(row):
                coined.add((iri, text, lang))
    picked = {iri: pick_label(labels, languages) for iri, labels in found.items()}
    return {iri: Name(text, lang, (iri, text, lang) in coined) for iri, (text, lang) in picked.items()}


async def best_labels(queries: Queries, iris: Iterable[str], languages: Sequence[str]) -> dict[str, tuple[str, str]]:
    """IRI → (label, language) chosen for ``languages``, for every IRI in ``iris`` that has a label."""
    return {iri: (name.text, name.language) for iri, name in (await best_names(queries, iris, languages)).items()}


async def names(queries: Queries, iris: Iterable[str], languages: Sequence[str]) -> dict[str, str]:
    """IRI → its best label for ``languages`` (the IRI's last segment when it has none)."""
    wanted = set(iris)
    found = await best_labels(queries, wanted, languages)
    return {i: found[i][0] if i in found and found[i][0] else local_name(i) for i in wanted}
