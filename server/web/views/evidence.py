""" "How do we know this?" without repeats: a passage that states several of an entity's facts is quoted once on its
page, with the statements it supports listed under it, and each of those statements points to it.

Pure: from the entity's view model (``views.entity``) to the passages it shares between statements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from server.web.views.entity import Evidence, Fact, Group, Term


@dataclass
class SharedPassage:
    """One quoted passage (its evidence: quote, source, offsets, context) and the statements it supports."""

    evidence: Evidence
    statements: list[tuple[Term, Fact]] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        """The id of the passage on the entity page."""
        return "passage-" + self.evidence.graph.rsplit("/", 1)[-1]


def shared_passages(groups: Sequence[Group]) -> dict[str, SharedPassage]:
    """The quoted passages (excerpt graphs) that support more than one statement in ``groups``, by graph, in the
    order the page first shows them; each with its statements (property, fact) in page order."""
    found: dict[str, SharedPassage] = {}
    for group in groups:
        for fact in group.facts:
            for ev in fact.evidence:
                if ev.kind == "excerpt":
                    found.setdefault(ev.graph, SharedPassage(ev)).statements.append((group.prop, fact))
    return {graph: shared for graph, shared in found.items() if len(shared.statements) > 1}
