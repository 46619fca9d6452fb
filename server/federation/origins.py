"""Origins (scheme, host, port) read strictly from IRIs, and which network addresses count as public.

Pure functions. An origin is compared as text after normalisation, never by what it resolves to, so
every spelling a URL parser or ``inet_aton`` would also accept for a host (``127.1``, ``0x7f000001``,
``2130706433``, ``0177.0.0.1``) is refused outright rather than matched: the only IPv4 form taken is the
dotted quad without leading zeros, IPv6 only in brackets and without a zone, and names only as
letters-digits-hyphens labels (after IDNA, which also maps full-width dots and letters to ASCII).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

SCHEMES: Final = {"http": 80, "https": 443}
_LABEL: Final = re.compile(r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?")
_NUMERIC_LABEL: Final = re.compile(r"(0x[0-9a-f]*|[0-9]+)")  # the last label of a host read as IPv4
_AUTHORITY: Final = re.compile(r"(?P<host>\[[^\[\]]*\]|[^\[\]:]*)(?::(?P<port>[0-9]{1,5}))?")
_FORBIDDEN: Final = re.compile(r"[\x00-\x20\\\x7f]")


class OriginError(ValueError):
    """Why a text is not an origin this service will call; ``str()`` says it in a sentence."""


@dataclass(frozen=True)
class Origin:
    """``scheme://host:port``: a lower-case scheme, an ASCII host (an IPv6 address without brackets) and
    the port, default included."""

    scheme: str
    host: str
    port: int

    @property
    def address(self) -> IPAddress | None:
        """The IP address the host is written as, or None for a name."""
        try:
            return ipaddress.ip_address(self.host)
        except ValueError:
            return None

    @property
    def authority(self) -> str:
        """The ``Host`` header: brackets around IPv6, the port only when it is not the scheme's default."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == SCHEMES[self.scheme] else f"{host}:{self.port}"

    def __str__(self) -> str:
        return f"{self.scheme}://{self.authority}"


def origin_of(iri: str) -> Origin:
    """The origin of an absolute ``http``/``https`` IRI, or OriginError saying what is wrong with it."""
    if _FORBIDDEN.search(iri):
        raise OriginError("it contains a space, a control character or a backslash")
    try:
        parts = urlsplit(iri)
    except ValueError as error:  # an unbalanced "[" in the authority
        raise OriginError(str(error)) from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise OriginError(f"only http and https endpoints can be called, not {scheme or 'a relative IRI'}")
    if "@" in parts.netloc:
        raise OriginError("user names and passwords in the IRI are not accepted")
    authority = _AUTHORITY.fullmatch(parts.netloc)
    if authority is None or not authority.group("host"):
        raise OriginError(f"{parts.netloc!r} is not a host with an optional port")
    port = int(authority.group("port")) if authority.group("port") else SCHEMES[scheme]
    if not 0 < port < 65536:
        raise OriginError(f"port {port} is out of range")
    return Origin(scheme, _host(authority.group("host")), port)


def allowlist_origin(text: str) -> Origin:
    """An allowlist entry: an origin alone (a trailing ``/`` is tolerated), nothing after it."""
    try:
        parts = urlsplit(text.strip())
    except ValueError as error:
        raise OriginError(f"{text!r} is not an origin: {error}") from None
    if parts.path not in ("", "/") or parts.query or parts.fragment or text.strip().endswith(("?", "#")):
        raise OriginError(f"{text!r} is not an origin (scheme://host[:port], no path)")
    return origin_of(text.strip())


def host_name(authority: str) -> str:
    """The host a ``Host`` header value names, lower-case, without its port or IPv6 brackets; "" if none.

    >>> host_name("Example.ORG:8000"), host_name("[::1]:8000"), host_name("127.0.0.1"), host_name("a b")
    ('example.org', '::1', '127.0.0.1', '')
    """
    match = _AUTHORITY.fullmatch(authority.strip())
    if match is None or _FORBIDDEN.search(authority.strip()):
        return ""
    host = match.group("host").lower()
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


def _host(raw: str) -> str:
    if raw.startswith("["):
        try:
            address = ipaddress.IPv6Address(raw[1:-1])
        except ValueError:
            raise OriginError(f"{raw} is not an IPv6 address") from None
        if address.scope_id:
            raise OriginError(f"{raw}: IPv6 zones are not accepted")
        return str(address)
    try:
        host = raw.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise OriginError(f"{raw!r} is not a valid host name") from None
    labels = host.split(".")
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        try:
            return str(ipaddress.IPv4Address(host))
        except ValueError:
            raise OriginError(f"{raw!r} is not a dotted-quad IPv4 address (other numeric forms are refused)") from None
    if not all(_LABEL.fullmatch(label) for label in labels):
        raise OriginError(f"{raw!r} is not a valid host name")
    return host


def is_public(address: IPAddress) -> bool:
    """Whether ``address`` is globally reachable unicast (not loopback, private, link-local, unspecified,
    reserved or multicast); an IPv4-mapped IPv6 address is judged as the IPv4 address it carries."""
    address = _unmapped(address)
    return address.is_global and not address.is_multicast


def is_dialable(address: IPAddress) -> bool:
    """Whether an address written in an allowlisted origin can be called: any unicast address, private or
    loopback included (the operator named it), but never the unspecified address or a multicast group."""
    address = _unmapped(address)
    return not (address.is_unspecified or address.is_multicast)


def _unmapped(address: IPAddress) -> IPAddress:
    """``::ffff:a.b.c.d`` as ``a.b.c.d`` (Python 3.11 judges the mapped form by IPv6 rules alone)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
