"""What the query editor (``/query``) shows of a query: a query from the form (or a catalogue query,
``?name=<stem>``) runs on the same store as the endpoint and is rendered here: SELECT as a table, ASK as yes/no,
CONSTRUCT/DESCRIBE as Turtle, each cut at ``ROW_LIMIT`` rows or triples. A query that fails re-renders the form
with the endpoint's own message and status (``errors.STATUS``); a malformed one with its explanation (the line, a
caret under the column, a hint), and one naming terms the ontology does not have with the endpoint's warnings.

Every answer comes with downloads in each format the endpoint gives for its form (``media.FORMATS``) and a link to
share the query, both made from the query's text (the page's script remakes them as the text is edited).
"""

from __future__ import annotations

import functools
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox

from server import media, prefixes
from server.media import QueryForm
from server.store.base import QuerySyntaxError, StoreError
from server.web import errors, sparql_request
from server.web.deps import Queries, Service
from server.web.rendering import local_path
from server.web.views import catalogue

ROW_LIMIT = 1000
ACCEPT = f"{media.SPARQL_JSON.media_type}, {media.N_TRIPLES.media_type}"
DEFAULT_QUERY = prefixes.sparql_header(("mig",)) + (
    "SELECT ?class (COUNT(?entity) AS ?entities) WHERE {\n"
    "  ?entity a ?class .\n"
    "  FILTER(STRSTARTS(STR(?class), STR(mig:)))\n"
    "}\n"
    "GROUP BY ?class\n"
    "ORDER BY DESC(?entities) ?class\n"
)


@dataclass(frozen=True)
class Cell:
    """One value of a solution, ready to show: ``kind`` is ``iri``, ``literal``, ``bnode``, ``triple`` or ``""``
    (unbound)."""

    kind: str = ""
    text: str = ""
    iri: str = ""  # the full IRI of an ``iri`` cell
    href: str = ""  # where an ``iri`` cell links: our page for our IRIs
    language: str = ""
    datatype: str = ""  # compact, e.g. ``xsd:integer``; empty for plain strings and language strings
    datatype_iri: str = ""


@dataclass(frozen=True)
class Answer:
    """A query's result, cut at ``ROW_LIMIT``: ``total`` counts rows (SELECT) or triples (CONSTRUCT/DESCRIBE)."""

    kind: QueryForm
    seconds: float
    total: int = 0
    variables: list[str] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    boolean: bool | None = None
    turtle: str = ""

    @property
    def shown(self) -> int:
        return len(self.rows) if self.kind == "solutions" else min(self.total, ROW_LIMIT)

    @property
    def truncated(self) -> bool:
        return self.total > self.shown


@dataclass(frozen=True)
class Download:
    """A link to the endpoint's answer to a query in one format: ``forms`` are the query forms it serves."""

    name: str
    suffix: str
    forms: tuple[str, ...]
    href: str


def downloads(query: str) -> list[Download]:
    """Every result format of the endpoint, each as a link to ``/sparql`` with ``query`` and ``format=<suffix>``.

    >>> [(d.suffix, d.forms) for d in downloads("ASK {}")][:3]
    [('srj', ('boolean', 'solutions')), ('srx', ('boolean', 'solutions')), ('csv', ('solutions',))]
    >>> downloads("ASK {}")[2].href
    '/sparql?query=ASK+%7B%7D&format=csv'
    """
    return [
        Download(f.name, f.suffix, tuple(sorted(f.forms)), "/sparql?" + urlencode({"query": query, "format": f.suffix}))
        for f in media.FORMATS
    ]


def share_link(query: str) -> str:
    """The query page with ``query`` in its address: it opens in the editor and runs.

    >>> share_link("ASK {}")
    '/query?query=ASK+%7B%7D'
    """
    return "/query?" + urlencode({"query": query})


