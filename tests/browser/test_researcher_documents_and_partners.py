"""Two researcher tasks in Chromium, end to end, clicking as a researcher would (issue 13, items 3, 4 and 8):
find a commitment's provisions on a theme and what is linked to them; find a government's partners and draw its
network at depth 2 with names that do not overlap. Each at desktop (1280) and phone (390) width, with screenshots in
build/screenshots/<task>-{desktop,phone}.png and axe-core clean on every page. Expected values come from the graph
(SPARQL on the same server), not from the page under test."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from browsing import assert_accessible, wait_for_js
from playwright.sync_api import Page, expect

from server import prefixes
from server.settings import REPO_ROOT
from tools.loopback import Server

pytestmark = [pytest.mark.browser, pytest.mark.build, pytest.mark.xdist_group("browser")]

SCREENSHOTS = REPO_ROOT / "build" / "screenshots"
WIDTHS = {"desktop": 1280, "phone": 390}
ITEM = prefixes.ID + "commitment/montevideo-2006/p25q"
# The government body with the most links in the network at depth 1 (measured over every mig:GovernmentBody).
GOVERNMENT = prefixes.ID + "organisation/slv-government"
PICTURE_READY = "document.body.dataset.pictureReady === 'true'"
LABEL_OVERLAPS = """() => {
  const cy = window.migkgNetwork;
  const drawn = cy.nodes().filter(n => n.visible());
  const named = drawn.filter(n => !n.hasClass("unlabelled"));
  const boxes = named.map(n => n.renderedBoundingBox({includeNodes: false, includeEdges: false, includeLabels: true}));
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    const apart = a.x2 <= b.x1 || b.x2 <= a.x1 || a.y2 <= b.y1 || b.y2 <= a.y1;
    if (!apart) overlaps.push([named[i].data("label"), named[j].data("label")]);
  }
  return {drawn: drawn.length, named: named.length, overlaps: overlaps,
          focusNamed: named.some(n => n.hasClass("focus"))};
}"""


def select(served: Server, query: str) -> list[dict[str, str]]:
    response = httpx.post(served.sparql, data={"query": prefixes.sparql_header() + query}, timeout=60)
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in row.items()} for row in response.json()["results"]["bindings"]]


def screenshot(page: Page, task: str, width: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{task}-{width}.png"
    page.screenshot(path=path, full_page=False)
    assert path.stat().st_size > 0
    return path


def search_and_open(page: Page, typed: str, expected: str) -> None:
    """Types in the search box on the home page's search, then follows the first result (1 click, Enter aside)."""
    page.goto("/search")
    page.locator("#q").fill(typed)
    page.locator("#q").press("Enter")
    first = page.locator("ol.results li a").first
    expect(first).to_have_attribute("href", "/doc/" + expected.removeprefix(prefixes.ID))
    first.click()


@pytest.mark.parametrize("width", WIDTHS)
def test_researcher_finds_a_commitments_provisions_on_a_theme_and_what_links_to_them(
    page: Page, served: Server, width: str
) -> None:
    page.set_viewport_size({"width": WIDTHS[width], "height": 900})
    asked = {r["who"] for r in select(served, f"SELECT ?who WHERE {{ <{ITEM}> mig:entrusts ?who }}")}
    topics = select(served, f"SELECT ?t WHERE {{ <{ITEM}> mig:addressesTopic ?t }} ORDER BY ?t")
    search_and_open(page, "Montevideo Commitment", prefixes.ID + "commitment/montevideo-2006")  # click 1
    toc = page.locator("#document-items nav.toc")
    expect(toc).to_be_visible()
    assert_accessible(page)
    toc.locator('a[href="#item-p25q"]').click()  # click 2: the item opens inside its paragraph
    item = page.locator("#item-p25q")
    expect(item).to_have_attribute("open", "")
    expect(item.locator("blockquote.item-text")).to_contain_text("Establish and organize in 2008")
    asks = item.locator("dl.asks").first
    for who in asked:
        expect(asks.locator(f'a[href="/doc/{who.removeprefix(prefixes.ID)}"]')).to_be_visible()
    expect(page.locator("#item-p25")).to_have_attribute("open", "")
    item.scroll_into_view_if_needed()
    screenshot(page, "commitment-provisions", width)
    theme = topics[0]["t"]
    item.locator(f'dl.links a[href="/doc/{theme.removeprefix(prefixes.ID)}"]').first.click()  # click 3: the theme
    members = page.locator("#topic-members")
    expect(members.locator("details.family").first).to_be_visible()
    family = members.locator("details.family", has_text="commitment item")
    expect(family.locator(f'a[href="/doc/{ITEM.removeprefix(prefixes.ID)}"]')).to_have_count(1)
    assert_accessible(page)
    screenshot(page, "commitment-provisions-theme", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_researcher_finds_a_governments_partners_and_reads_its_network(page: Page, served: Server, width: str) -> None:
    page.set_viewport_size({"width": WIDTHS[width], "height": 900})
    co_chairs = select(
        served,
        f"SELECT DISTINCT ?x WHERE {{ ?e mig:coChairedBy <{GOVERNMENT}> , ?x FILTER(?x != <{GOVERNMENT}>) }}",
    )
    assert co_chairs
    search_and_open(page, "Government of El Salvador", GOVERNMENT)  # click 1
    relations = page.locator("#relations")
    expect(relations.locator("h2")).to_have_text("Who it worked with")
    organised = relations.locator("#relation-co-organiser")
    for row in co_chairs:
        expect(organised.locator(f'[data-partner="{row["x"]}"]')).to_be_visible()
    assert_accessible(page)
    relations.scroll_into_view_if_needed()
    screenshot(page, "government-partners", width)
    page.locator("p.pictures a", has_text="Network around this").click()  # click 2
    page.locator("a", has_text="show depth 2").click()  # click 3
    wait_for_js(page, PICTURE_READY)
    drawn = page.evaluate(LABEL_OVERLAPS)
    assert drawn["overlaps"] == [], drawn
    assert drawn["focusNamed"] and drawn["named"] * 2 >= drawn["drawn"], drawn
    total = int(page.locator("#network-controls [data-total]").inner_text())
    assert drawn["drawn"] < total  # capped: the closest first
    page.locator("#network-more").click()  # click 4: more nodes, names still apart
    wait_for_js(page, PICTURE_READY)
    more = page.evaluate(LABEL_OVERLAPS)
    assert more["drawn"] > drawn["drawn"] and more["overlaps"] == [], more
    first_filter = page.locator("#network-controls .relation-filters input").first
    first_filter.uncheck()  # click 5: one relation fewer
    wait_for_js(page, PICTURE_READY)
    assert page.evaluate(LABEL_OVERLAPS)["overlaps"] == []
    assert_accessible(page)
    page.locator("#network").scroll_into_view_if_needed()
    screenshot(page, "government-network-depth-2", width)
