"""Who is writing: a partner's bearer token (RFC 6750), accepted only in the ``Authorization`` header.

* ``Authorization: Bearer <token>`` → the active partner holding that token (``Registry.authenticate``: hashes
  compared in constant time). Anything else (no header, another scheme) is 401 with
  ``WWW-Authenticate: Bearer realm="migkg"``, adding ``error="invalid_token"`` when a bearer token was sent that
  opens nothing (wrong, revoked, or its partner revoked).
* A token in the URL or a form body (``access_token``, ``token``) is 400, even a right one: URLs end up in logs,
  browser histories and ``Referer`` headers. The message says so and never repeats the token; ``RedactTokens``
  keeps it out of the server's access log too.
* A write from a browser page (an ``Origin`` header) whose origin the partner has not configured
  (``migkg partner add … --origin``) is 403; the preflights of such writes are ``middleware.WriteCors``'s.

Tokens never appear in a message or a log line of ours: only the token id (a hash of it) goes further.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request

from server.partners.registry import Partner, Registry, token_id
from server.store.base import UpdateForbidden
from server.web.deps import Service
from server.web.errors import BadRequest, Unauthorized

TOKEN_PARAMS: Final = ("access_token", "token")
CORS_RULE: Final = "cors-origin"
_BEARER: Final = re.compile(r"Bearer +([A-Za-z0-9\-._~+/]+=*) *", re.IGNORECASE)  # RFC 6750 §2.1 b64token
_REDACTED: Final = "REDACTED"


@dataclass(frozen=True)
class Caller:
    """An authenticated partner and the id of the token it used (recorded in provenance; never the token)."""

    partner: Partner
    token_id: str


def refuse_token_params(names: Collection[str], where: str = "URL") -> None:
    """400 when a request carries a token as a parameter (``names``: the URL's or the form body's parameters)."""
    found = [name for name in TOKEN_PARAMS if name in names]
    if found:
        raise BadRequest(
            f"A token was sent in the {where} ('{found[0]}' parameter): tokens are accepted only in the "
            "Authorization header (Authorization: Bearer <token>), never in a URL or a form, where logs, "
            "histories and Referer headers keep them. The request was refused; if the token was real, ask "
            "for a new one and have this one revoked."
        )


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer`` header; None for no header, another scheme or a malformed value.

    >>> bearer_token("Bearer migkg_abc-DEF_1"), bearer_token("bearer  x="), bearer_token("Basic dXNlcg==")
    ('migkg_abc-DEF_1', 'x=', None)
    """
    match = _BEARER.fullmatch(authorization or "")
    return match.group(1) if match else None


def authenticate(registry: Registry, authorization: str | None) -> Caller:
    """The partner an ``Authorization`` header authenticates, or Unauthorized (401)."""
    if not authorization:
        raise Unauthorized("This operation needs a partner's token: send it as 'Authorization: Bearer <token>'.")
    token = bearer_token(authorization)
    if token is None:
        raise Unauthorized("The Authorization header is not a bearer token: send 'Authorization: Bearer <token>'.")
    partner = registry.authenticate(token)
    if partner is None:
        raise Unauthorized("The bearer token is not valid (unknown, or revoked).", "invalid_token")
    return Caller(partner, token_id(token))


def check_origin(caller: Caller, origin: str | None) -> None:
    """403 when a browser page (``origin``) writes as a partner that has not configured that origin."""
    if origin is not None and not caller.partner.allows_origin(origin):
        allowed = ", ".join(caller.partner.origins) or "none"
        raise BadRequest(
            f"Writes from a page at {origin} are not allowed for partner {caller.partner.agency!r} (its origins: "
            f"{allowed}; an operator adds one with `migkg partner add … --origin`). (rule: {CORS_RULE})",
            403,
        )


def partner(request: Request, service: Service) -> Caller:
    """The partner writing ``request``: token parameters refused (400), the bearer token checked (401), then the
    page's origin, if any (403)."""
    refuse_token_params(request.query_params.keys())
    caller = authenticate(service.registry, request.headers.get("authorization"))
    check_origin(caller, request.headers.get("origin"))
    return caller


def updater(request: Request, service: Service) -> Caller:
    """The partner sending a SPARQL Update: as ``partner``, except that an update without any Authorization header
    is refused as it always was, 403: the endpoint is read-only to anonymous clients."""
    if "authorization" not in request.headers:
        raise UpdateForbidden()
    return partner(request, service)


def origin_allowed(registry: Registry) -> Callable[[str], bool]:
    """Whether some active partner has configured an origin: what a write preflight is answered by."""
    return lambda origin: any(p.active and p.allows_origin(origin) for p in registry.partners())


# --- logs ------------------------------------------------------------------------------------------------------


def redact(target: str) -> str:
    """A request target with the values of token parameters replaced.

    >>> redact("/graph-store?graph=x&access_token=secret")
    '/graph-store?graph=x&access_token=REDACTED'
    >>> redact("/sparql?query=ASK%7B%7D")
    '/sparql?query=ASK%7B%7D'
    """
    path, sep, query = target.partition("?")
    if not sep or not any(name in query for name in TOKEN_PARAMS):
        return target
    pairs = parse_qsl(query, keep_blank_values=True)
    kept = [(k, _REDACTED if k in TOKEN_PARAMS else v) for k, v in pairs]
    return f"{path}?{urlencode(kept)}"


class RedactTokens(logging.Filter):
    """Keeps token parameters out of uvicorn's access log (``"%s - "%s %s HTTP/%s" %d``: the target is arg 3)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact(args[2]), *args[3:])
        return True


def redact_access_log(logger: str = "uvicorn.access") -> None:
    """Install ``RedactTokens`` on the access logger (once)."""
    log = logging.getLogger(logger)
    if not any(isinstance(f, RedactTokens) for f in log.filters):
        log.addFilter(RedactTokens())
