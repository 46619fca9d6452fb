"""``python -m tools.synthetic TRIPLES [--seed S] -o FILE``: a seeded synthetic graph in the shape of ours, as N-Quads.

The graph grows in rounds. Round ``r`` adds an event held in a country and organised by an organisation, two
organisations (one a unit of the other; the first a government body every other round), a commitment adopted at the
event with 3–8 items on topics, three practices that implement earlier items, and one excerpt per item and per
practice, each with quote and position selectors and what it mentions. Facts go to ``graph/data``, inverses, derived
labels and the superclasses the reasoner would add (``mig:Agent``, ``mig:Practice``) to ``graph/inferred``, excerpts
and selectors to ``graph/provenance``, mentions to ``graph/mentions``; countries and topics (fixed lists, topics
with their ``skos:prefLabel``) to ``graph/reference``, the source documents to ``graph/sources``. Every reference
points to an entity of the same or an earlier round, so a truncated run is still a closed graph, and the IRIs of
round ``r`` are known from ``r`` alone (``iri``), which lets a query mix pick existing IRIs without reading the data
back.

Rounds are written whole until at least ``TRIPLES`` quads are out (so a little more than asked for, never less).
The same seed always gives the same bytes; lines are streamed, so any size fits in memory.

Partner graphs (``partner_changes``, committed with ``write_partners`` into a partner storage, as the writer would:
they are not in the release) add ``PARTNER_SHARE`` of the release's size again, in one graph per agency: practices
the agency reports, implemented by our organisations, in our countries, contributing to our commitment items, each
graph described in ``graph/partner-provenance``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph as ox

from server import prefixes
from server.partners.storage import Change, PartnerStorage

ID, MIG, OA = prefixes.ID, prefixes.MIG, prefixes.OA
TYPE, LABEL = prefixes.RDF + "type", prefixes.RDFS + "label"
SKOS_PREF_LABEL = prefixes.SKOS + "prefLabel"  # a topic's name in its thesaurus, as catalogue queries read it
XSD_DATE, XSD_INTEGER = prefixes.XSD + "date", prefixes.XSD + "integer"
XSD_NON_NEGATIVE = prefixes.XSD + "nonNegativeInteger"
DATA, INFERRED, PROVENANCE, MENTIONS, REFERENCE, SOURCE_DOCUMENTS = (
    prefixes.GRAPH + name for name in ("data", "inferred", "provenance", "mentions", "reference", "sources")
)
COUNTRIES = 60
TOPICS = 30
PRACTICES_PER_ROUND = 3
SOURCES = 5
PARTNER_AGENCIES = 4
PARTNER_SHARE = 0.01  # partner triples per release triple
PARTNER_TIME = "2026-01-01T00:00:00+00:00"  # the same graphs, the same bytes
WORDS = (
    "migration", "remittances", "labour", "border", "asylum", "refugees", "integration", "diaspora", "return",
    "trafficking", "smuggling", "consular", "protection", "children", "women", "workers", "seasonal", "regional",
    "dialogue", "cooperation", "development", "statistics", "census", "visa", "residence", "citizenship", "health",
    "education", "housing", "employment", "rights", "families", "reintegration", "training", "networks", "forum",
    "conference", "programme", "strategy", "agreement", "mobility", "circular", "irregular", "documentation",
    "registry", "ministry", "council", "commission", "observatory", "survey", "financial", "inclusion", "transfers",
    "gender", "youth", "indigenous", "climate", "displacement", "humanitarian", "corridor",
)  # fmt: skip


@dataclass(frozen=True)
class Summary:
    """What a run wrote: the quads asked for and written, the rounds (every IRI of round ``< rounds`` exists)."""

    seed: int
    asked: int
    triples: int
    rounds: int
    graphs: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Summary:
        return cls(**json.loads(text))


def iri(kind: str, number: int, part: int | None = None) -> str:
    """The IRI of entity ``number`` of ``kind`` (``event``, ``organisation``, ``commitment``, ``practice``,
    ``country``, ``topic``, ``source``, ``excerpt``); ``part``: an item of a commitment, or the n-th excerpt of
    a round (items first, then practices).

    >>> iri("commitment", 7, 2)
    'https://w3id.org/migkg/id/commitment/c7/p2'
    >>> iri("excerpt", 3, 1)
    'https://w3id.org/migkg/excerpt/synthetic-3-1'
    """
    if kind == "excerpt":
        return f"{prefixes.EXCERPT}synthetic-{number}-{part}"
    slug = {"organisation": "o", "commitment": "c", "practice": "p", "event": "e"}.get(kind, kind[0])
    base = f"{ID}{kind}/{slug}{number}"
    return base if part is None else f"{base}/p{part}"


def practice_number(round_: int, index: int) -> int:
    """The running number of the ``index``-th practice of a round."""
    return round_ * PRACTICES_PER_ROUND + index


def literal(text: str, datatype: str | None = None, language: str | None = None) -> str:
    r"""An N-Triples literal.

    >>> literal('a "b"\n', language="en")
    '"a \\"b\\"\\n"@en'
    """
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    if language:
        return f'"{escaped}"@{language}'
    return f'"{escaped}"^^<{datatype}>' if datatype else f'"{escaped}"'


def quad(subject: str, predicate: str, obj: str, graph: str) -> str:
    """One N-Quads line; ``subject`` and ``obj`` are IRIs unless they start with ``_:`` or ``"``."""

    def node(term: str) -> str:
        return term if term.startswith(("_:", '"')) else f"<{term}>"

    return f"{node(subject)} <{predicate}> {node(obj)} <{graph}> .\n"


