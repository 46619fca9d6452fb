"""Who may write which graph: a partner writes only ``graph/partner/<its agency>/<dataset>``.

Everything else is read-only to everyone over HTTP, and ``authorise`` says which rule refuses a write (the
HTTP layer answers 403 with it): the default graph (the union of all graphs), the curated excerpts, the
release's own graphs (ontology, alignments, inferred, provenance, reference, sources, topics, discrepancies),
the description graph of partner graphs, other partners' graphs, anything outside our graph namespace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from server import prefixes
from server.partners.registry import Partner

DATASET: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")

# Rule id → what it protects, for error messages and documentation.
RULES: Final = {
    "partner-revoked": "A revoked partner writes nothing; its graphs stay, read-only.",
    "default-graph": "The default graph is the union of every graph; it is read-only.",
    "curated-excerpt": "Curated excerpt graphs hold what one quoted passage of a source states; they are rebuilt "
    "from data/curated/ by `migkg build` and are read-only.",
    "release-graph": "The graphs of the release (ontology, alignments, inferred, provenance, reference, sources, "
    "topics, discrepancies) are rebuilt by `migkg build` and are read-only.",
    "partner-provenance": "The descriptions of partner graphs (who, when, size, sha256, report) are written by the "
    "server alone.",
    "other-partner": "A partner writes only its own graphs; other partners' graphs are read-only to it.",
    "outside-partner-graphs": "Only graphs under the partner's namespace graph/partner/<agency>/ can be written.",
    "dataset-name": "A partner graph is graph/partner/<agency>/<dataset>, the dataset name being 1-128 letters, "
    "digits, '.', '_' or '-' (no '/'), starting with a letter or digit.",
}

_RELEASE_GRAPHS: Final = {
    prefixes.GRAPH_ONTOLOGY: "the ontology",
    prefixes.GRAPH_ALIGNMENTS: "the ontology's alignments",
    prefixes.GRAPH_INFERRED: "the reasoner's inferences",
    prefixes.GRAPH_PROVENANCE: "the provenance of the curated excerpts",
    prefixes.GRAPH_MENTIONS: "the mention index",
    prefixes.GRAPH_SOURCES: "the source documents' metadata",
    prefixes.GRAPH_TOPICS: "the topic scheme",
    prefixes.GRAPH_DISCREPANCIES: "the recorded discrepancies",
}


@dataclass(frozen=True)
class Refusal:
    """Why a write is refused: the rule's id and a message for the client naming the graph and the rule."""

    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.message} (rule: {self.rule})"


def authorise(partner: Partner, graph: str | None) -> Refusal | None:
    """None when ``partner`` may write ``graph`` (None meaning the default graph); otherwise the refusal."""
    own = f"{partner.agency!r} may write only graphs under <{partner.graphs}>, e.g. <{partner.graphs}programmes>."
    rule = _rule(partner, graph)
    if rule is None:
        return None
    what = "the default graph" if graph is None else f"<{graph}>"
    detail = _describe(graph) if rule == "release-graph" and graph else RULES[rule]
    return Refusal(rule, f"{what} is read-only to this partner: {detail} Partner {own}")


def _rule(partner: Partner, graph: str | None) -> str | None:
    if not partner.active:
        return "partner-revoked"
    if graph is None:
        return "default-graph"
    if graph == prefixes.GRAPH_PARTNER_PROVENANCE:
        return "partner-provenance"
    if graph.startswith(prefixes.EXCERPT):
        return "curated-excerpt"
    if graph.startswith(partner.graphs):
        return None if DATASET.fullmatch(graph[len(partner.graphs) :]) else "dataset-name"
    if graph.startswith(prefixes.GRAPH_PARTNER):
        return "other-partner"
    if graph.startswith(prefixes.GRAPH):
        return "release-graph"
    return "outside-partner-graphs"


def _describe(graph: str) -> str:
    kind = _RELEASE_GRAPHS.get(graph) or (
        "reference data from packages" if graph.startswith(prefixes.GRAPH_REFERENCE) else "a graph of the release"
    )
    return f"it holds {kind}, rebuilt by `migkg build`. {RULES['release-graph']}"
