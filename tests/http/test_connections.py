"""Connection hygiene on a real uvicorn (``migkg serve``, ``server.web.connections``): clients that send a request
head or body too slowly are answered 408 and dropped, idle keep-alive connections are closed, an oversized head
is refused, and beyond the connection limit requests get 503 with ``Retry-After`` — while everyone else is served.

The servers here have deadlines of a second or two. Every socket waits at most ``BOUND`` seconds: a server that
holds a slow client (it used to, for 300 s and more) fails the test there; nothing asserts how fast it let go.
"""

from __future__ import annotations

import select
import socket
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from uvicorn_server import Server, start_server
from waiting import wait_until

pytestmark = [pytest.mark.http, pytest.mark.xdist_group("http")]

BOUND = 30.0  # seconds a test socket waits for the server before the test fails
ASK = {"query": "ASK { ?s ?p ?o }"}
HALF_HEAD = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n"  # no blank line: never ends


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Short deadlines: a head within 1 s, a body within 2 s, 1 s of keep-alive; heads of at most 4 KiB."""
    running = start_server(
        tmp_path_factory.mktemp("guarded"), query_workers="1", header_timeout="1", body_timeout="2",
        keep_alive_timeout="1", max_header_bytes="4096",
    )  # fmt: skip
    yield running
    running.stop()


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """At most three connections; heads may take 30 s, so idle connections stay open while the test looks."""
    running = start_server(
        tmp_path_factory.mktemp("crowded"), query_workers="1", max_connections="3", header_timeout="30",
        retry_after="7",
    )  # fmt: skip
    yield running
    running.stop()


def connect(server: Server) -> socket.socket:
    parts = urlsplit(server.url)
    assert parts.hostname and parts.port
    return socket.create_connection((parts.hostname, parts.port), timeout=BOUND)


def until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (``socket.timeout`` after ``BOUND`` s: it held it)."""
    chunks = []
    while chunk := sock.recv(65_536):
        chunks.append(chunk)
    return b"".join(chunks)


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0


def test_drop_half_sent_head_with_408(guarded: Server) -> None:
    with connect(guarded) as sock:
        sock.sendall(HALF_HEAD)
        answer = until_closed(sock)
    assert status_of(answer) == 408, answer
    assert b"connection: close" in answer.lower()
    assert b"(rule: header-timeout)" in answer
    guarded.assert_serving()


def test_drop_head_trickling_in_at_its_deadline(guarded: Server) -> None:
    """A byte every 0.2 s keeps an idle timer from firing; the head deadline counts from the first byte's wait."""
    answer = b""
    with connect(guarded) as sock:
        sock.sendall(HALF_HEAD)
        for _ in range(int(BOUND / 0.2)):
            readable, _, _ = select.select([sock], [], [], 0.2)
            if readable:
                answer = until_closed(sock)
                break
            try:
                sock.sendall(b"X-Slow: a\r\n")
            except (BrokenPipeError, ConnectionResetError):
                break
        else:
            pytest.fail(f"the server held a trickling head for {BOUND:g} s")
    assert answer == b"" or status_of(answer) == 408, answer
    guarded.assert_serving()


def test_drop_slow_body_with_408(guarded: Server) -> None:
    head = (
        b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
        b"Content-Length: 100\r\n\r\n"
    )
    with connect(guarded) as sock:
        sock.sendall(head + b"ASK {")
        answer = until_closed(sock)
    assert status_of(answer) == 408, answer
    assert b"(rule: body-timeout)" in answer
    guarded.assert_serving()


def test_close_idle_keep_alive_connection(guarded: Server) -> None:
    with connect(guarded) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        answer = until_closed(sock)  # the answer, then the close once the connection has been idle
    assert status_of(answer) == 200, answer


def test_refuse_head_growing_past_its_limit(guarded: Server) -> None:
    """A head not yet ended is buffered up to ``max_header_bytes`` (h11's ``max_incomplete_event_size``), no more."""
    with connect(guarded) as sock:
        sock.sendall(HALF_HEAD + b"X-Big: " + b"a" * 8192)
        answer = until_closed(sock)
    assert status_of(answer) == 400, answer
    guarded.assert_serving()


def test_serve_others_while_slow_clients_are_held(guarded: Server) -> None:
    slow = [connect(guarded) for _ in range(4)]
    try:
        for sock in slow:
            sock.sendall(HALF_HEAD)
        response = httpx.get(guarded.sparql, params=ASK, timeout=BOUND)
        assert response.status_code == 200, response.text
        assert response.json()["boolean"] is True
        dropped = [threading.Thread(target=until_closed, args=(sock,)) for sock in slow]
        for thread in dropped:
            thread.start()
        for thread in dropped:
            thread.join(BOUND)
        assert not any(thread.is_alive() for thread in dropped), "a slow client was held"
    finally:
        for sock in slow:
            sock.close()


def test_refuse_beyond_connection_limit_with_503_and_retry_after(crowded: Server) -> None:
    idle = [connect(crowded) for _ in range(3)]
    try:
        response = httpx.get(crowded.sparql, params=ASK, timeout=BOUND)
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "7"
        assert "(rule: max-connections)" in response.text
    finally:
        for sock in idle:
            sock.close()
    served = wait_until(
        lambda: httpx.get(crowded.sparql, params=ASK, timeout=BOUND).status_code == 200, BOUND, "a free connection"
    )
    assert served
