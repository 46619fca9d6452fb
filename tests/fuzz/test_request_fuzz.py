"""Hostile headers (Accept, Content-Type, Host, conditional headers…) and request paths (``/id/…``, ``/doc/…``,
``%00``, overlong UTF-8, ``..``): a clear answer, never a 5xx, and the server keeps serving."""

from __future__ import annotations

import httpx
import pytest
from fuzzing import FuzzServer, assert_clear, raw_get
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import HEADER_NAMES, accept_values, ascii_paths, header_value, hostile_paths

pytestmark = [pytest.mark.http, pytest.mark.build, pytest.mark.fuzz, pytest.mark.xdist_group("fuzz")]

FUZZ = settings.get_profile("fuzz")
TARGETS = (
    "/", "/sparql?query=ASK%7B%7D", "/sparql", "/search?q=forum", "/browse", "/query", "/def", "/healthz",
    "/.well-known/void", "/graph-store?default", "/doc/event/fibemyd-2008", "/id/event/fibemyd-2008", "/download",
    "/context.jsonld", "/api/search?q=x", "/static/style.css", "/metrics",
)  # fmt: skip


@settings(FUZZ)
@given(target=st.sampled_from(TARGETS), accept=accept_values)
def test_get_answers_clearly_whatever_the_accept(client: httpx.Client, target: str, accept: bytes) -> None:
    assert_clear(client.get(target, headers={"Accept": accept}))


@settings(FUZZ)
@given(target=st.sampled_from(TARGETS), headers=st.dictionaries(st.sampled_from(HEADER_NAMES), header_value,
                                                               min_size=1, max_size=4))  # fmt: skip
def test_get_answers_clearly_whatever_the_headers(client: httpx.Client, target: str, headers: dict[str, bytes]) -> None:
    assert_clear(client.get(target, headers=headers))


@settings(FUZZ)
@given(
    content_type=st.one_of(
        header_value,
        st.sampled_from(
            (b"application/sparql-query; charset=ebcdic", b"application/x-www-form-urlencoded; charset=utf-16")
        ),
    )
)
def test_post_query_answers_clearly_whatever_the_content_type(client: httpx.Client, content_type: bytes) -> None:
    assert_clear(client.post("/sparql", content=b"query=ASK%7B%7D", headers={"Content-Type": content_type}))


@settings(FUZZ)
@given(path=ascii_paths)
def test_get_path_answers_clearly_with_ascii_tricks(client: httpx.Client, path: str) -> None:
    """``..``, ``%2e%2e``, ``%2F``, ``//``, escaped markup: a 2xx, 3xx or 4xx."""
    assert_clear(raw_get(client, path))


@settings(FUZZ)
@given(path=hostile_paths)
def test_get_path_answers_clearly_with_hostile_bytes(client: httpx.Client, path: str) -> None:
    """``%00``, overlong UTF-8 (``%C0%AE``), lone surrogates, CR-LF, any Unicode: a 2xx, 3xx or 4xx."""
    response = raw_get(client, path)
    assert_clear(response)
    assert "\r" not in response.headers.get("location", "")


def test_request_fuzzed_server_keeps_serving(fuzz_server: FuzzServer) -> None:
    fuzz_server.server.assert_serving()
