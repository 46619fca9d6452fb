"""The dataset's unions of named graphs: which graphs make each, and the one way a union is formed.

* ``SERVED``: every graph. The SPARQL default graph of every reader of a release (the endpoint, ``migkg stats``,
  the data tests) and of the build's graph-wide checks and search index (DESIGN.md §2, §5).
* ``ASSERTED``: every graph but the ontology, the alignments, the inferences and the mention index — what curators
  and packages assert; the data SHACL validates and the reasoner's ABox is drawn from (DESIGN.md §4).

A union is formed by copying its graphs' triples into the store's default graph, rather than asked of pyoxigraph
with ``use_default_graph_as_union``: in pyoxigraph 0.5.13 that flag (like several ``FROM``) yields a triple once per
graph holding it, so a fact corroborated by two excerpts is counted twice (oxigraph issue #1919, fixed upstream by
PR #1920, in no release on PyPI as of 0.5.13), and it also makes pyoxigraph ignore a query's own ``FROM``. The default
graph is a set, so it holds the RDF merge: a triple stated in several graphs is there once, and queries without the
flag run on it with their ``FROM``/``FROM NAMED`` honoured. The cost is one more copy of the distinct triples in
memory, and scans of the named graphs walk past that copy too.

The copy is made in the order the named graphs hold the triples (``form``: read newest first, inserted oldest first),
so a scan of the default graph meets the triples in the order a scan of the named graphs does. That order decides the
cost of some queries: pyoxigraph 0.5.13 does not optimise the pattern of a ``FILTER (NOT) EXISTS`` — its triple
patterns are joined as written with key-less hash joins, a nested loop over their cartesian product that stops at the
first solution — so how soon the scans meet a solution is the whole cost. Catalogue query 28 (in its first form, with
FILTER NOT EXISTS; it now uses MINUS) took 17–27 s when the union was copied with one SPARQL UPDATE (``INSERT … WHERE
{ GRAPH ?g { ?s ?p ?o } }``, which inserts the triples in the reverse of that order) against 0.4–0.7 s with the union
flag, and takes the flag's time with the copy made this way (``python -m tools.bench_union`` measures every catalogue
query each way; ``tools/repro/oxigraph_union_not_exists.py`` shows the engine's side with generated data). When some
graphs change (partner graphs, while the server runs), ``replace`` updates the formed union graph by graph instead of
forming it again.

A store normalises literals as it stores them (``"-5"^^xsd:positiveInteger`` becomes ``xsd:integer``, ``"01"`` becomes
``"1"``), so what SHACL validates is selected from the parsed quads with ``Union.triples`` instead, never read back
from a store (DESIGN.md §5: validate datatypes before loading).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from pyoxigraph import DefaultGraph, NamedNode, Quad, Store, Triple

from server import prefixes


@dataclass(frozen=True)
class Union:
    """The named graphs of a dataset but ``excluded`` (graph IRIs)."""

    name: str
    excluded: frozenset[str] = frozenset()

    def withdraw(self, graph: str) -> str:
        """The SPARQL UPDATE that removes from the default graph the triples of ``graph`` no other graph of this
        union states (run before ``graph`` itself is dropped).

        >>> update = ASSERTED.withdraw("http://x/g")
        >>> update.startswith("DELETE { ?s ?p ?o } WHERE { GRAPH <http://x/g> { ?s ?p ?o } FILTER NOT EXISTS")
        True
        >>> "{ GRAPH ?h { ?s ?p ?o } FILTER(?h != <http://x/g> && ?h NOT IN (<https://w3id.org/migkg/graph/" in update
        True
        """
        others = " && ".join([f"?h != <{graph}>", *([f"?h NOT IN ({self._excluded()})"] if self.excluded else [])])
        return (
            f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} "
            f"FILTER NOT EXISTS {{ GRAPH ?h {{ ?s ?p ?o }} FILTER({others}) }} }}"
        )

    def _excluded(self) -> str:
        return ", ".join(f"<{g}>" for g in sorted(self.excluded))

    def holds(self, graph: NamedNode | DefaultGraph | object) -> bool:
        """Whether a quad in ``graph`` belongs to this union (the default graph always does)."""
        return not isinstance(graph, NamedNode) or graph.value not in self.excluded

    def triples(self, quads: Iterable[Quad]) -> list[Triple]:
        """The union's distinct triples selected from ``quads`` as parsed, lexical forms untouched (no store).

        >>> from pyoxigraph import Literal
        >>> odd = Literal("01", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
        >>> quads = [Quad(NamedNode("http://x/a"), NamedNode("http://x/p"), odd, NamedNode(g))
        ...          for g in ("http://x/g1", "http://x/g2", prefixes.GRAPH_INFERRED)]
        >>> [t.object.value for t in ASSERTED.triples(quads)]
        ['01']
        """
        kept = (Triple(q.subject, q.predicate, q.object) for q in quads if self.holds(q.graph_name))
        return list(dict.fromkeys(kept))


SERVED = Union("served")
ASSERTED = Union(
    "asserted",
    frozenset({prefixes.GRAPH_ONTOLOGY, prefixes.GRAPH_ALIGNMENTS, prefixes.GRAPH_INFERRED, prefixes.GRAPH_MENTIONS}),
)


def form(store: Store, union: Union = SERVED) -> Store:
    """``store`` with ``union`` copied into its default graph (added to what the default graph already holds), in the
    order the named graphs hold the triples: the store yields its quads newest first, so they are inserted in reverse
    (see the module doc for why the order matters).

    >>> a, p, g = NamedNode("http://x/a"), NamedNode("http://x/p"), NamedNode("http://x/g")
    >>> store = Store()
    >>> store.bulk_extend([Quad(a, p, NamedNode(f"http://x/{n}"), g) for n in "bcd"])
    >>> def scan(graph):
    ...     return [q.object.value for q in store.quads_for_pattern(a, p, None, graph)]
    >>> scan(g)
    ['http://x/d', 'http://x/c', 'http://x/b']
    >>> form(store) is store
    True
    >>> scan(DefaultGraph())
    ['http://x/d', 'http://x/c', 'http://x/b']
    """
    held = union.triples(store.quads_for_pattern(None, None, None, None))
    store.bulk_extend(_in_default_graph(reversed(held)))
    return store


def stream_into(store: Store, quads: Iterable[Quad], union: Union = SERVED) -> Store:
    """``store`` with the triples of ``union`` among ``quads`` added to its default graph as they come, never all in
    memory at once: for an on-disk store, which keeps its quads in key order whatever order they were added in, so
    the order ``form`` takes care of (and holds every triple in memory for) does not apply.

    >>> a, p, g = NamedNode("http://x/a"), NamedNode("http://x/p"), NamedNode("http://x/g")
    >>> sorted(t.object.value for t in triples(stream_into(Store(), iter([Quad(a, p, a, g), Quad(a, p, p, g)]))))
    ['http://x/a', 'http://x/p']
    """
    store.bulk_extend(Quad(q.subject, q.predicate, q.object) for q in quads if union.holds(q.graph_name))
    return store


def _in_default_graph(triples: Iterable[Triple | Quad]) -> list[Quad]:
    return [Quad(t.subject, t.predicate, t.object) for t in triples]


def replace(store: Store, old: Iterable[Quad], new: Iterable[Quad], union: Union = SERVED) -> Store:
    """``store`` with the named-graph quads ``old`` replaced by ``new``, in their graphs and in ``union`` as formed in
    the default graph, graph by graph: each graph whose quads differ is withdrawn (its triples leave the default
    graph unless another graph of the union states them, then it is dropped) and its new version added (its quads,
    then its triples into the default graph). A fact the release also states stays, once. Each step is one SPARQL
    UPDATE or bulk call, so the work follows the graphs that changed, not the store (what query workers do when
    partner graphs change; ``python -m tools.bench_partner_reload`` measures it against forming the union again).

    >>> g1, g2 = NamedNode("http://x/g1"), NamedNode("http://x/g2")
    >>> a, p, b = NamedNode("http://x/a"), NamedNode("http://x/p"), NamedNode("http://x/b")
    >>> store = of([Quad(a, p, a, g1)])
    >>> old = [Quad(a, p, a, g2), Quad(a, p, b, g2)]
    >>> len(triples(replace(store, [], old)))
    2
    >>> [t.object.value for t in triples(replace(store, old, []))]
    ['http://x/a']
    """
    before, after = _by_graph(old), _by_graph(new)
    changed = sorted(g for g in before.keys() | after.keys() if before.get(g) != after.get(g))
    for graph in (g for g in changed if g in before):
        if union.holds(NamedNode(graph)):
            store.update(union.withdraw(graph))
        store.remove_graph(NamedNode(graph))
    for graph in (g for g in changed if g in after):
        store.extend(after[graph])
        if union.holds(NamedNode(graph)):
            store.extend(_in_default_graph(after[graph]))  # in the order the graph was just added (see ``form``)
    return store


def _by_graph(quads: Iterable[Quad]) -> dict[str, frozenset[Quad]]:
    grouped: dict[str, set[Quad]] = defaultdict(set)
    for quad in quads:
        if not isinstance(quad.graph_name, NamedNode):
            raise ValueError(f"only quads in named graphs can be replaced: {quad}")
        grouped[quad.graph_name.value].add(quad)
    return {graph: frozenset(found) for graph, found in grouped.items()}


def of(quads: Iterable[Quad], union: Union = SERVED) -> Store:
    """A new in-memory store holding ``quads`` in their graphs and ``union`` in its default graph (quads given in the
    default graph stay there, in every union)."""
    store = Store()
    store.extend(quads)
    return form(store, union)


def triples(store: Store, graph: NamedNode | DefaultGraph | None = None) -> list[Triple]:
    """The triples of one graph of ``store``: by default its default graph, where the union is formed."""
    found = store.quads_for_pattern(None, None, None, graph or DefaultGraph())
    return [Triple(q.subject, q.predicate, q.object) for q in found]
