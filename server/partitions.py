"""The VoID class and property partitions of what a store serves, as a named graph it serves too.

Which classes and properties the data uses, how many entities each class has, how many triples each property,
and which properties the instances of each class use: the store computes these with three SPARQL UPDATEs over its
union default graph into ``graph/void`` (``prefixes.GRAPH_VOID``) when it loads a release and again whenever the
partner graphs it follows change (``server.store.embedded``), so a client discovers the vocabulary with plain
SPARQL (``GRAPH <…/graph/void> { ?part void:class ?c ; void:entities ?n }``) and the answer always counts what the
same query would count. Computed rather than written by the build: the partner graphs, which change while the
server runs, are counted too; at this release's size the three updates take about 35 ms.

The graph is added after the union is formed and never joins it: the description of the data is not part of the
data it counts (else each refresh would count its own previous counts). ``/.well-known/void`` publishes the same
triples, and ``/def`` shows them per term.

Partition IRIs are stable: ``<dataset>#class-<md5 of the class IRI>`` and, for the properties used by a class's
instances, ``…#class-<md5>-property-<md5 of the property IRI>``; a property partition of the whole dataset is
``<dataset>#property-<md5>``.
"""

from __future__ import annotations

from typing import Final

import pyoxigraph as ox

from server import prefixes

_HEAD: Final = prefixes.sparql_header(("void",))
_DATASET: Final = f"<{prefixes.DATASET}>"


def _part(kind: str, term: str) -> str:
    return f'IRI(CONCAT("{prefixes.DATASET}#{kind}-", MD5(STR({term}))))'


def updates(into: str = prefixes.GRAPH_VOID) -> tuple[str, ...]:
    """The three updates that count the partitions into the graph ``into`` (``graph/void``, or a graph a remote
    store counts in before it moves the counts into place)."""
    graph = f"GRAPH <{into}>"
    return (
        _HEAD + f"INSERT {{ {graph} {{ {_DATASET} a void:Dataset ; void:classPartition ?part . "
        "?part void:class ?c ; void:entities ?n } } "
        "WHERE { { SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c } "
        f"BIND({_part('class', '?c')} AS ?part) }}",
        _HEAD + f"INSERT {{ {graph} {{ {_DATASET} void:propertyPartition ?part . "
        "?part void:property ?p ; void:triples ?n } } "
        "WHERE { { SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p } "
        f"BIND({_part('property', '?p')} AS ?part) }}",
        _HEAD + f"INSERT {{ {graph} {{ ?classPart void:propertyPartition ?part . "
        "?part void:property ?p ; void:triples ?n } } "
        "WHERE { { SELECT ?c ?p (COUNT(*) AS ?n) WHERE { ?s a ?c ; ?p ?o } GROUP BY ?c ?p } "
        f"BIND({_part('class', '?c')} AS ?classPart) "
        f'BIND(IRI(CONCAT(STR(?classPart), "-property-", MD5(STR(?p)))) AS ?part) }}',
    )


UPDATES: Final = updates()


def refresh(store: ox.Store) -> ox.Store:
    """``store`` with ``graph/void`` computed again from its default graph (the union it serves).

    >>> a, c, p = (ox.NamedNode(f"http://x/{n}") for n in "acp")
    >>> store = ox.Store()
    >>> store.extend([ox.Quad(a, ox.NamedNode(prefixes.RDF + "type"), c), ox.Quad(a, p, a)])
    >>> q = prefixes.sparql_header(("void",)) + f"SELECT ?n {{ GRAPH <{prefixes.GRAPH_VOID}> {{ "
    >>> q += "?x void:class <http://x/c> ; void:entities ?n } }"
    >>> [row["n"].value for row in refresh(store).query(q)]
    ['1']
    >>> [row["n"].value for row in refresh(store).query(q)]  # computed again, not added to
    ['1']
    """
    store.update(f"DROP SILENT GRAPH <{prefixes.GRAPH_VOID}>")
    for update in UPDATES:
        store.update(update)
    return store
