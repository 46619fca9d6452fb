"""SPARQL text from hostile strategies, sent in each of the Protocol's three forms: a clear 2xx or 4xx every time."""

from __future__ import annotations

import httpx
import pytest
from fuzzing import FuzzServer, assert_clear
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import sparql_text

pytestmark = [pytest.mark.http, pytest.mark.build, pytest.mark.fuzz, pytest.mark.xdist_group("fuzz")]

FORMS = ("get", "form", "direct")


def send(client: httpx.Client, form: str, query: str) -> httpx.Response:
    if form == "get":
        return client.get("/sparql", params={"query": query})
    if form == "form":
        return client.post("/sparql", data={"query": query})
    return client.post("/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query"})


@settings(settings.get_profile("fuzz"))
@given(query=sparql_text, form=st.sampled_from(FORMS))
def test_send_query_answers_clearly_whatever_the_text(client: httpx.Client, query: str, form: str) -> None:
    # A GET whose URL is too long for the server's request line is refused by uvicorn itself (also a 4xx).
    assert_clear(send(client, "form" if form == "get" and len(query) > 4000 else form, query), deadline_ok=True)


@settings(settings.get_profile("fuzz"))
@given(body=st.binary(max_size=400), content_type=st.sampled_from(
    ("application/sparql-query", "application/sparql-query; charset=latin-1", "application/x-www-form-urlencoded",
     "application/sparql-update", "text/plain", "")))  # fmt: skip
def test_post_bytes_answers_clearly_whatever_the_encoding(client: httpx.Client, body: bytes, content_type: str) -> None:
    """Bytes that are not UTF-8 (or not a form) are a 400 or 415, never a crash."""
    assert_clear(client.post("/sparql", content=body, headers={"Content-Type": content_type}))


def test_fuzzed_server_keeps_serving(fuzz_server: FuzzServer) -> None:
    fuzz_server.server.assert_serving()
