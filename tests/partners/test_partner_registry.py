"""The partner registry: tokens shown once and stored only as a hash, exact origins, revocation."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from server import prefixes
from server.partners.registry import Registry, RegistryError, normalise_origin, token_hash, token_id


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    return Registry(tmp_path / "state" / "partners.json")


def test_add_partner_stores_only_the_token_hash(registry: Registry) -> None:
    partner, token = registry.add("acme", origins=("https://acme.example",), name="ACME")
    on_disk = registry.path.read_text(encoding="utf-8")
    assert token not in on_disk
    assert token_hash(token) in on_disk
    assert token_id(token) in on_disk
    assert partner.token_ids == (token_id(token),)
    assert stat.S_IMODE(registry.path.stat().st_mode) == 0o600


def test_add_partner_makes_a_256_bit_token_each_time(registry: Registry) -> None:
    _, first = registry.add("acme")
    _, second = registry.add("bee")
    assert first != second
    assert first.startswith("migkg_") and len(first) >= len("migkg_") + 43  # 32 bytes in URL-safe base64


def test_authenticate_token_finds_its_partner(registry: Registry) -> None:
    registry.add("acme")
    _, token = registry.add("bee", name="Bee agency")
    found = registry.authenticate(token)
    assert found is not None and found.agency == "bee" and found.name == "Bee agency"
    assert found.graphs == prefixes.GRAPH_PARTNER + "bee/"


@pytest.mark.parametrize("token", ["", None, "migkg_wrong", "x" * 200])
def test_authenticate_token_wrong_or_missing_is_none(registry: Registry, token: str | None) -> None:
    registry.add("acme")
    assert registry.authenticate(token) is None


def test_revoke_partner_makes_its_token_fail(registry: Registry) -> None:
    _, token = registry.add("acme")
    revoked = registry.revoke("acme")
    assert revoked.revoked is not None and not revoked.active
    assert registry.authenticate(token) is None
    assert all(t.revoked for t in registry.get("acme").tokens)  # type: ignore[union-attr]


def test_revoke_in_another_process_is_seen_by_a_running_registry(registry: Registry) -> None:
    _, token = registry.add("acme")
    assert registry.authenticate(token) is not None
    Registry(registry.path).revoke("acme")  # another handle on the same file, as the CLI is
    assert registry.authenticate(token) is None


def test_add_partner_twice_is_refused_naming_the_existing_one(registry: Registry) -> None:
    registry.add("acme")
    with pytest.raises(RegistryError, match="already exists"):
        registry.add("acme")
    registry.revoke("acme")
    with pytest.raises(RegistryError, match="revoked on"):
        registry.add("acme")


def test_revoke_unknown_partner_is_refused_listing_the_known_ones(registry: Registry) -> None:
    registry.add("acme")
    with pytest.raises(RegistryError, match=r"unknown partner 'nope' \(partners: acme\)"):
        registry.revoke("nope")


@pytest.mark.parametrize("agency", ["", "ACME", "-acme", "acme_1", "a" * 64, "acme/x", "acmé"])
def test_add_partner_with_a_bad_agency_slug_is_refused(registry: Registry, agency: str) -> None:
    with pytest.raises(RegistryError, match="invalid agency"):
        registry.add(agency)
    assert not registry.path.exists()


@pytest.mark.parametrize(
    ("given", "exact"),
    [
        ("https://Acme.Example", "https://acme.example"),
        ("https://acme.example:443", "https://acme.example"),
        ("http://localhost:3000/", "http://localhost:3000"),
        ("https://[::1]:8443", "https://[::1]:8443"),
    ],
)
def test_normalise_origin_gives_the_form_browsers_send(given: str, exact: str) -> None:
    assert normalise_origin(given) == exact


@pytest.mark.parametrize(
    "bad", ["acme.example", "ftp://acme.example", "https://acme.example/app", "https://u:p@acme.example", "https://"]
)
def test_add_partner_with_a_bad_origin_is_refused(registry: Registry, bad: str) -> None:
    with pytest.raises(RegistryError, match="invalid origin"):
        registry.add("acme", origins=(bad,))


def test_partner_allows_only_its_exact_origins(registry: Registry) -> None:
    partner, _ = registry.add("acme", origins=("https://acme.example",))
    assert partner.allows_origin("https://acme.example")
    assert partner.allows_origin("https://ACME.example:443")
    assert not partner.allows_origin("https://acme.example.evil.test")
    assert not partner.allows_origin("http://acme.example")
    assert not partner.allows_origin(None)
    assert not partner.allows_origin("null")


def test_registry_file_is_replaced_whole_leaving_no_temporary_file(registry: Registry) -> None:
    registry.add("acme")
    registry.add("bee")
    registry.revoke("acme")
    assert sorted(p.name for p in registry.path.parent.iterdir()) == [".partners.json.lock", "partners.json"]
    assert [p["agency"] for p in json.loads(registry.path.read_text())["partners"]] == ["acme", "bee"]
