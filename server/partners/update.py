"""SPARQL Update for partners: the Protocol's dataset parameters written into the text, evaluation on a scratch
copy of what is served, and what the update changed, graph by graph, with literals as the partner wrote them.

An update is judged by its effect, not its text: it runs on a scratch store holding the served dataset (the
release, every partner graph and their descriptions, the union of all of them in the default graph, as the
endpoint shows it), and the quads that differ afterwards say which graphs it changed. ``INSERT { GRAPH ?g … }``,
``CLEAR ALL``, ``DELETE WHERE { ?s ?p ?o }`` and a write into the default graph are then refused like any other
write outside the partner's own graphs (``rules.authorise``), whatever their syntax. Nothing here imports the
pipeline: gating and committing the result is ``writer``'s.

A store normalises literals (``"5"^^xsd:positiveInteger`` becomes ``"5"^^xsd:integer``, ``"1"^^xsd:boolean``
becomes ``"true"``, DESIGN §5), so the changed graphs' triples are given back with the lexical forms the partner
wrote: the stored triples an update left alone keep theirs, and a literal it inserts takes the form it has in
the update's text (or in the partner's graphs, for a value copied from there) when one normalises to it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import pyoxigraph as ox

from server import prefixes, unions
from server.store import sparql_text
from server.store.sparql_text import Token

_SUBJECT: Final = "urn:x-migkg:literal:"
_VALUE: Final = ox.NamedNode("urn:x-migkg:value")
_DATASET_CLAUSES: Final = frozenset({"USING", "WITH"})


class DatasetClash(ValueError):
    """``using-graph-uri``/``using-named-graph-uri`` given for an update with its own USING or WITH (HTTP 400)."""


@dataclass
class Change:
    """What an update did to one graph, quads as the store holds them (normalised literals)."""

    added: set[ox.Quad] = field(default_factory=set)
    removed: set[ox.Quad] = field(default_factory=set)


# --- the Protocol's dataset parameters ---------------------------------------------------------------------


def _significant(update: str) -> list[tuple[Token, int]]:
    """The tokens that are not space or comments, each with the brace depth it stands at."""
    out: list[tuple[Token, int]] = []
    depth = 0
    for token in sparql_text.tokens(update):
        if token.kind in ("space", "comment"):
            continue
        if token.text == "}":
            depth -= 1
        out.append((token, depth))
        if token.text == "{":
            depth += 1
    return out


def _block_end(tokens: list[tuple[Token, int]], start: int) -> int:
    """The index of the ``}`` closing the ``{`` at ``start``."""
    depth = tokens[start][1]
    for i in range(start + 1, len(tokens)):
        if tokens[i][0].text == "}" and tokens[i][1] == depth:
            return i
    return len(tokens) - 1


def with_dataset(update: str, using: Sequence[str], using_named: Sequence[str]) -> str:
    """``update`` with ``USING <g>`` for each ``using-graph-uri`` and ``USING NAMED <g>`` for each
    ``using-named-graph-uri`` written into every operation that has a WHERE clause (SPARQL 1.1 Protocol §2.2.3);
    ``DELETE WHERE { P }``, which cannot carry USING, is written ``DELETE { P } USING … WHERE { P }``.

    >>> with_dataset("DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", ["http://g"], [])
    'DELETE { ?s ?p ?o } USING <http://g> WHERE { ?s ?p ?o }'
    >>> with_dataset("DELETE WHERE { ?s ?p ?o }", [], ["http://n"])
    'DELETE { ?s ?p ?o } USING NAMED <http://n> WHERE { ?s ?p ?o }'
    >>> try:
    ...     with_dataset("WITH <http://a> DELETE WHERE { ?s ?p ?o }", ["http://g"], [])
    ... except DatasetClash as clash:
    ...     print(str(clash)[:40])
    The update has its own WITH clause: it c
    """
    if not using and not using_named:
        return update
    tokens = _significant(update)
    own = next((t.text.upper() for t, depth in tokens if depth == 0 and t.text.upper() in _DATASET_CLAUSES), None)
    if own is not None:
        raise DatasetClash(
            f"The update has its own {own} clause: it cannot be combined with the using-graph-uri / "
            "using-named-graph-uri parameters (SPARQL 1.1 Protocol §2.2.3)."
        )
    clause = " ".join([*(f"USING <{g}>" for g in using), *(f"USING NAMED <{g}>" for g in using_named)])
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) in the text
    for i, (token, depth) in enumerate(tokens):
        if depth != 0 or token.text.upper() != "WHERE":
            continue
        previous = tokens[i - 1][0].text.upper() if i else ""
        if previous == "DELETE" and i + 1 < len(tokens) and tokens[i + 1][0].text == "{":
            end = _block_end(tokens, i + 1)
            pattern = update[tokens[i + 1][0].start : tokens[end][0].end]
            edits.append((token.start, token.end, f"{pattern} {clause} WHERE"))
        else:
            edits.append((token.start, token.start, f"{clause} "))
    for start, end, text in reversed(edits):
        update = update[:start] + text + update[end:]
    return update


# --- the literals an update writes, as written --------------------------------------------------------------


def _datatype_follows(following: list[Token]) -> bool:
    """``^^`` and an IRI or prefixed name: a literal's datatype."""
    return (
        len(following) == 3 and following[0].text == following[1].text == "^" and following[2].kind in ("iri", "pname")
    )


def written_literals(update: str, base_iri: str | None = None) -> list[ox.Literal]:
    """The typed and language-tagged literals of ``update``'s text as written (read by pyoxigraph's Turtle parser
    with the update's prologue, so escapes, prefixes and relative datatype IRIs mean what they mean there).

    >>> [str(x) for x in written_literals('PREFIX x: <http://www.w3.org/2001/XMLSchema#> '
    ...     'INSERT DATA { <a:s> <a:p> "05"^^x:positiveInteger, "s", 5 }')]
    ['"05"^^<http://www.w3.org/2001/XMLSchema#positiveInteger>']
    """
    tokens = [t for t, _ in _significant(update)]
    prologue = [prefixes.turtle_header(base=base_iri or prefixes.BASE)]  # predeclared; the update's win
    found: list[str] = []
    for i, token in enumerate(tokens):
        word = token.text.upper() if token.kind == "word" else ""
        following = tokens[i + 1 : i + 4]
        if word == "PREFIX" and len(following) >= 2 and following[0].kind == "pname" and following[1].kind == "iri":
            prologue.append(f"PREFIX {following[0].text} {following[1].text}\n")
        elif word == "BASE" and following and following[0].kind == "iri":
            prologue.append(f"BASE {following[0].text}\n")
        elif token.kind == "string" and following and following[0].kind == "lang":
            found.append(update[token.start : following[0].end])
        elif token.kind == "string" and _datatype_follows(following):
            found.append(update[token.start : following[2].end])
    literals: list[ox.Literal] = []
    for text in found:
        document = "".join(prologue) + f"<{_SUBJECT}> <{_VALUE.value}> {text} .\n"
        try:
            quads = list(ox.parse(document, format=ox.RdfFormat.TURTLE, base_iri=base_iri))
        except SyntaxError:
            continue  # not something Turtle reads the same way: its stored form is kept
        literals += [q.object for q in quads if isinstance(q.object, ox.Literal)]
    return literals


def normalised(literals: Iterable[ox.Literal]) -> dict[ox.Literal, ox.Literal]:
    """Each literal → the form a pyoxigraph store gives it back in (itself when the store keeps it as it is)."""
    chosen = list(dict.fromkeys(literals))
    store = ox.Store()
    store.extend(ox.Quad(ox.NamedNode(f"{_SUBJECT}{i}"), _VALUE, lit) for i, lit in enumerate(chosen))
    return {chosen[int(q.subject.value[len(_SUBJECT) :])]: q.object for q in store}  # type: ignore[misc]


# --- evaluation on a scratch copy ------------------------------------------------------------------------------


def _lines(store: ox.Store) -> set[bytes]:
    return set((ox.serialize(store, format=ox.RdfFormat.N_QUADS) or b"").splitlines())


def evaluate(update: str, served: Iterable[ox.Quad], base_iri: str | None = None) -> dict[str | None, Change]:
    """Run ``update`` on a scratch store of ``served`` (the union of its graphs in the default graph, as the
    endpoint has it, and the endpoint's predeclared prefixes) and say what changed in each graph (None: the default
    graph). Raises SyntaxError (the update does not parse) and RuntimeError or OSError (evaluation failed), as
    pyoxigraph does."""
    scratch = unions.of(served)
    before = _lines(scratch)
    scratch.update(update, base_iri=base_iri, prefixes=prefixes.namespaces(base_iri or prefixes.BASE))
    after = _lines(scratch)
    changes: defaultdict[str | None, Change] = defaultdict(Change)
    for lines, added in ((after - before, True), (before - after, False)):
        for quad in ox.parse(b"\n".join(lines), format=ox.RdfFormat.N_QUADS):
            name = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else None
            (changes[name].added if added else changes[name].removed).add(quad)
    return dict(changes)


def _with_object(triple: ox.Triple, forms: Mapping[ox.Literal, ox.Literal]) -> ox.Triple:
    """``triple`` with its literal object replaced by its form in ``forms`` (when it has one there)."""
    if isinstance(triple.object, ox.Literal) and triple.object in forms:
        return ox.Triple(triple.subject, triple.predicate, forms[triple.object])
    return triple


def contents_after(stored: Sequence[ox.Triple], change: Change, written: Sequence[ox.Literal] = ()) -> list[ox.Triple]:
    """A changed graph's triples after the update, literals as written: ``stored`` (the graph as committed, as the
    partner wrote it) without what the update removed, plus what it added, each added literal in the form of
    ``written`` (the update's own literals) or of ``stored`` that normalises to it."""
    originals = [*(t.object for t in stored if isinstance(t.object, ox.Literal)), *written]
    forms = normalised(originals)
    back = {forms[original]: original for original in originals}  # the update's own forms come last and win
    removed = {q.triple for q in change.removed}
    kept = [t for t in stored if _with_object(t, forms) not in removed]
    added = [_with_object(q.triple, back) for q in change.added]
    return list(dict.fromkeys([*kept, *added]))
