"""What every fuzz case checks of its answer: a clear status (never a 5xx), a readable message with a 4xx, and no
stack trace or internal detail in the body."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from tools import loopback

# Marks of a Python stack trace or of internals leaking into an answer.
LEAKS = ("Traceback (most recent call last)", '.py", line ', "site-packages", "pyoxigraph.", "RuntimeError", "<module>")
TIMEOUT = 20.0  # seconds: longer than the server's 5 s query deadline, so a hang fails the case


@dataclass
class FuzzServer:
    server: loopback.Server
    token: str

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


DEADLINE = "did not finish within"  # the 503 of a query stopped at the server's deadline
MEMORY = "of memory a query may use"  # the 503 (type memory) of a query stopped at its worker's memory cap
BUSY = "stayed busy for"  # the 503 of a valid query that found every worker busy with earlier (heavy) fuzz cases


def assert_clear(response: httpx.Response, *, deadline_ok: bool = False) -> None:
    """2xx, 3xx or a 4xx with a message; never a 5xx (but, with ``deadline_ok``, the 503 of a valid query stopped
    at the deadline or at its memory cap, or that found every worker busy); no stack trace in the body; a
    ``Location`` of ASCII only."""
    request = response.request
    if deadline_ok and response.status_code == 503 and any(m in response.text for m in (DEADLINE, MEMORY, BUSY)):
        return
    where = f"{request.method} {request.url.raw_path.decode('latin-1')[:300]}"
    assert_clear_answer(where, response.status_code, response.content, head=request.method == "HEAD")
    location = response.headers.raw and dict(response.headers.raw).get(b"location", b"")
    assert not location or location.isascii(), f"{where} → Location with raw bytes: {location!r}"


def assert_clear_answer(where: str, status: int, content: bytes, *, head: bool = False) -> None:
    """``assert_clear`` for any client's answer: ``where`` names the request."""
    body = content.decode("utf-8", "replace")
    assert status < 500, f"{where} → {status}: {body[:500]}"
    for mark in LEAKS:
        assert mark not in body, f"{where} → {status} leaks {mark!r}: {body[:500]}"
    if 400 <= status < 500 and not head:
        assert body.strip(), f"{where} → {status} with an empty body"


def raw_get(client: httpx.Client, raw_path: str, **headers: str | bytes) -> httpx.Response:
    """A GET of exactly ``raw_path`` (percent-escapes and all), not normalised by the client."""
    url = client.base_url.copy_with(raw_path=raw_path.encode("latin-1"))
    return client.get(url, headers=headers)