def words(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))


def reference() -> Iterator[str]:
    """Countries, topics and sources: the same for every seed."""
    for n in range(COUNTRIES):
        yield quad(iri("country", n), TYPE, MIG + "Country", REFERENCE)
        yield quad(iri("country", n), LABEL, literal(f"Country {WORDS[n % len(WORDS)]} {n}", language="en"), REFERENCE)
    for n in range(TOPICS):
        yield quad(iri("topic", n), TYPE, MIG + "Topic", REFERENCE)
        yield quad(iri("topic", n), LABEL, literal(f"{WORDS[n].capitalize()} topic", language="en"), REFERENCE)
        yield quad(iri("topic", n), SKOS_PREF_LABEL, literal(f"{WORDS[n].capitalize()}", language="en"), REFERENCE)
    for n in range(SOURCES):
        yield quad(iri("source", n), TYPE, MIG + "SourceDocument", SOURCE_DOCUMENTS)
        yield quad(iri("source", n), LABEL, literal(f"Synthetic report {n}", language="en"), SOURCE_DOCUMENTS)


def excerpt(rng: random.Random, r: int, part: int, about: str, mentioned: list[str]) -> Iterator[str]:
    """An excerpt quoting a source about ``about``, with its selectors (the quote, and where it is: a position made
    up from the round) and what it mentions."""
    e, selector, position = iri("excerpt", r, part), f"_:q{r}x{part}", f"_:p{r}x{part}"
    yield quad(e, TYPE, MIG + "Excerpt", PROVENANCE)
    yield quad(e, OA + "hasSource", iri("source", rng.randrange(SOURCES)), PROVENANCE)
    yield quad(e, OA + "hasSelector", selector, PROVENANCE)
    yield quad(selector, TYPE, OA + "TextQuoteSelector", PROVENANCE)
    quote = words(rng, 12, 30).capitalize() + "."
    yield quad(selector, OA + "exact", literal(quote), PROVENANCE)
    yield quad(e, OA + "hasSelector", position, PROVENANCE)
    yield quad(position, TYPE, OA + "TextPositionSelector", PROVENANCE)
    start = (r * 16 + part) * 1000
    yield quad(position, OA + "start", literal(str(start), XSD_NON_NEGATIVE), PROVENANCE)
    yield quad(position, OA + "end", literal(str(start + len(quote)), XSD_NON_NEGATIVE), PROVENANCE)
    for target in (about, *mentioned):
        yield quad(e, MIG + "mentions", target, MENTIONS)


