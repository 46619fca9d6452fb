"""Partners and their bearer tokens, in one JSON file under the state directory.

A partner is an agency (a slug, ``[a-z0-9][a-z0-9-]{0,62}``) with a display name, the exact web origins its
browser clients may write from (CORS), and tokens. A token is 256 random bits from ``secrets``; it is shown
once, when made, and only its SHA-256 is stored. A plain, fast hash is enough here: slow password hashes
(scrypt, PBKDF2) exist to make guessing *low-entropy* secrets expensive, but guessing a uniformly random
256-bit token takes ~2^255 tries whatever the hash costs, and a slow hash would instead cost every request
tens of milliseconds of CPU (an easy way to overload the server). No salt is needed for the same reason:
tokens are never reused, so precomputed tables cannot exist. The token id shown in listings and recorded in
provenance is derived from the token by another, domain-separated hash: it names the token without giving
anything that helps to find it.

The file is rewritten atomically (temporary file, fsync, rename, fsync of the directory) under an exclusive
lock, mode 0600; a reader sees the whole old registry or the whole new one. ``authenticate`` re-reads it when
it changed on disk, so a ``migkg partner revoke`` in another process takes effect on the next request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from server import prefixes
from server.federation.origins import OriginError, allowlist_origin
from server.partners import files

AGENCY: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
TOKEN_PREFIX: Final = "migkg_"
TOKEN_BYTES: Final = 32  # 256 bits
_TOKEN_ID_DOMAIN: Final = b"migkg token id\x00"
_FORMAT: Final = 1


class RegistryError(ValueError):
    """A partner command that cannot be done (unknown or duplicate agency, bad origin); the message says why."""


@dataclass(frozen=True)
class Token:
    """What is kept of a token: its id (shown), its SHA-256 (compared), when it was made and revoked."""

    id: str
    sha256: str
    created: str
    revoked: str | None = None


@dataclass(frozen=True)
class Partner:
    agency: str
    name: str
    origins: tuple[str, ...]
    created: str
    revoked: str | None = None
    tokens: tuple[Token, ...] = field(default=(), repr=False)

    @property
    def active(self) -> bool:
        return self.revoked is None

    @property
    def graphs(self) -> str:
        """The namespace of the graphs this partner may write: ``graph/partner/<agency>/``."""
        return f"{prefixes.GRAPH_PARTNER}{self.agency}/"

    @property
    def iri(self) -> str:
        """The agent its graphs are attributed to in their provenance."""
        return prefixes.PARTNER + self.agency

    @property
    def token_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.tokens if t.revoked is None)

    def allows_origin(self, origin: str | None) -> bool:
        """Whether a browser page from ``origin`` (an ``Origin`` header) may write as this partner (CORS)."""
        if not origin:
            return False
        try:
            return normalise_origin(origin) in self.origins
        except RegistryError:
            return False


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_id(token: str) -> str:
    """A short, non-secret name for a token (16 hex digits of a domain-separated SHA-256)."""
    return hashlib.sha256(_TOKEN_ID_DOMAIN + token.encode("utf-8")).hexdigest()[:16]


def new_token() -> str:
    """``migkg_`` and 256 random bits, URL-safe base64 (a valid RFC 6750 bearer token)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def check_agency(agency: str) -> str:
    if not AGENCY.fullmatch(agency):
        raise RegistryError(
            f"invalid agency {agency!r}: use 1-63 lower-case letters, digits and hyphens, starting with a letter "
            "or digit (it becomes part of graph IRIs: graph/partner/<agency>/…)"
        )
    return agency


def normalise_origin(value: str) -> str:
    """An exact web origin, ``scheme://host[:port]``, lower-cased and without the scheme's default port (the form
    browsers send in ``Origin``), read by the one strict origin parser (``federation.origins``). Paths, queries,
    fragments and credentials are refused.

    >>> normalise_origin("HTTPS://Acme.Example:443/")
    'https://acme.example'
    """
    try:
        return str(allowlist_origin(value))
    except OriginError as e:
        raise RegistryError(f"invalid origin {value!r}: {e}") from None


