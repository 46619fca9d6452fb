"""Who may write which graph: the rule table of ``server.partners.rules.authorise``."""

from __future__ import annotations

import dataclasses

import pytest

from server import prefixes
from server.partners.registry import Partner
from server.partners.rules import authorise

ACME = Partner(agency="acme", name="ACME", origins=(), created="2026-01-01T00:00:00+00:00")
OWN = prefixes.GRAPH_PARTNER + "acme/"


@pytest.mark.parametrize("graph", [OWN + "programmes", OWN + "2026.v1", OWN + "Programmes_2026-es"])
def test_authorise_own_graph_is_allowed(graph: str) -> None:
    assert authorise(ACME, graph) is None


@pytest.mark.parametrize(
    ("graph", "rule"),
    [
        (None, "default-graph"),
        (prefixes.GRAPH_PARTNER + "bee/programmes", "other-partner"),
        (prefixes.GRAPH_PARTNER + "acme-two/programmes", "other-partner"),
        (prefixes.EXCERPT + "fibemyd-2008-held-in", "curated-excerpt"),
        (prefixes.GRAPH_PROVENANCE, "release-graph"),
        (prefixes.GRAPH_REFERENCE + "pycountry", "release-graph"),
        (prefixes.GRAPH_INFERRED, "release-graph"),
        (prefixes.GRAPH_ONTOLOGY, "release-graph"),
        (prefixes.GRAPH_SOURCES, "release-graph"),
        (prefixes.GRAPH_PARTNER_PROVENANCE, "partner-provenance"),
        (prefixes.GRAPH_PARTNER + "acme", "other-partner"),
        (OWN, "dataset-name"),
        (OWN + "programmes/2026", "dataset-name"),
        (OWN + "../bee/programmes", "dataset-name"),
        (OWN + ".hidden", "dataset-name"),
        ("https://example.org/agency/graph", "outside-partner-graphs"),
        (prefixes.ID + "practice/x", "outside-partner-graphs"),
    ],
)
def test_authorise_refuses_every_other_graph_naming_the_rule(graph: str | None, rule: str) -> None:
    refusal = authorise(ACME, graph)
    assert refusal is not None
    assert refusal.rule == rule
    assert rule in str(refusal)
    assert OWN in refusal.message  # says where the partner may write


def test_authorise_names_what_a_release_graph_holds() -> None:
    refusal = authorise(ACME, prefixes.GRAPH_INFERRED)
    assert refusal is not None and "reasoner" in refusal.message


def test_authorise_revoked_partner_is_refused_even_its_own_graph() -> None:
    revoked = dataclasses.replace(ACME, revoked="2026-02-01T00:00:00+00:00")
    refusal = authorise(revoked, OWN + "programmes")
    assert refusal is not None and refusal.rule == "partner-revoked"
