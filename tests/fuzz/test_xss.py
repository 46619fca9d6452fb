"""Markup and script payloads in every field a page renders (search query, browse facets, the query editor and
its results, partner literals): always escaped, never a live tag or a ``javascript:`` link."""

from __future__ import annotations

import re

import httpx
import pytest
from fuzzing import FuzzServer, assert_clear

from server import prefixes

pytestmark = [pytest.mark.http, pytest.mark.build, pytest.mark.fuzz, pytest.mark.xdist_group("fuzz")]

PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "javascript:alert(1)",
)
LIVE = ("<script>alert", "<img src=x", "<svg onload")
JS_LINK = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)
FACETS = ("type", "topic", "country", "organisation", "source", "year")


def assert_inert(response: httpx.Response) -> None:
    assert_clear(response)
    html = response.text
    for mark in LIVE:
        assert mark not in html, f"{response.url}: live markup {mark!r}"
    assert not JS_LINK.search(html), f"{response.url}: a javascript: link"


def page(client: httpx.Client, path: str, **params: str) -> httpx.Response:
    return client.get(path, params=params, headers={"Accept": "text/html"})


@pytest.mark.parametrize("payload", PAYLOADS)
def test_search_page_escapes_payload_in_query(client: httpx.Client, payload: str) -> None:
    assert_inert(page(client, "/search", q=payload))


@pytest.mark.parametrize("facet", FACETS)
@pytest.mark.parametrize("payload", PAYLOADS)
def test_browse_page_escapes_payload_in_facet(client: httpx.Client, facet: str, payload: str) -> None:
    assert_inert(page(client, "/browse", **{facet: payload}))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_query_editor_escapes_payload_in_query_and_results(client: httpx.Client, payload: str) -> None:
    assert_inert(page(client, "/query", query=payload))
    literal = payload.replace("\\", "\\\\").replace('"', '\\"')
    assert_inert(page(client, "/query", query=f'SELECT ?x WHERE {{ BIND("{literal}" AS ?x) }}'))


def test_query_editor_renders_no_javascript_iri_as_link(client: httpx.Client) -> None:
    assert_inert(page(client, "/query", query='SELECT ?x WHERE { BIND(IRI("javascript:alert(1)") AS ?x) }'))


def test_pages_escape_payload_in_partner_literals(client: httpx.Client, fuzz_server: FuzzServer) -> None:
    """A partner's programme labelled with every payload: its search hit and the commitment item's page."""
    item = prefixes.ID + "commitment/montevideo-2006/p25q"
    turtle = "\n".join(
        f"<https://example.org/agency/programme/xss{n}> a <{prefixes.MIG}Programme> ; "
        f'<{prefixes.RDFS}label> "Programa {payload.replace(chr(34), chr(92) + chr(34))}"@es ; '
        f"<{prefixes.MIG}givesEffectTo> <{item}> ."
        for n, payload in enumerate(PAYLOADS)
    )
    graph = prefixes.GRAPH_PARTNER + "acme/xss"
    written = client.put("/graph-store", params={"graph": graph}, content=turtle.encode(),
                         headers={**fuzz_server.auth, "Content-Type": "text/turtle"})  # fmt: skip
    assert written.status_code in (201, 204), written.text
    assert_inert(page(client, "/search", q="Programa"))
    assert_inert(page(client, "/doc/commitment/montevideo-2006/p25q"))
    assert_inert(page(client, "/partners/acme"))
    assert_inert(page(client, "/doc/commitment/montevideo-2006/p25q", lang="es"))
