"""How a graph is cut into requests when it is published into a remote store (``server.store.remote.parts``): parts
of about the size asked, every triple once, and a blank node's triples in one part — or the whole graph in one part
when a blank node cannot be kept one node across parts."""

from __future__ import annotations

import pyoxigraph as ox

from server.store.remote import Part, parts

G = ox.NamedNode("http://x.example/g")
P, Q = ox.NamedNode("http://x.example/p"), ox.NamedNode("http://x.example/q")


def iri(n: int) -> ox.NamedNode:
    return ox.NamedNode(f"http://x.example/s{n}")


def store_of(triples: list[ox.Triple]) -> ox.Store:
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object, G) for t in triples)
    return store


def selectors(n: int) -> list[ox.Triple]:
    """``n`` subjects, each with a blank node (a selector) describing it by two triples."""
    found = []
    for i in range(n):
        node = ox.BlankNode(f"b{i}")
        found += [ox.Triple(iri(i), P, node), ox.Triple(node, Q, ox.Literal(f"exact {i}")),
                  ox.Triple(node, P, ox.Literal(f"prefix {i}"))]  # fmt: skip
    return found


def blank_nodes_of(part: Part) -> set[ox.BlankNode]:
    return {term for t in part.triples for term in (t.subject, t.object) if isinstance(term, ox.BlankNode)}


def test_cut_a_graph_into_parts_of_about_the_size_asked_each_triple_once() -> None:
    triples = [ox.Triple(iri(i), P, ox.Literal(str(i))) for i in range(10)]
    cut = list(parts(store_of(triples), G, 4))
    assert [len(p.triples) for p in cut] == [4, 4, 2]
    assert [p.replace for p in cut] == [True, False, False]
    assert sorted(map(str, (t for p in cut for t in p.triples))) == sorted(map(str, triples))


def test_keep_each_blank_node_with_its_referrer_in_one_part() -> None:
    cut = list(parts(store_of(selectors(5)), G, 2))
    assert len(cut) > 1
    assert sum(len(p.triples) for p in cut) == 15
    seen = [blank_nodes_of(p) for p in cut]
    assert all(not (a & b) for i, a in enumerate(seen) for b in seen[i + 1 :])  # no blank node in two parts
    for part in cut:  # and each blank node's referrer and descriptions in its part
        for node in blank_nodes_of(part):
            assert sum(1 for t in part.triples if node in (t.subject, t.object)) == 3


def test_send_the_whole_graph_at_once_when_two_referrers_share_a_blank_node() -> None:
    shared = ox.BlankNode("shared")
    triples = [ox.Triple(iri(i), P, ox.Literal(str(i))) for i in range(6)]
    triples += [ox.Triple(iri(0), Q, shared), ox.Triple(iri(5), Q, shared), ox.Triple(shared, P, ox.Literal("x"))]
    cut = list(parts(store_of(triples), G, 2))
    assert cut[-1].replace and len(cut[-1].triples) == 9


def test_send_the_whole_graph_at_once_when_blank_nodes_only_refer_to_each_other() -> None:
    a, b = ox.BlankNode("a"), ox.BlankNode("b")
    triples = [ox.Triple(iri(i), P, ox.Literal(str(i))) for i in range(4)] + [ox.Triple(a, P, b), ox.Triple(b, P, a)]
    cut = list(parts(store_of(triples), G, 2))
    assert cut[-1].replace and len(cut[-1].triples) == 6


def test_put_an_empty_graph_as_one_empty_part_that_replaces() -> None:
    assert list(parts(ox.Store(), G, 2)) == [Part([], True)]
