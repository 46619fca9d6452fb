"""Full-text search over a release: one SQLite FTS5 index per release, written by the build, read by the web.

Every entity (an IRI under ``/id/`` with a label) is one document with four weighted fields: its labels in
every language, its other names and acronyms, its descriptions (item texts, comments, definitions, measures;
for a discrepancy, its kind; the names of what it is about weigh as its other names) and the quotes of the
passages that state facts about it. The tokenizer folds case and removes diacritics
(``unicode61 remove_diacritics 2``), so "secretaria" finds "Secretaría". Ranking is BM25 with the label
weighted highest, scaled by a prior that grows with how connected the entity is (distinct neighbours in the
quoted facts, log-damped), so the Montevideo Commitment outranks each of its 48 paragraphs, which all name it;
an entity one of whose names (label, other name or acronym) is exactly what was typed comes first ("segib").
Type filters use the entity's classes, inferred superclasses included. Each entity records which of its labels
were coined by curators (``mig:displayName``) rather than printed by a source, so results can say so.

Partner graphs change while the server runs, so their documents are not in the release's index: for each
generation of partner graphs the web process adds them to a copy of it (``extended``), kept under the state
directory, and searches that.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import QuerySolutions, Store

from server import prefixes

WEIGHTS = (10.0, 6.0, 2.0, 1.0)  # label, other names, descriptions, quotes
MAX_QUERY_TERMS = 12

_HEAD = prefixes.sparql_header(("rdf", "rdfs", "skos", "mig", "oa", "graph"))
OURS = f'STRSTARTS(STR(?e), "{prefixes.ID}")'  # our entities; partners name theirs with their own IRIs
ANY_IRI = "isIRI(?e)"


def fields_query(scope: str = OURS) -> str:
    """``?e ?field ?text``: every text of each entity ``?e`` that satisfies ``scope`` (a SPARQL expression)."""
    return (
        _HEAD
        + f"""
SELECT ?e ?field ?text WHERE {{
  {{ ?e rdfs:label ?text BIND("label" AS ?field) }}
  UNION {{ ?e skos:prefLabel ?text BIND("label" AS ?field) }}
  UNION {{ ?e skos:altLabel|mig:acronym ?text BIND("alt" AS ?field) }}
  UNION {{ ?e mig:displayName ?text BIND("coined" AS ?field)
           FILTER NOT EXISTS {{ GRAPH ?printed {{ ?e rdfs:label ?text }} FILTER(?printed != graph:inferred) }} }}
  UNION {{ ?e mig:text|rdfs:comment|skos:definition|mig:measure ?text BIND("description" AS ?field) }}
  UNION {{ ?e mig:discrepancyAbout/(rdfs:label|skos:altLabel|mig:acronym) ?text BIND("about" AS ?field) }}
  UNION {{ ?e mig:discrepancyKind ?kind BIND(CONCAT(?kind, " discrepancy: the sources disagree") AS ?text)
           BIND("description" AS ?field) }}
  UNION {{ GRAPH ?g {{ ?e ?p ?o }} GRAPH graph:provenance {{ ?g oa:hasSelector [ oa:exact ?text ] }}
           BIND("quote" AS ?field) }}
  FILTER({scope})
}}"""
    )


LINKS_QUERY = (
    _HEAD
    + f"""
SELECT ?e (COUNT(DISTINCT ?x) AS ?n) WHERE {{
  GRAPH ?g {{ {{ ?e ?p ?x }} UNION {{ ?x ?q ?e }} }}
  FILTER(STRSTARTS(STR(?g), "{prefixes.EXCERPT}") && isIRI(?x) && STRSTARTS(STR(?x), "{prefixes.ID}"))
}} GROUP BY ?e"""
)


def types_query(scope: str = OURS) -> str:
    """``?e ?type``: the classes (ours) of each entity that satisfies ``scope``."""
    return (
        _HEAD
        + f"""
