"""Who an organisation, a government body or a country (through its government bodies) worked with, and on what:
the other agents of the practices and events it takes part in, grouped by relation — co-organisers of its events,
co-implementers, partners and funders of its practices, the practices it funded, and those who supported the same
work — each with the practices or events that link them. Only stated facts (quoted passages, partner graphs), never
the build's inferences. Pure functions from the rows of ``views/queries/relations.rq``; ``load`` runs it.

Unlike the network (``views.network``), which joins agents through a practice only when both implement it or are
its partners, this takes every role on both sides, so a government's page lists the partners of its practices.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from server import prefixes
from server.web.deps import Queries, Row
from server.web.labels import Name, best_names, local_name
from server.web.views import query_files
from server.web.views.document import Ref
from server.web.views.entity import EntityView

MIG = prefixes.MIG
ORGANISING = frozenset(MIG + p for p in ("organisedBy", "hostedBy", "chairedBy", "coChairedBy"))
FUNDING, IMPLEMENTING, PARTNERING = MIG + "fundedBy", MIG + "implementedBy", MIG + "partner"
# The groups, in the order the page shows them (their headings are in templates/relations.html).
CO_ORGANISER, CO_IMPLEMENTER, PARTNER, FUNDER, FUNDED, SUPPORTER = (
    "co-organiser", "co-implementer", "partner", "funder", "funded", "supporter",
)  # fmt: skip
GROUPS = (CO_ORGANISER, CO_IMPLEMENTER, PARTNER, FUNDER, FUNDED, SUPPORTER)
AGENT_TYPES = frozenset({MIG + "Agent", MIG + "Organisation", MIG + "GovernmentBody", MIG + "Country"})


def relation(is_event: bool, focus_roles: set[str], partner_roles: set[str]) -> str:
    """How the partner worked with the focus on one event or practice, from both sides' roles in it.

    >>> relation(False, {MIG + "implementedBy"}, {MIG + "partner"})
    'partner'
    >>> relation(False, {MIG + "implementedBy"}, {MIG + "fundedBy", MIG + "implementedBy"})
    'funder'
    >>> relation(True, {MIG + "hostedBy"}, {MIG + "supportedBy"})
    'supporter'
    """
    if is_event:
        return CO_ORGANISER if focus_roles & ORGANISING and partner_roles & ORGANISING else SUPPORTER
    if FUNDING in partner_roles:
        return FUNDER
    if focus_roles == {FUNDING}:
        return FUNDED
    if IMPLEMENTING in focus_roles and IMPLEMENTING in partner_roles:
        return CO_IMPLEMENTER
    if PARTNERING in focus_roles | partner_roles and (focus_roles | partner_roles) & {IMPLEMENTING, PARTNERING}:
        return PARTNER
    return SUPPORTER


@dataclass
class Link:
    """One activity (practice or event) that links the focus and a partner, with the partner's roles in it."""

    via: Ref
    roles: list[Ref]
    agent: Ref | None = None  # the focus's government body that takes part, when the focus is a country


@dataclass
class Partner:
    ref: Ref
    links: list[Link] = field(default_factory=list)


@dataclass
class Group:
    key: str
    partners: list[Partner]


def iris_to_label(rows: Iterable[Row]) -> set[str]:
    return {row[v]["value"] for row in rows for v in ("agent", "via", "partner", "focusRole", "partnerRole")}


def relations_view(focus: str, rows: Sequence[Row], names: Mapping[str, Name]) -> list[Group]:
    """The groups of partners from the rows of ``relations.rq``: each partner once per group, its links by name."""

    def ref(iri: str) -> Ref:
        name = names.get(iri)
        return Ref(iri, name.text if name and name.text else local_name(iri), bool(name and name.coined))

    roles: dict[tuple[str, str, str], tuple[set[str], set[str], bool]] = {}
    for row in rows:
        pair = (row["partner"]["value"], row["via"]["value"], row["agent"]["value"])
        focus_roles, partner_roles, _ = roles.setdefault(pair, (set(), set(), row["isEvent"]["value"] == "true"))
        focus_roles.add(row["focusRole"]["value"])
        partner_roles.add(row["partnerRole"]["value"])
    grouped: dict[str, dict[str, Partner]] = {}
    for (partner, via, agent), (focus_roles, partner_roles, is_event) in roles.items():
        found = grouped.setdefault(relation(is_event, focus_roles, partner_roles), {})
        by_role = sorted((ref(r) for r in partner_roles), key=lambda r: r.label.lower())
        link = Link(ref(via), by_role, None if agent == focus else ref(agent))
        found.setdefault(partner, Partner(ref(partner))).links.append(link)
    groups = []
    for key in GROUPS:
        partners = list(grouped.get(key, {}).values())
        for entry in partners:
            entry.links.sort(key=lambda link: (link.via.label.lower(), link.agent.label if link.agent else ""))
        partners.sort(key=lambda p: (-len({link.via.iri for link in p.links}), p.ref.label.lower()))
        if partners:
            groups.append(Group(key, partners))
    return groups


def is_agent(view: EntityView) -> bool:
    return any(t.value in AGENT_TYPES for t in view.types)


async def load(queries: Queries, focus: str, languages: Sequence[str]) -> list[Group]:
    rows = await queries.rows(query_files.bound("relations", focus))
    names = await best_names(queries, iris_to_label(rows), languages)
    return relations_view(focus, rows, names)
