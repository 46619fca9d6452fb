"""``resolve``: a query's SERVICE blocks answered by our client and written into it as VALUES.

Called by the endpoint (and the query editor) before the query reaches any store, so every backend
federates the same way and the store itself never calls out (``EmbeddedStore`` still refuses SERVICE).
In order:

1. no ``SERVICE`` in the text: the query is returned as it is (a substring test, then the lexer);
2. every call is checked before anything is sent: its endpoint is an IRI (not a variable), its origin is
   allowlisted exactly (``MIGKG_SERVICE_ALLOWLIST``), there are at most ``service_max_calls`` calls,
   and each allowlisted host name resolves to public addresses only — otherwise ServiceRefused (400);
3. the calls run one after another, each within ``service_timeout`` seconds, its answer capped at
   ``service_max_bytes`` and ``service_max_rows``; a call that fails is ServiceFailed (502) or
   ServiceTimeout (504), or one empty solution under SILENT. A refusal (a redirect off the allowlist)
   stays a refusal under SILENT.
"""

from __future__ import annotations

import uuid

import anyio
import httpcore

from server.federation import blocks, client
from server.federation.blocks import Call, Plan
from server.federation.errors import ServiceFailed, ServiceRefused, ServiceTimeout
from server.federation.origins import Origin, OriginError, allowlist_origin, origin_of
from server.settings import Settings
from server.store.base import StoreError


async def resolve(sparql: str, settings: Settings) -> str:
    """``sparql`` with each top-level SERVICE block replaced by its endpoint's solutions (see module doc)."""
    if not blocks.mentions_service(sparql):
        return sparql
    plan = await anyio.to_thread.run_sync(blocks.plan, sparql, settings.base_iri)  # up to ~0.4 s at 600 kB
    if not plan.calls:
        return sparql
    allowlist = frozenset(allowlist_origin(entry) for entry in settings.service_allowlist)
    if len(plan.calls) > settings.service_max_calls:
        raise ServiceRefused(
            f"({len(plan.calls)} calls)", f"a query may make at most {settings.service_max_calls} SERVICE calls"
        )
    origins = [_check(call, allowlist, settings.service_allowlist) for call in plan.calls]
    pins = await _resolve_hosts(plan, origins, settings.service_timeout)
    limits = client.Limits(settings.service_timeout, settings.service_max_bytes, settings.service_max_rows)
    checked = {host: found for host, found in pins.items() if isinstance(found, list)}
    async with client.Session(checked, allowlist, limits) as session:
        answers = [
            await _answer(session, plan, call, pins[origin.host], settings)
            for call, origin in zip(plan.calls, origins, strict=True)
        ]
    return plan.rewrite(answers)


def _check(call: Call, allowlist: frozenset[Origin], listed: list[str]) -> Origin:
    """The origin ``call`` may reach, or ServiceRefused naming the endpoint and the rule it breaks."""
    if call.endpoint is None:
        raise ServiceRefused(call.target, "the endpoint must be an IRI written in the query, not a variable")
    try:
        origin = origin_of(call.endpoint)
    except OriginError as error:
        raise ServiceRefused(f"<{call.endpoint}>", str(error)) from None
    if origin not in allowlist:
        allowed = ", ".join(listed) if listed else "none: federation is off"
        reason = f"its origin {origin} is not in this endpoint's allowlist (allowed origins: {allowed})"
        raise ServiceRefused(f"<{call.endpoint}>", reason)
    return origin


async def _resolve_hosts(plan: Plan, origins: list[Origin], seconds: float) -> dict[str, list[str] | StoreError]:
    """Each host's checked addresses, or the failure its calls will report (refusals are raised at once)."""
    found: dict[str, list[str] | StoreError] = {}
    for call, origin in zip(plan.calls, origins, strict=True):
        if origin.host in found:
            continue
        assert call.endpoint is not None
        try:
            with anyio.fail_after(seconds):
                found[origin.host] = await client.addresses(call.endpoint, origin)
        except ServiceFailed as error:
            found[origin.host] = error
        except TimeoutError:
            found[origin.host] = ServiceTimeout(call.endpoint, seconds)
    return found


async def _answer(
    session: client.Session, plan: Plan, call: Call, pinned: list[str] | StoreError, settings: Settings
) -> str:
    """The VALUES block answering ``call``, or SILENT's empty solution when it fails under SILENT."""
    assert call.endpoint is not None
    try:
        if isinstance(pinned, StoreError):
            raise pinned
        with anyio.fail_after(settings.service_timeout):
            answer = await session.fetch(call.endpoint, plan.remote_query(call, settings.base_iri))
        return await anyio.to_thread.run_sync(
            client.values_from, answer, settings.service_max_rows, settings.base_iri, uuid.uuid4().hex
        )
    except (TimeoutError, httpcore.TimeoutException):
        failure: StoreError = ServiceTimeout(call.endpoint, settings.service_timeout)
    except (ServiceFailed, ServiceTimeout) as error:
        failure = error
    except blocks.TermError as error:
        failure = ServiceFailed(call.endpoint, str(error))
    except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol, OSError) as error:
        failure = ServiceFailed(call.endpoint, f"the exchange broke off ({type(error).__name__}: {error})")
    if call.silent:
        return blocks.SILENT_EMPTY
    raise failure