SELECT DISTINCT ?e ?type WHERE {{
  ?e a ?type FILTER(({scope}) && STRSTARTS(STR(?type), STR(mig:)))
}}"""
    )


SCHEMA = """
CREATE TABLE entity (
  id INTEGER PRIMARY KEY, iri TEXT UNIQUE NOT NULL, labels TEXT NOT NULL, prior REAL NOT NULL, names TEXT NOT NULL,
  coined TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE entity_type (id INTEGER NOT NULL REFERENCES entity(id), type TEXT NOT NULL);
CREATE INDEX entity_type_by_type ON entity_type(type);
CREATE INDEX entity_type_by_id ON entity_type(id);
CREATE VIRTUAL TABLE document USING fts5(label, alt, description, quote, tokenize='unicode61 remove_diacritics 2');
"""


@dataclass
class Document:
    iri: str
    labels: dict[str, str] = field(default_factory=dict)  # language -> label
    fields: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    types: set[str] = field(default_factory=set)
    links: int = 0  # distinct entities it shares a quoted fact with

    @property
    def coined(self) -> list[str]:
        """Its names that curators coined (``mig:displayName``; each is also among its labels), not printed."""
        return sorted(set(self.fields.get("coined", [])))

    @property
    def prior(self) -> float:
        """The ranking prior: 1 for an isolated entity, growing with the log of its links."""
        return 1.0 + math.log1p(self.links)


def fold(text: str) -> str:
    """A name folded as the tokenizer folds it: case and accents dropped, spaces collapsed.

    >>> fold("Secretaría  General")
    'secretaria general'
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def names_column(doc: Document) -> str:
    """Every name of the entity, folded, one per line and framed by newlines, for an exact-name lookup."""
    names = dict.fromkeys(fold(n) for f in ("label", "alt") for n in doc.fields.get(f, []))
    return "\n" + "\n".join(n for n in names if n) + "\n"


def documents(store: Store, scope: str = OURS, *, unlabelled: bool = False) -> list[Document]:
    """One document per labelled entity (``scope``: which IRIs are entities; ``unlabelled``: entities without a
    label too), from a store holding the release's named graphs and, in its default graph, their union
    (``server.unions.SERVED``); a text stated in several graphs is kept once. Over a store of partner graphs alone,
    ``scope=ANY_IRI, unlabelled=True``: their own things, and the texts they add to ours (``extended``).
    """
    docs: dict[str, Document] = {}
    fields = store.query(fields_query(scope))
    assert isinstance(fields, QuerySolutions)
    for row in fields:
        iri, name, text = row["e"].value, row["field"].value, row["text"]
        doc = docs.setdefault(iri, Document(iri))
        doc.fields[name].append(text.value)
        if name == "label":
            doc.labels.setdefault(getattr(text, "language", None) or "", text.value)
    links = store.query(LINKS_QUERY)
    assert isinstance(links, QuerySolutions)
    for row in links:
        if row["e"].value in docs:
            docs[row["e"].value].links = int(row["n"].value)
    types = store.query(types_query(scope))
    assert isinstance(types, QuerySolutions)
    for row in types:
        if row["e"].value in docs:
            docs[row["e"].value].types.add(row["type"].value)
    return sorted((d for d in docs.values() if d.labels or unlabelled), key=lambda d: d.iri)


def write_index(docs: Iterable[Document], path: Path) -> None:
    """Write the index to ``path`` (a new file)."""
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA)
        for i, doc in enumerate(docs, start=1):
            _insert(db, i, doc)
    db.close()


def _insert(db: sqlite3.Connection, i: int, doc: Document) -> None:
    labels, coined = json.dumps(doc.labels, ensure_ascii=False), json.dumps(doc.coined, ensure_ascii=False)
    db.execute(
        "INSERT INTO entity VALUES (?, ?, ?, ?, ?, ?)", (i, doc.iri, labels, doc.prior, names_column(doc), coined)
    )
    db.executemany("INSERT INTO entity_type VALUES (?, ?)", [(i, t) for t in sorted(doc.types)])
    texts = ["\n".join(dict.fromkeys(_column(doc, f))) for f in _FIELDS]
    db.execute("INSERT INTO document(rowid, label, alt, description, quote) VALUES (?, ?, ?, ?, ?)", (i, *texts))


_FIELDS = ("label", "alt", "description", "quote")


def _column(doc: Document, name: str) -> list[str]:
    """The texts of one column: what a discrepancy is about weighs as another name of it (in ``alt``), but is not
    one of its names for the exact-name lookup (``names_column``)."""
    return [*doc.fields.get(name, []), *(doc.fields.get("about", []) if name == "alt" else [])]


