"""The gate over the repository's shapes and ontology, and a lookup over the repository's asserted data (what
the release serves, before reasoning), built once per module."""

from __future__ import annotations

import pytest

from server import unions
from server.partners.gate import Gate, Lookup, lookup_in
from server.partners.registry import Partner
from server.settings import REPO_ROOT, Settings

ACME = Partner(agency="acme", name="ACME Migration Agency", origins=(), created="2026-01-01T00:00:00+00:00")


@pytest.fixture(scope="module")
def partner_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("partners")
    return Settings(repo_dir=REPO_ROOT, build_dir=root / "build", state_dir=root / "var")


@pytest.fixture(scope="module")
def gate(partner_settings: Settings) -> Gate:
    return Gate.from_settings(partner_settings)


@pytest.fixture(scope="module")
def lookup(partner_settings: Settings) -> Lookup:
    from server.pipeline.load import load_all

    return lookup_in(unions.of(load_all(partner_settings).quads))