def cell(term: dict[str, Any] | None, base: str) -> Cell:
    """A SPARQL JSON term as a ``Cell``."""
    if term is None:
        return Cell()
    kind, value = term.get("type"), term.get("value", "")
    if kind == "uri":
        return Cell("iri", prefixes.compact(value, base), value, local_path(value, base))
    if kind == "bnode":
        return Cell("bnode", f"_:{value}")
    if kind in ("literal", "typed-literal"):
        datatype = term.get("datatype", "")
        short = prefixes.compact(datatype, base) if datatype else ""
        return Cell("literal", value, language=term.get("xml:lang", ""), datatype=short, datatype_iri=datatype)
    if kind == "triple":
        parts = (
            [cell(value.get(k), base) for k in ("subject", "predicate", "object")] if isinstance(value, dict) else []
        )
        return Cell("triple", "<< " + " ".join(term_text(p) for p in parts) + " >>")
    return Cell("literal", str(value))


def term_text(c: Cell) -> str:
    """A cell as one line of SPARQL-like text (inside a quoted triple)."""
    if c.kind == "literal":
        suffix = f"@{c.language}" if c.language else f"^^{c.datatype}" if c.datatype else ""
        return json.dumps(c.text, ensure_ascii=False) + suffix
    return c.text


def solutions_answer(body: bytes, base: str, seconds: float) -> Answer:
    data = json.loads(body)
    if "boolean" in data:
        return Answer("boolean", seconds, boolean=bool(data["boolean"]))
    variables = list(data["head"].get("vars", []))
    bindings = data["results"]["bindings"]
    rows = [[cell(b.get(v), base) for v in variables] for b in bindings[:ROW_LIMIT]]
    return Answer("solutions", seconds, len(bindings), variables, rows)


def graph_answer(body: bytes, seconds: float) -> Answer:
    """N-Triples (one triple a line) cut at ``ROW_LIMIT`` triples and written as Turtle with our prefixes."""
    lines = [line for line in body.splitlines() if line.strip()]
    shown = b"\n".join(lines[:ROW_LIMIT])
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(shown, format=ox.RdfFormat.N_TRIPLES)]
    text = shown.decode("utf-8")
    used = {name: ns for name, ns in prefixes.PREFIXES.items() if f"<{ns}" in text}
    turtle = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=used) if triples else b""
    return Answer("graph", seconds, total=len(lines), turtle=(turtle or b"").decode("utf-8"))


def evaluate(service: Service, query: sparql_request.QueryRequest) -> Answer:
    """Run on the endpoint's store and shape the answer; blocking (call it in a worker thread)."""
    store = service.require_store()
    started = time.perf_counter()
    outcome = store.query(query.query, accept=ACCEPT, base_iri=service.settings.base_iri, dataset=query.dataset)
    seconds = time.perf_counter() - started
    if outcome.kind == "graph":
        return graph_answer(outcome.body, seconds)
    return solutions_answer(outcome.body, service.settings.base_iri, seconds)


async def answer_form(queries: Queries, query_string: bytes) -> tuple[dict[str, Any], int]:
    """What the page shows for its parameters, and its status: the query in the form (the default, the one sent, or
    the catalogue's ``?name=``), the catalogue entry, the query's answer, or the error that stopped it."""
    service = queries.service
    context: dict[str, Any] = {
        "query": DEFAULT_QUERY, "entry": None, "answer": None, "error": None, "diagnosis": None, "warnings": [],
    }  # fmt: skip
    try:
        params = sparql_request.parse_params(query_string)
        names = params.get("name", [])
        if names:
            entry = catalogue.find(service.settings.queries_dir, names[0])
            if entry is None:
                context["error"] = f"There is no query called {names[0]!r} in the catalogue."
                return context, 404
            context.update(entry=entry, query=entry.query)
            params = {**params, "query": [entry.query]}
        if "query" in params or "update" in params:
            context["query"] = "\n".join(params.get("query", params.get("update", [])))
            query = sparql_request.from_params(params, service.settings.max_query_bytes)
            query = await queries.federate(query)
            context["answer"] = await queries.in_thread(functools.partial(evaluate, service, query))
            context["warnings"] = await queries.warnings(context["query"])
    except QuerySyntaxError as error:
        explained = await queries.explained(context["query"], error)
        return {**context, "error": str(explained), "diagnosis": explained.diagnosis}, 400
    except StoreError as error:
        return {**context, "error": str(error)}, errors.status_for(error)
    except errors.BadRequest as error:
        return {**context, "error": str(error)}, error.status
    return context, 200