def extended(index: Path, docs: Iterable[Document]) -> bytes:
    """The index at ``index`` with ``docs`` added, as a database image (``sqlite3.Connection.serialize``): a
    document about an entity already there adds its names, texts and types to the entity's; one about another
    entity is added if it has a label."""
    with sqlite3.connect(":memory:") as db:
        with sqlite3.connect(f"file:{index}?mode=ro", uri=True) as source:
            source.backup(db)
        source.close()
        last: int = db.execute("SELECT COALESCE(MAX(id), 0) FROM entity").fetchone()[0]
        for doc in docs:
            found = db.execute("SELECT id, labels FROM entity WHERE iri = ?", [doc.iri]).fetchone()
            if found is None and doc.labels:
                last += 1
                _insert(db, last, doc)
            elif found is not None:
                _merge(db, found[0], json.loads(found[1]), doc)
        db.commit()  # FTS5 writes the terms it holds pending at the commit: before the image is taken
        image = db.serialize()
    db.close()
    return image


def _merge(db: sqlite3.Connection, i: int, labels: dict[str, str], doc: Document) -> None:
    """Add ``doc``'s texts to the indexed entity ``i`` (whose labels are ``labels``)."""
    row = db.execute("SELECT label, alt, description, quote FROM document WHERE rowid = ?", [i]).fetchone()
    for field_name, text in zip(_FIELDS, row, strict=True):
        doc.fields[field_name] = [*text.split("\n"), *doc.fields.get(field_name, [])]
    texts = ["\n".join(t for t in dict.fromkeys(doc.fields[f]) if t) for f in _FIELDS]
    db.execute("DELETE FROM document WHERE rowid = ?", [i])
    db.execute("INSERT INTO document(rowid, label, alt, description, quote) VALUES (?, ?, ?, ?, ?)", (i, *texts))
    merged = {**doc.labels, **labels}
    db.execute(
        "UPDATE entity SET labels = ?, names = ? WHERE id = ?",
        [json.dumps(merged, ensure_ascii=False), names_column(doc), i],
    )
    known = {t for (t,) in db.execute("SELECT type FROM entity_type WHERE id = ?", [i])}
    db.executemany("INSERT INTO entity_type VALUES (?, ?)", [(i, t) for t in sorted(doc.types - known)])


def match_expression(query: str) -> str | None:
    """The FTS5 expression for a user's words: every word must match, as a prefix. None when there are none.

    Words are quoted, so FTS5 operators and punctuation in the input are taken literally.
    """
    words = re.findall(r"\w+", query)[:MAX_QUERY_TERMS]
    return " ".join(f'"{w}"*' for w in words) or None


@dataclass(frozen=True)
class Hit:
    iri: str
    labels: Mapping[str, str]
    types: Sequence[str]
    snippet: str
    coined: frozenset[str] = frozenset()  # which of its labels curators coined (mig:displayName)


@dataclass(frozen=True)
class Results:
    total: int
    hits: list[Hit]
    type_counts: dict[str, int]


def search(path: Path, query: str, type_filter: str | None = None, limit: int = 20, offset: int = 0) -> Results:
    """Ranked hits for ``query`` (optionally only entities of ``type_filter``), with per-type counts."""
    expression = match_expression(query)
    if expression is None:
        return Results(0, [], {})
    weights = ", ".join(str(w) for w in WEIGHTS)
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        where = "document MATCH ?" + (
            " AND document.rowid IN (SELECT id FROM entity_type WHERE type = ?)" if type_filter else ""
        )
        params: list[object] = [expression, *([type_filter] if type_filter else [])]
        total = db.execute(f"SELECT COUNT(*) FROM document WHERE {where}", params).fetchone()[0]
        rows = db.execute(
            f"SELECT e.iri, e.labels, snippet(document, -1, char(2), char(3), ' … ', 16), e.id, e.coined FROM document "
            f"JOIN entity e ON e.id = document.rowid WHERE {where} "
            f"ORDER BY instr(e.names, ?) > 0 DESC, bm25(document, {weights}) * e.prior LIMIT ? OFFSET ?",
            [*params, "\n" + fold(query) + "\n", limit, offset],
        ).fetchall()
        counts = dict(
            db.execute(
                "SELECT t.type, COUNT(*) FROM document JOIN entity_type t ON t.id = document.rowid "
                "WHERE document MATCH ? GROUP BY t.type",
                [expression],
            ).fetchall()
        )
        hits = [
            Hit(iri, json.loads(labels), [t for (t,) in db.execute("SELECT type FROM entity_type WHERE id = ?", [i])],
                snippet, frozenset(json.loads(coined)))
            for iri, labels, snippet, i, coined in rows
        ]  # fmt: skip
    db.close()
    return Results(total, hits, counts)
