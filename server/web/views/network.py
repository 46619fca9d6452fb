"""What the network shows (``/network?focus=<IRI>``, ``/api/network``): the organisations around an entity —
memberships (member, observer), direct sub-organisations and parents, co-organisers of the same events,
implementers and partners of the same practices; for an event or a practice the agents involved, for a country
its government bodies. Depth 1 by default; ``depth=2`` also takes the neighbours' neighbours, up to ``NODE_CAP`` nodes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from server import prefixes
from server.web import focus
from server.web.deps import Queries, Row
from server.web.i18n import N_
from server.web.labels import iri_values, names
from server.web.rendering import local_path

NODE_CAP = 80
_HEAD = prefixes.sparql_header(("mig", "rdfs"))
MIG = prefixes.MIG

# Agents that organise an event together are co-organisers; participants are not.
ORGANISING = ("organisedBy", "hostedBy", "chairedBy", "coChairedBy", "collaborator", "supportedBy")
# How an event or a practice involves an agent (edges from the event or practice to the agent).
INVOLVES = (*ORGANISING, "participant", "convenedUnder", "implementedBy", "partner", "promotedBy", "presentedBy")
PRACTISING = ("implementedBy", "partner")

CO_ORGANISER = "co-organiser"
PRACTICE_PARTNER = "practice-partner"
# Relations that are not one property: key → (label, directed).
SYNTHETIC = {
    CO_ORGANISER: (N_("organised events together with"), False),
    PRACTICE_PARTNER: (N_("carries out the same practices as"), False),
}
# A membership's role → the property that states it (its label names the edge).
ROLE_RELATION = {MIG + "roleMember": MIG + "memberOf", MIG + "roleObserver": MIG + "observerOf"}
KINDS = (("event", "Event"), ("practice", "Practice"), ("country", "Country"), ("government", "GovernmentBody"),
         ("organisation", "Organisation"), ("person", "Person"), ("place", "Place"))  # fmt: skip


def _values(names: Iterable[str]) -> str:
    return " ".join(f"mig:{n}" for n in names)


def _direct(child: str, parent: str) -> str:
    """No organisation stands between ``child`` and ``parent`` (the sub-organisation closure is materialised)."""
    return (
        f"FILTER NOT EXISTS {{ {child} mig:subOrganisationOf ?mid . ?mid mig:subOrganisationOf {parent} "
        f"FILTER(?mid != {child} && ?mid != {parent}) }}"
    )


def edges_query(frontier: Iterable[str]) -> str:
    """Edges ``?a ?rel ?b`` touching any entity of ``frontier``; ``?via`` is the event or practice they share."""
    return _HEAD + (
        f"SELECT DISTINCT ?a ?rel ?b ?via WHERE {{ VALUES ?f {{ {iri_values(frontier)} }} "
        "{ ?m mig:memberAgent ?f ; mig:membershipOrganisation ?b ; mig:membershipRole ?rel BIND(?f AS ?a) } "
        "UNION { ?m mig:membershipOrganisation ?f ; mig:memberAgent ?a ; mig:membershipRole ?rel BIND(?f AS ?b) } "
        f"UNION {{ ?f mig:subOrganisationOf ?b {_direct('?f', '?b')} "
        "BIND(?f AS ?a) BIND(mig:subOrganisationOf AS ?rel) } "
        f"UNION {{ ?a mig:subOrganisationOf ?f {_direct('?a', '?f')} "
        "BIND(?f AS ?b) BIND(mig:subOrganisationOf AS ?rel) } "
        f"UNION {{ VALUES ?p1 {{ {_values(ORGANISING)} }} VALUES ?p2 {{ {_values(ORGANISING)} }} "
        f"?via ?p1 ?f ; ?p2 ?b FILTER(?b != ?f) BIND(?f AS ?a) BIND('{CO_ORGANISER}' AS ?rel) }} "
        f"UNION {{ VALUES ?q1 {{ {_values(PRACTISING)} }} VALUES ?q2 {{ {_values(PRACTISING)} }} "
        f"?via ?q1 ?f ; ?q2 ?b FILTER(?b != ?f) BIND(?f AS ?a) BIND('{PRACTICE_PARTNER}' AS ?rel) }} "
        f"UNION {{ VALUES ?rel {{ {_values(INVOLVES)} }} ?f ?rel ?b FILTER(isIRI(?b)) BIND(?f AS ?a) }} "
        "UNION { ?a mig:jurisdiction ?f BIND(?f AS ?b) BIND(mig:jurisdiction AS ?rel) } "
        "UNION { ?f mig:jurisdiction ?b BIND(?f AS ?a) BIND(mig:jurisdiction AS ?rel) } "
        "UNION { ?a mig:basedIn ?f BIND(?f AS ?b) BIND(mig:basedIn AS ?rel) } }"
    )


def organisations_query() -> str:
    """Organisations that have at least one edge in the network, for the form without a focus."""
    return _HEAD + (
        "SELECT DISTINCT ?o WHERE { ?o a mig:Organisation . "
        "{ ?m mig:memberAgent ?o } UNION { ?m mig:membershipOrganisation ?o } UNION { ?o mig:subOrganisationOf ?x } "
        "UNION { ?x mig:subOrganisationOf ?o } "
        f"UNION {{ VALUES ?p {{ {_values(ORGANISING)} {_values(PRACTISING)} }} ?x ?p ?o }} }}"
    )


@dataclass
class Edge:
    source: str
    relation: str  # a property IRI or a SYNTHETIC key
    target: str
    directed: bool
    via: set[str] = field(default_factory=set)


@dataclass
class Network:
    focus: str
    depth: dict[str, int]  # node → its distance from the focus
    edges: list[Edge]
    truncated: bool = False


def edges_from(edge_rows: Iterable[Row]) -> list[Edge]:
    """Edges from the rows of ``edges_query``: undirected relations once per pair, shared events or practices
    gathered on one edge."""
    found: dict[tuple[str, str, str], Edge] = {}
    for row in edge_rows:
        if row["a"]["type"] != "uri" or row["b"]["type"] != "uri" or row["a"]["value"] == row["b"]["value"]:
            continue
        a, b, rel = row["a"]["value"], row["b"]["value"], row["rel"]["value"]
        rel = ROLE_RELATION.get(rel, rel)
        directed = SYNTHETIC.get(rel, ("", True))[1]
        if not directed:
            a, b = min(a, b), max(a, b)
        edge = found.setdefault((a, rel, b), Edge(a, rel, b, directed))
        if "via" in row:
            edge.via.add(row["via"]["value"])
    return list(found.values())


def grow(network: Network, new_edges: Iterable[Edge], cap: int) -> list[str]:
    """Adds ``new_edges`` whose ends fit under ``cap`` nodes; returns the nodes added (the next frontier)."""
    level = max(network.depth.values()) + 1
    added: list[str] = []
    known = {(e.source, e.relation, e.target) for e in network.edges}
    for edge in sorted(new_edges, key=lambda e: (e.source, e.relation, e.target)):
        for node in (edge.source, edge.target):
            if node not in network.depth:
                if len(network.depth) >= cap:
                    network.truncated = True
                    continue
                network.depth[node] = level
                added.append(node)
        key = (edge.source, edge.relation, edge.target)
        if edge.source in network.depth and edge.target in network.depth and key not in known:
            network.edges.append(edge)
            known.add(key)
    return added


async def build(queries: Queries, focus_iri: str, depth: int, cap: int = NODE_CAP) -> Network:
    network = Network(focus_iri, {focus_iri: 0}, [])
    frontier = [focus_iri]
    for _ in range(depth):
        if not frontier:
            break
        frontier = grow(network, edges_from(await queries.rows(edges_query(frontier))), cap)
    return network


def kind_of(types: set[str]) -> str:
    return next((kind for kind, cls in KINDS if MIG + cls in types), "other")


def as_json(network: Network, labels: Mapping[str, str], types: Mapping[str, set[str]], base: str) -> dict[str, Any]:
    def ref(iri: str) -> dict[str, str]:
        return {"iri": iri, "page": local_path(iri, base), "label": labels.get(iri, iri)}

    nodes = [
        {**ref(n), "kind": kind_of(types.get(n, set())), "depth": d, "focus": d == 0}
        for n, d in sorted(network.depth.items(), key=lambda item: (item[1], labels.get(item[0], item[0])))
    ]
    edges = [
        {
            "source": e.source,
            "target": e.target,
            "relation": e.relation,
            "label": SYNTHETIC[e.relation][0] if e.relation in SYNTHETIC else labels.get(e.relation, e.relation),
            "directed": e.directed,
            "derived": e.relation in SYNTHETIC,  # no property states it: the page derives it from shared events
            "via": sorted((ref(v) for v in e.via), key=lambda r: r["label"]),
        }
        for e in network.edges
    ]
    return {"nodes": nodes, "edges": edges, "truncated": network.truncated, "node_cap": NODE_CAP}


def grouped(body: Mapping[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The edges by relation label, for the table; each edge with its two ends' labels and pages."""
    nodes = {n["iri"]: n for n in body["nodes"]}
    groups: dict[str, list[dict[str, Any]]] = {}
    for edge in body["edges"]:
        groups.setdefault(edge["label"], []).append({**edge, "a": nodes[edge["source"]], "b": nodes[edge["target"]]})
    for members in groups.values():
        members.sort(key=lambda e: (e["a"]["label"].lower(), e["b"]["label"].lower()))
    return sorted(groups.items(), key=lambda item: item[0].lower())


async def network_data(queries: Queries, focus_iri: str, depth: int, languages: Sequence[str]) -> dict[str, Any]:
    """The network around ``focus_iri`` as JSON: its nodes (labelled, typed) and edges."""
    network = await build(queries, focus_iri, depth)
    iris = set(network.depth) | {e.relation for e in network.edges if e.relation not in SYNTHETIC}
    iris |= {v for e in network.edges for v in e.via}
    labels = await names(queries, iris, languages)
    types = await focus.types(queries, network.depth)
    return as_json(network, labels, types, queries.service.base_iri)


async def choices(queries: Queries, languages: Sequence[str]) -> list[dict[str, str]]:
    """The organisations to pick a focus from, by name."""
    found = [r["o"]["value"] for r in await queries.rows(organisations_query())]
    labels = await names(queries, found, languages)
    return sorted(({"iri": i, "label": labels[i]} for i in found), key=lambda c: c["label"].lower())
