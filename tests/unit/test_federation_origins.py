"""Origins read strictly, allowlist entries and settings, addresses judged (server/federation/origins.py), and
the addresses our client will dial (client.addresses, with the machine's own resolver for ``localhost``)."""

from __future__ import annotations

import ipaddress

import anyio.from_thread
import pytest
from pydantic import ValidationError

from server.federation import client
from server.federation.errors import ServiceRefused
from server.federation.origins import Origin, OriginError, allowlist_origin, is_dialable, is_public, origin_of
from server.settings import Settings


@pytest.mark.parametrize(
    ("iri", "expected"),
    [
        ("http://example.org/sparql", "http://example.org"),
        ("HTTPS://Example.ORG:443/sparql?x=1#f", "https://example.org"),
        ("http://example.org:8890/sparql", "http://example.org:8890"),
        ("http://127.0.0.1:8001/", "http://127.0.0.1:8001"),
        ("http://[::1]:8001/sparql", "http://[::1]:8001"),
        ("http://[0:0:0:0:0:0:0:1]/", "http://[::1]"),
        ("http://bücher.example/sparql", "http://xn--bcher-kva.example"),
        ("http://１２７.0.0.1:9/", "http://127.0.0.1:9"),  # full-width digits are the dotted quad after IDNA
        ("http://evil.example#@allowed.example/", "http://evil.example"),
        ("http://evil.example?@allowed.example/", "http://evil.example"),
        ("http://virtuoso_1:8890/sparql", "http://virtuoso_1:8890"),
    ],
)
def test_read_origin_normalised(iri: str, expected: str) -> None:
    assert str(origin_of(iri)) == expected


@pytest.mark.parametrize(
    ("iri", "words"),
    [
        ("http://allowed.example@evil.example/", "user names"),
        ("http://user:pass@example.org/", "user names"),
        ("http://127.1/", "dotted-quad"),
        ("http://0x7f000001/", "dotted-quad"),
        ("http://2130706433/", "dotted-quad"),
        ("http://0177.0.0.1/", "dotted-quad"),
        ("http://127.0.0.01/", "dotted-quad"),
        ("http://1.2.3.4.5/", "dotted-quad"),
        ("http://example.0x10/", "dotted-quad"),
        ("http://example.org./", "not a valid host"),
        ("http://exa mple.org/", "space"),
        ("http://example.org\\@evil/", "backslash"),
        ("http://%65vil.example/", "not a valid host"),
        ("http://[::1/", "Invalid IPv6"),
        ("http://[not-ipv6]/", "IPv6"),
        ("http://[fe80::1%25eth0]/", "zones"),
        ("http://example.org:/", "not a host"),
        ("http://example.org:0/", "out of range"),
        ("http://example.org:65536/", "out of range"),
        ("http://example.org:008001/", "not a host"),
        ("http:///sparql", "not a host"),
        ("ftp://example.org/", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("gopher://example.org:70/_x", "only http and https"),
        ("//example.org/sparql", "relative"),
    ],
)
def test_refuse_origin_that_is_not_plainly_written(iri: str, words: str) -> None:
    with pytest.raises(OriginError, match=words):
        origin_of(iri)


def test_compare_origins_by_scheme_host_and_port() -> None:
    assert origin_of("http://example.org/a") == origin_of("http://EXAMPLE.org:80/b")
    assert origin_of("http://example.org/") != origin_of("https://example.org/")
    assert origin_of("http://example.org/") != origin_of("http://example.org:8080/")
    assert origin_of("http://127.0.0.1/") != origin_of("http://[::ffff:127.0.0.1]/")


@pytest.mark.parametrize("text", ["http://example.org/sparql", "http://example.org/?q", "http://example.org#x", ""])
def test_refuse_allowlist_entry_that_is_not_an_origin(text: str) -> None:
    with pytest.raises(OriginError):
        allowlist_origin(text)


def test_read_allowlist_setting_as_comma_separated_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIGKG_SERVICE_ALLOWLIST", " https://Dbpedia.ORG/ , http://10.0.0.5:8890,,http://[::1]:80 ")
    assert Settings().service_allowlist == ["https://dbpedia.org", "http://10.0.0.5:8890", "http://[::1]"]  # type: ignore[call-arg]
    monkeypatch.delenv("MIGKG_SERVICE_ALLOWLIST")
    assert Settings().service_allowlist == []  # type: ignore[call-arg]


def test_refuse_to_start_with_a_bad_allowlist_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIGKG_SERVICE_ALLOWLIST", "http://example.org, http://127.1:8890")
    with pytest.raises(ValidationError, match=r"MIGKG_SERVICE_ALLOWLIST: '127\.1' is not a dotted-quad"):
        Settings()  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
        ("127.0.0.1", False),
        ("127.255.0.9", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("255.255.255.255", False),
        ("::1", False),
        ("::", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:93.184.215.14", True),
    ],
)
def test_judge_address_public_or_not(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize(
    ("address", "dialable"),
    [
        ("127.0.0.1", True),
        ("10.0.0.5", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("::", False),
        ("224.0.0.1", False),
        ("::ffff:0.0.0.0", False),
    ],
)
def test_dial_written_private_address_but_never_unspecified_or_multicast(address: str, dialable: bool) -> None:
    assert is_dialable(ipaddress.ip_address(address)) is dialable


def addresses(endpoint: str, origin: Origin) -> list[str]:
    """``client.addresses`` on an event loop of its own (a browser test may hold this thread's loop)."""
    with anyio.from_thread.start_blocking_portal() as portal:
        return portal.call(client.addresses, endpoint, origin)


def test_dial_allowlisted_address_as_written() -> None:
    assert addresses("http://127.0.0.1:9/sparql", Origin("http", "127.0.0.1", 9)) == ["127.0.0.1"]


def test_refuse_allowlisted_name_resolving_to_loopback() -> None:
    with pytest.raises(ServiceRefused, match=r"localhost resolves to .*not a public address"):
        addresses("http://localhost:9/sparql", Origin("http", "localhost", 9))


def test_refuse_allowlisted_unspecified_address() -> None:
    with pytest.raises(ServiceRefused, match="not an address a service can have"):
        addresses("http://0.0.0.0:9/", Origin("http", "0.0.0.0", 9))