def round_quads(rng: random.Random, r: int) -> Iterator[str]:
    """The quads of round ``r``; everything it refers to is of round ``r`` or earlier."""

    def earlier(kind: str, per_round: int = 1) -> str:
        return iri(kind, rng.randrange((r + 1) * per_round))

    def country() -> str:
        return iri("country", rng.randrange(COUNTRIES))

    def topic() -> str:
        return iri("topic", rng.randrange(TOPICS))

    year = 1990 + r % 35
    event, organisations = iri("event", r), [iri("organisation", 2 * r), iri("organisation", 2 * r + 1)]
    yield quad(event, TYPE, MIG + "Event", DATA)
    yield quad(event, LABEL, literal(f"{words(rng, 2, 4).title()} meeting {r}", language="en"), DATA)
    yield quad(
        event, MIG + "startDate", literal(f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", XSD_DATE), DATA
    )
    yield quad(event, MIG + "heldIn", country(), DATA)
    organiser = earlier("organisation", 2)
    yield quad(event, MIG + "organisedBy", organiser, DATA)
    yield quad(organiser, MIG + "organised", event, INFERRED)
    for t in {topic() for _ in range(2)}:
        yield quad(event, MIG + "addressesTopic", t, DATA)
    for n, org in enumerate(organisations):
        name = words(rng, 2, 4).title()
        yield quad(org, TYPE, MIG + "Organisation", DATA)
        if not n and r % 2 == 0:  # a government body: its classes as the reasoner materialises them
            yield quad(org, TYPE, MIG + "GovernmentBody", DATA)
        yield quad(org, TYPE, MIG + "Agent", INFERRED)
        yield quad(org, LABEL, literal(f"{name} {'unit' if n else 'organisation'} {2 * r + n}", language="en"), DATA)
        yield quad(org, MIG + "acronym", literal("".join(w[0] for w in name.split()).upper()), DATA)
        yield quad(org, MIG + "jurisdiction", country(), DATA)
        if n:
            yield quad(org, MIG + "subOrganisationOf", organisations[0], DATA)
            yield quad(organisations[0], MIG + "hasSubOrganisation", org, INFERRED)
    commitment, items = iri("commitment", r), rng.randint(3, 8)
    yield quad(commitment, TYPE, MIG + "Commitment", DATA)
    yield quad(commitment, LABEL, literal(f"Commitment of {words(rng, 1, 2).title()} {r}", language="en"), DATA)
    yield quad(commitment, MIG + "adoptedAt", event, DATA)
    yield quad(commitment, MIG + "date", literal(f"{year}-12-01", XSD_DATE), DATA)
    for i in range(items):
        item = iri("commitment", r, i)
        yield quad(item, TYPE, MIG + "CommitmentItem", DATA)
        yield quad(item, MIG + "itemOf", commitment, DATA)
        yield quad(commitment, MIG + "hasItem", item, INFERRED)
        yield quad(item, LABEL, literal(f"Commitment {r}, item {i}", language="en"), INFERRED)
        yield quad(item, prefixes.SKOS + "notation", literal(str(i)), DATA)
        yield quad(item, MIG + "position", literal(str(i), XSD_INTEGER), DATA)
        yield quad(item, MIG + "text", literal(words(rng, 8, 20).capitalize() + "."), DATA)
        for t in {topic() for _ in range(rng.randint(1, 2))}:
            yield quad(item, MIG + "addressesTopic", t, DATA)
        yield from excerpt(rng, r, i, item, [organiser, iri("country", rng.randrange(COUNTRIES))])
    for k in range(PRACTICES_PER_ROUND):
        practice, implementer = iri("practice", practice_number(r, k)), earlier("organisation", 2)
        implemented = iri("commitment", rng.randrange(r + 1), 0)
        yield quad(practice, TYPE, MIG + ("GoodPractice" if k == 0 else "Practice"), DATA)
        if k == 0:
            yield quad(practice, TYPE, MIG + "Practice", INFERRED)
        yield quad(practice, LABEL, literal(f"{words(rng, 2, 5).capitalize()} practice", language="en"), DATA)
        yield quad(practice, MIG + "implementedBy", implementer, DATA)
        yield quad(implementer, MIG + "implements", practice, INFERRED)
        yield quad(practice, MIG + "implementedIn", country(), DATA)
        yield quad(practice, MIG + "contributesTo", implemented, DATA)
        yield quad(practice, MIG + "startDate", literal(f"{year}-01-01", XSD_DATE), DATA)
        if rng.random() < 0.5:
            yield quad(practice, MIG + "targetGroup", literal(words(rng, 1, 2)), DATA)
        for t in {topic() for _ in range(2)}:
            yield quad(practice, MIG + "addressesTopic", t, DATA)
        yield from excerpt(rng, r, items + k, practice, [implementer])


def blocks(triples: int, seed: int) -> Iterator[list[str]]:
    """The reference graph, then whole rounds, as lists of N-Quads lines, until at least ``triples`` lines."""
    rng = random.Random(seed)
    block = list(reference())
    written, r = len(block), 0
    yield block
    while written < triples:
        block = list(round_quads(rng, r))
        written, r = written + len(block), r + 1
        yield block


def write(path: Path, triples: int, seed: int) -> Summary:
    """Stream the graph to ``path``; returns what was written."""
    graphs: Counter[str] = Counter()
    rounds = -1  # the first block is the reference graph
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for block in blocks(triples, seed):
            out.writelines(block)
            graphs.update(line[line.rindex("<") + 1 : line.rindex(">")] for line in block)
            rounds += 1
    return Summary(seed, triples, sum(graphs.values()), rounds, dict(sorted(graphs.items())))


def partner_graph(agency: int) -> str:
    """>>> partner_graph(2)
    'https://w3id.org/migkg/graph/partner/agency2/practices'
    """
    return f"{prefixes.GRAPH_PARTNER}agency{agency}/practices"


def partner_changes(rounds: int, triples: int, seed: int) -> dict[str, Change]:
    """The partner graphs of a graph of ``rounds`` rounds and about ``triples`` triples: ``PARTNER_AGENCIES``
    graphs of ``PARTNER_SHARE * triples`` triples in all (at least one practice each), each with its description."""
    rng = random.Random(seed + 1)
    per_graph = max(1, round(triples * PARTNER_SHARE / PARTNER_AGENCIES))

    def node(term: str) -> ox.NamedNode:
        return ox.NamedNode(term)

    mig, prov = prefixes.MIG, prefixes.PROV
    changes = {}
    for agency in range(PARTNER_AGENCIES):
        graph, agent = node(partner_graph(agency)), node(f"{prefixes.PARTNER}agency{agency}")
        data: list[ox.Triple] = []
        while len(data) < per_graph:
            practice = node(f"https://agency{agency}.example.org/practice/{len(data)}")
            label = ox.Literal(f"{words(rng, 2, 5).capitalize()} (agency {agency})", language="en")
            implementer = iri("organisation", rng.randrange(2 * max(1, rounds)))
            country = iri("country", rng.randrange(COUNTRIES))
            item = iri("commitment", rng.randrange(max(1, rounds)), 0)
            data += [
                ox.Triple(practice, node(TYPE), node(mig + "Practice")),
                ox.Triple(practice, node(LABEL), label),
                ox.Triple(practice, node(mig + "implementedBy"), node(implementer)),
                ox.Triple(practice, node(mig + "implementedIn"), node(country)),
                ox.Triple(practice, node(mig + "contributesTo"), node(item)),
                ox.Triple(practice, node(mig + "addressesTopic"), node(iri("topic", rng.randrange(TOPICS)))),
            ]
        when = ox.Literal(PARTNER_TIME, datatype=node(prefixes.XSD + "dateTime"))
        description = [
            ox.Triple(graph, node(TYPE), node(prov + "Entity")),
            ox.Triple(graph, node(prov + "wasAttributedTo"), agent),
            ox.Triple(graph, node(prov + "generatedAtTime"), when),
            ox.Triple(graph, node(prefixes.VOID + "triples"), ox.Literal(str(len(data)), datatype=node(XSD_INTEGER))),
            ox.Triple(agent, node(TYPE), node(prov + "Agent")),
            ox.Triple(agent, node(LABEL), ox.Literal(f"Synthetic agency {agency}")),
        ]
        changes[graph.value] = Change(data, description)
    return changes


def write_partners(root: Path, rounds: int, triples: int, seed: int) -> dict[str, int]:
    """Commit the partner graphs (``partner_changes``) into the partner storage at ``root``; returns triples per
    graph."""
    commits = PartnerStorage(root).commit_all(partner_changes(rounds, triples, seed))
    return {c.graph: c.triples for c in commits}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.synthetic", description=__doc__.split("\n\n")[0])
    p.add_argument("triples", type=int)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("-o", "--output", type=Path, required=True, help="the N-Quads file to write")
    args = p.parse_args(argv)
    summary = write(args.output, args.triples, args.seed)
    sys.stdout.write(summary.to_json())
    return 0


if __name__ == "__main__":
    sys.exit(main())
