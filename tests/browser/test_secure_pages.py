"""Secure pages in Chromium: every page kind draws under the Content-Security-Policy (no inline script) with no
policy violation and no request to another host — the editor, the pictures and the OpenAPI page (Swagger UI,
vendored) included — and an IRI that is not http(s) in a query result is shown as text, never as a link.

The guard of every page (conftest.py) already fails a test on a request off loopback or a console error (a CSP
violation is one); ``violations`` also collects the policy's own reports (``securitypolicyviolation``)."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest
from browsing import Trouble, wait_for_js
from playwright.sync_api import Page, expect

from tools.loopback import Server

pytestmark = [pytest.mark.browser, pytest.mark.build, pytest.mark.xdist_group("browser")]

SEGIB = quote("https://w3id.org/migkg/id/organisation/segib", safe="")
PICTURE_READY = "document.body.dataset.pictureReady === 'true'"
RECORD_VIOLATIONS = """window.cspViolations = [];
document.addEventListener("securitypolicyviolation",
  e => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));"""
JAVASCRIPT_IRI = (  # DOMPurify, in YASR, would strip the first two links but keep mailto:
    'SELECT ?x ?y ?z WHERE { BIND(IRI("javascript:alert(document.domain)") AS ?x) BIND(IRI("urn:x:1") AS ?y) '
    'BIND(IRI("mailto:a@example.org") AS ?z) }'
)
# Each page kind, and what shows that its scripts ran.
PAGES = {
    "home": ("/", None),
    "search": ("/search?q=migra", None),
    "entity": ("/doc/organisation/segib", None),
    "browse": ("/browse", None),
    "matrix": ("/matrix", None),
    "commitments": ("/commitments", None),
    "reader": ("/source", None),
    "ontology": ("/def", None),
    "recipes": ("/recipes", None),
    "download": ("/download", None),
    "partners": ("/partners", None),
    "editor": ("/query", "window.migkgYasqe !== undefined && document.querySelector('#yasqe .CodeMirror')"),
    "timeline": (f"/timeline?focus={SEGIB}", PICTURE_READY),
    "network": (f"/network?focus={SEGIB}", PICTURE_READY),
    "map": ("/map", PICTURE_READY),
    "openapi": ("/docs", "document.querySelectorAll('#swagger-ui .opblock').length > 10"),
}


def violations(page: Page) -> list[str]:
    return list(page.evaluate("window.cspViolations || []"))


@pytest.mark.parametrize("kind", PAGES)
def test_page_draws_under_the_policy_with_nothing_from_another_host(page: Page, kind: str) -> None:
    path, drawn = PAGES[kind]
    page.add_init_script(RECORD_VIOLATIONS)
    response = page.goto(path)
    assert response is not None and response.ok, path
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy
    assert (response.headers["x-content-type-options"], response.headers["x-frame-options"]) == ("nosniff", "DENY")
    assert response.headers["referrer-policy"] == "same-origin"
    if drawn:
        wait_for_js(page, drawn)
    page.wait_for_load_state("networkidle")
    assert violations(page) == []


def test_page_source_holds_no_inline_script(served: Server) -> None:
    """Only data islands (type="application/json", which no browser runs) and scripts with a src."""
    for path, _ in PAGES.values():
        html = httpx.get(served.url + path, timeout=60).text
        for tag in html.split("<script")[1:]:
            opening = tag.split(">", 1)[0]
            assert " src=" in opening or 'type="application/json"' in opening, (path, opening)
        assert " onclick=" not in html and " onload=" not in html and "javascript:" not in html, path


def test_javascript_iri_in_a_result_is_text_not_a_link(page: Page) -> None:
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto("/query?query=" + quote(JAVASCRIPT_IRI))
    results = page.locator("#results")
    expect(results).to_contain_text("javascript:alert(document.domain)")
    assert page.locator("#results a[href]").count() == 0
    page.goto("/query")
    wait_for_js(page, "window.migkgYasqe !== undefined")
    page.evaluate("q => { window.migkgYasqe.setValue(q); }", JAVASCRIPT_IRI)
    page.get_by_role("button", name="Run query").click()  # the editor's query, answered in the one results area
    table = page.locator("#results tbody")
    expect(table).to_contain_text("javascript:alert(document.domain)")
    expect(table).to_contain_text("urn:x:1")
    expect(table).to_contain_text("mailto:a@example.org")
    links = page.locator("#results tbody a[href]").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert links == []  # the result holds no http(s) IRI
    assert page.locator('a[href^="javascript" i]').count() == 0
    assert violations(page) == []


def test_policy_refuses_a_request_to_another_host_before_it_leaves(page: Page, trouble: Trouble) -> None:
    page.goto("/")
    outcome = page.evaluate("fetch('https://example.org/x.js').then(() => 'loaded', () => 'failed')")
    assert outcome == "failed"
    assert trouble.off_host == []  # refused by the page's policy: the request never reached the network
    assert any("Content Security Policy" in line for line in trouble.console_errors), trouble.console_errors
    trouble.console_errors.clear()  # expected here; the teardown fails on any other