def _partner_from_json(raw: dict[str, Any]) -> Partner:
    return Partner(
        agency=raw["agency"],
        name=raw["name"],
        origins=tuple(raw.get("origins", ())),
        created=raw["created"],
        revoked=raw.get("revoked"),
        tokens=tuple(Token(**t) for t in raw.get("tokens", ())),
    )


def _registry_json(partners: list[Partner]) -> bytes:
    body = {"format": _FORMAT, "partners": [asdict(p) for p in partners]}
    return (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


class Registry:
    """The partners in ``path`` (created on the first ``add``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock_file = path.with_name(f".{path.name}.lock")
        self._cache: tuple[tuple[int, int, int], list[Partner]] | None = None
        self._cache_lock = threading.Lock()

    # --- reading -----------------------------------------------------------------------------------------------

    def partners(self) -> list[Partner]:
        """Every partner ever added (revoked ones too), in the order they were added."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return []
        signature = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        with self._cache_lock:
            if self._cache is None or self._cache[0] != signature:
                raw = json.loads(self.path.read_text(encoding="utf-8"))
                if raw.get("format") != _FORMAT:
                    raise RegistryError(f"{self.path}: unknown registry format {raw.get('format')!r}")
                self._cache = (signature, [_partner_from_json(p) for p in raw["partners"]])
            return list(self._cache[1])

    def get(self, agency: str) -> Partner | None:
        return next((p for p in self.partners() if p.agency == agency), None)

    def authenticate(self, token: str | None) -> Partner | None:
        """The active partner holding ``token`` (an active token of theirs), or None.

        Every stored hash is compared, in constant time each (``hmac.compare_digest``).
        """
        if not token:
            return None
        digest = token_hash(token)
        found: Partner | None = None
        for partner in self.partners():
            for stored in partner.tokens:
                if hmac.compare_digest(digest, stored.sha256) and stored.revoked is None and partner.active:
                    found = partner
        return found

    # --- changing ----------------------------------------------------------------------------------------------

    def add(self, agency: str, *, origins: tuple[str, ...] = (), name: str | None = None) -> tuple[Partner, str]:
        """Create a partner with one token; return it and the token (the only time the token is available)."""
        check_agency(agency)
        exact = tuple(dict.fromkeys(normalise_origin(o) for o in origins))
        token = new_token()
        created = now_iso()
        with files.exclusive(self._lock_file):
            partners = self.partners()
            existing = next((p for p in partners if p.agency == agency), None)
            if existing is not None:
                state = f"revoked on {existing.revoked}" if existing.revoked else f"added on {existing.created}"
                raise RegistryError(f"partner {agency!r} already exists ({state}); agency names are never reused")
            partner = Partner(
                agency=agency,
                name=(name or agency).strip() or agency,
                origins=exact,
                created=created,
                tokens=(Token(id=token_id(token), sha256=token_hash(token), created=created),),
            )
            self._save([*partners, partner])
        return partner, token

    def revoke(self, agency: str) -> Partner:
        """Revoke a partner and all its tokens; its graphs stay, read-only."""
        when = now_iso()
        with files.exclusive(self._lock_file):
            partners = self.partners()
            current = next((p for p in partners if p.agency == agency), None)
            if current is None:
                known = ", ".join(p.agency for p in partners) or "none"
                raise RegistryError(f"unknown partner {agency!r} (partners: {known})")
            if current.revoked:
                raise RegistryError(f"partner {agency!r} was already revoked on {current.revoked}")
            revoked = replace(
                current,
                revoked=when,
                tokens=tuple(t if t.revoked else replace(t, revoked=when) for t in current.tokens),
            )
            self._save([revoked if p.agency == agency else p for p in partners])
        return revoked

    def _save(self, partners: list[Partner]) -> None:
        files.write_atomic(self.path, _registry_json(partners), mode=0o600)
