"""The dataset's unions of named graphs: which graphs make each, and the one way a union is formed.

* ``SERVED``: every graph. The SPARQL default graph of every reader of a release (the endpoint, ``migkg stats``,
  the data tests) and of the build's graph-wide checks and search index (DESIGN.md §2, §5).
* ``ASSERTED``: every graph but the ontology, the alignments and the inferences — what curators and packages
  assert; the data SHACL validates and the reasoner's ABox is drawn from (DESIGN.md §4).

A union is formed by copying its graphs' triples into the store's default graph with one SPARQL UPDATE, rather
than asked of pyoxigraph with ``use_default_graph_as_union``: in pyoxigraph 0.5.13 that flag (like several
``FROM``) yields a triple once per graph holding it, so a fact corroborated by two excerpts is counted twice
(oxigraph issue #1919, fixed upstream by PR #1920), and it also makes pyoxigraph ignore a query's own ``FROM``.
The default graph is a set, so it holds the RDF merge: a triple stated in several graphs is there once, and
queries without the flag run on it with their ``FROM``/``FROM NAMED`` honoured. The cost is one more copy of the
distinct triples in memory, and scans of the named graphs walk past that copy too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pyoxigraph import DefaultGraph, NamedNode, Quad, Store, Triple

from server import prefixes


@dataclass(frozen=True)
class Union:
    """The named graphs of a dataset but ``excluded`` (graph IRIs)."""

    name: str
    excluded: frozenset[str] = frozenset()

    def update(self) -> str:
        """The SPARQL UPDATE that copies this union's graphs into the default graph.

        >>> SERVED.update()
        'INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }'
        """
        excluded = ", ".join(f"<{g}>" for g in sorted(self.excluded))
        keep = f" FILTER(?g NOT IN ({excluded}))" if excluded else ""
        return f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }}{keep} }}"


SERVED = Union("served")
ASSERTED = Union("asserted", frozenset({prefixes.GRAPH_ONTOLOGY, prefixes.GRAPH_ALIGNMENTS, prefixes.GRAPH_INFERRED}))


def form(store: Store, union: Union = SERVED) -> Store:
    """``store`` with ``union`` copied into its default graph (added to what the default graph already holds)."""
    store.update(union.update())
    return store


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
