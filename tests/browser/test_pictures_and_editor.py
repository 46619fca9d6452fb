"""The query editor, the browse pages and the pictures in Chromium.

The contract they test (element ids and data attributes) is the one agreed for those pages: /query has
``#yasqe`` (the editor, in ``#query-form``), ``.catalogue-entry[data-name]`` with a ``.run-query`` link, and one
results area, ``#answer`` with ``#results``, with or without JavaScript; pictures set
``document.body.dataset.pictureReady = "true"`` once drawn.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote

import pytest
from browsing import Trouble, assert_accessible, shoot, wait_for_js
from playwright.sync_api import Page, expect

from tools.loopback import Server

pytestmark = [pytest.mark.browser, pytest.mark.build, pytest.mark.xdist_group("browser")]

SEGIB = "https://w3id.org/migkg/id/organisation/segib"
PICTURE_READY = "document.body.dataset.pictureReady === 'true'"
# A catalogue query known to return rows (queries/*.rq, each with its expected answer); else the first entry.
CATALOGUE_QUERY = "07-good-practices-per-government"
RESULT_ROWS = "#results tbody tr, #results tr:has(td)"
DOC_PAGE = re.compile(r"/doc/")


def open_page(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.ok, f"{path} answered {response.status if response else 'nothing'}"


def test_query_editor_runs_a_catalogue_query(page: Page, served: Server) -> None:
    open_page(page, "/query")
    expect(page.locator("#yasqe")).to_be_visible()
    entries = page.locator(".catalogue-entry[data-name]")
    expect(entries).not_to_have_count(0)
    entry = page.locator(f'.catalogue-entry[data-name="{CATALOGUE_QUERY}"]')
    if not entry.count():
        entry = entries.first
    entry.locator(".run-query").click()
    wait_for_js(page, f"document.querySelectorAll({RESULT_ROWS!r}).length > 0")
    shoot(page, "query")
    assert_accessible(page)


def test_query_editor_completes_ontology_terms_with_label_and_comment(page: Page, served: Server) -> None:
    open_page(page, "/query")
    wait_for_js(page, "window.migkgYasqe !== undefined")
    page.evaluate(
        """() => { const yasqe = window.migkgYasqe;
        yasqe.setValue("SELECT * WHERE {\\n  ?event ");
        yasqe.focus(); yasqe.getDoc().setCursor({ line: 1, ch: 9 }); }"""
    )
    page.keyboard.type("mig:hel", delay=30)  # mig: is predeclared: no PREFIX line needed
    hint = page.locator(".CodeMirror-hints .migkg-term-hint", has_text="mig:heldIn")
    expect(hint).to_have_count(1)
    expect(hint).to_contain_text("held in")  # the label beside the term
    expect(hint).to_have_attribute("title", re.compile(r"\w"))  # the comment as its tooltip
    shoot(page, "query-completion")
    page.keyboard.press("Enter")
    value = page.evaluate("window.migkgYasqe.getValue()")
    assert "?event mig:heldIn" in value


def test_query_editor_shows_a_malformed_query_explained(page: Page, served: Server, trouble: Trouble) -> None:
    open_page(page, "/query")
    wait_for_js(page, "window.migkgYasqe !== undefined")
    page.evaluate("""() => { window.migkgYasqe.setValue("SELECT * WHERE { ?s mgi:heldIn ?o }"); }""")
    page.get_by_role("button", name="Run query").click()
    excerpt = page.locator("#answer .query-excerpt")
    expect(excerpt).to_have_text("  1 | SELECT * WHERE { ?s mgi:heldIn ?o }\n    |                     ^")
    expect(page.locator("#answer .query-hint")).to_contain_text(
        "Hint: Did you mean mig: <https://w3id.org/migkg/def#>?"
    )
    shoot(page, "query-error")
    # Chromium logs the page's 400 on the console: that one is expected, any other console error still fails.
    assert [line for line in trouble.console_errors if not ("status of 400" in line and "/query" in line)] == []
    trouble.console_errors.clear()


def test_query_form_works_without_javascript(new_page: Callable[..., Page], served: Server) -> None:
    page = new_page(java_script_enabled=False)
    open_page(page, "/query")
    form = page.locator("#query-form")
    expect(form).to_be_visible()
    form.locator("textarea").fill("SELECT ?s WHERE { ?s a <https://w3id.org/migkg/def#Workshop> } LIMIT 5")
    form.locator("[type=submit]").first.click()
    page.wait_for_load_state()
    expect(page.locator("#results")).to_be_visible()
    expect(page.locator(RESULT_ROWS).first).to_be_attached()
    shoot(page, "query-no-js")


def test_timeline_draws_and_an_item_leads_to_its_page(page: Page, served: Server) -> None:
    open_page(page, "/timeline?focus=" + quote(SEGIB, safe=""))
    wait_for_js(page, PICTURE_READY)
    assert page.evaluate("typeof window.migkgTimeline === 'object' && window.migkgTimeline !== null")
    expect(page.locator("#timeline")).to_be_visible()
    shoot(page, "timeline")
    assert_accessible(page)
    item = page.locator("#timeline .vis-item").first
    expect(item).to_be_visible()
    item.click()
    page.wait_for_url(DOC_PAGE)


NODE_TO_CLICK = """() => {
  const cy = window.migkgNetwork;
  const nodes = cy.nodes().filter(n => n.visible() && n.renderedBoundingBox().w > 0);
  const other = nodes.filter(n => !n.id().endsWith("/organisation/segib"));
  const node = (other.length ? other : nodes)[0];
  const box = cy.container().getBoundingClientRect();
  const at = node.renderedPosition();
  return {x: box.left + at.x, y: box.top + at.y, id: node.id(), pan: cy.pan(), zoom: cy.zoom()};
}"""


def test_network_draws_and_a_node_leads_on(page: Page, served: Server) -> None:
    open_page(page, "/network?focus=" + quote(SEGIB, safe=""))
    wait_for_js(page, PICTURE_READY)
    assert page.evaluate("typeof window.migkgNetwork?.nodes === 'function' && window.migkgNetwork.nodes().length > 0")
    expect(page.locator("#network")).to_be_visible()
    shoot(page, "network")
    assert_accessible(page)
    before = page.url
    node = page.evaluate(NODE_TO_CLICK)
    page.mouse.click(node["x"], node["y"])
    # a node navigates to its page, or re-centres the picture on it
    wait_for_js(
        page,
        """([before, pan, zoom]) => location.href !== before
             || (window.migkgNetwork && (JSON.stringify(window.migkgNetwork.pan()) !== JSON.stringify(pan)
                                         || window.migkgNetwork.zoom() !== zoom))""",
        [before, node["pan"], node["zoom"]],
    )


def test_map_draws_countries_and_a_country_leads_to_its_page(page: Page, served: Server) -> None:
    open_page(page, "/map")
    wait_for_js(page, PICTURE_READY)
    expect(page.locator("#map")).to_be_visible()
    countries = page.locator("#map .country[data-iso3]")
    assert countries.count() > 100
    shoot(page, "map")
    assert_accessible(page)
    mexico = page.locator('#map .country[data-iso3="MEX" i]')
    country = mexico if mexico.count() else countries.first
    iso3 = (country.first.get_attribute("data-iso3") or "").lower()
    country.first.click()
    page.wait_for_url(re.compile(rf"/doc/country/{iso3}$", re.IGNORECASE))


def test_browse_facet_value_narrows_the_results(page: Page, served: Server) -> None:
    open_page(page, "/browse")
    expect(page.locator("#facets")).to_be_visible()
    expect(page.locator("#facets .facet[data-facet]")).not_to_have_count(0)
    results = page.locator('#results a[href^="/doc/"]')
    before_url, before = page.url, results.count()
    assert before > 0
    shoot(page, "browse")
    assert_accessible(page)
    page.locator("#facets .facet[data-facet] .facet-value").first.click()
    page.wait_for_url(lambda url: url != before_url)
    page.wait_for_load_state()
    after = results.count()
    assert 0 < after <= before, (before, after)


def test_commitments_tracker_marks_unlinked_items(page: Page, served: Server) -> None:
    open_page(page, "/commitments")
    expect(page.locator("#tracker")).to_be_visible()
    items = page.locator("#tracker .item[data-unlinked]")
    expect(items).not_to_have_count(0)
    assert set(items.evaluate_all("els => els.map(e => e.dataset.unlinked)")) <= {"true", "false"}
    shoot(page, "commitments")
    assert_accessible(page)


def test_matrix_draws(page: Page, served: Server) -> None:
    open_page(page, "/matrix")
    expect(page.locator("#matrix")).to_be_visible()
    shoot(page, "matrix")
    assert_accessible(page)
