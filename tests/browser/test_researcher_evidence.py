"""Researcher tasks of issue 13, items 1–2, followed end to end in Chromium as a researcher clicks: see where the
sources disagree and check the evidence; read the commitments tracker honestly; tell an inferred fact from a stated
one; scroll the matrix without its headers painting over each other. Each task saves screenshots at desktop and
phone width under build/screenshots/<task>-{desktop,phone}.png; axe-core stays clean on every page touched."""

from __future__ import annotations

import re

import pytest
from browsing import assert_accessible, matrix_headers_on_top
from playwright.sync_api import Page, expect

from server.settings import REPO_ROOT
from tools.loopback import Server

pytestmark = [pytest.mark.browser, pytest.mark.build, pytest.mark.xdist_group("browser")]

SCREENSHOTS = REPO_ROOT / "build" / "screenshots"
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}


def shoot_both(page: Page, task: str) -> None:
    """The page as it is now at desktop and at phone width (full page, cut at 16,000 px), then back to desktop."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        height = min(page.evaluate("document.documentElement.scrollHeight"), 16_000)
        width = page.evaluate("document.documentElement.scrollWidth")
        path = SCREENSHOTS / f"{task}-{name}.png"
        page.screenshot(path=path, full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height})
        assert path.stat().st_size > 0
    page.set_viewport_size(DESKTOP)


def test_researcher_sees_where_sources_disagree_and_checks_the_evidence(page: Page, served: Server) -> None:
    """Home → Disagreements (1 click) → a claim's passage (2) → the event it is about (3): the disputed date is
    flagged there, and its evidence says the passage is a claim."""
    page.goto("/")
    page.get_by_role("navigation", name="site").get_by_role("link", name="Disagreements").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Where the sources disagree")
    madrid = page.locator("section.discrepancy#madrid-2006-meeting-month")
    expect(madrid.locator(".claim")).to_have_count(3)
    expect(madrid.locator(".claim blockquote").first).to_contain_text("June 2006 in Madrid")
    expect(madrid.locator(".claim blockquote").nth(1)).to_contain_text("held in Madrid in July 2006")
    assert_accessible(page)
    madrid.scroll_into_view_if_needed()
    shoot_both(page, "disagreements")
    madrid.locator(".claim").last.get_by_role("link", name="the passage and its facts").click()
    expect(page).to_have_url(re.compile(r"/passage/segib-montevideo-p2$"))
    expect(page.locator("blockquote.passage-quote")).to_contain_text("18th and 19th of July, 2006")
    expect(page.locator(".claimed-in")).to_contain_text("dated June 2006 and July 2006")
    assert_accessible(page)
    page.get_by_role("link", name="Ibero-American Meeting on Migration and Development").first.click()
    expect(page).to_have_url(re.compile(r"/doc/event/segib-2006-madrid$"))
    disputed = page.locator("dl.facts dd.disputed")
    expect(disputed).to_have_count(2)
    for i in range(2):
        expect(disputed.nth(i).locator("> a.flag.disputed")).to_be_visible()
        expect(disputed.nth(i).locator("> .datatype")).to_have_text("date")
    disputed.first.locator("summary").click()
    expect(disputed.first.locator("li.disputed .dispute-note")).to_contain_text("one of the claims")
    assert_accessible(page)
    shoot_both(page, "disputed-date")


def test_researcher_reads_the_tracker_as_what_the_sources_link(page: Page, served: Server) -> None:
    """Commitments (1 click) → choose the OAS Special Forum's recommendations and Show (2 + 1): each item says
    nothing is linked in these sources, never "unaddressed", and the rule for a link is open beside it."""
    page.goto("/")
    page.get_by_role("navigation", name="site").get_by_role("link", name="Commitments").click()
    page.get_by_label("Document").select_option("commitment:oas-2008-special-forum-recommendations")
    page.get_by_role("button", name="Show").click()
    section = page.locator('section[data-document="commitment:oas-2008-special-forum-recommendations"]')
    items = section.locator("li.item")
    count = items.count()
    assert count > 0
    expect(section.locator("p.count")).to_have_text(
        f"{count} items · 0 linked · {count} with nothing linked in these sources"
    )
    expect(section.locator(".flag.unlinked")).to_have_count(count)
    expect(page.locator("#link-rule")).to_contain_text("mig:cites")
    assert "unaddressed" not in page.content().lower()
    assert_accessible(page)
    shoot_both(page, "tracker-oas-forum")


def test_researcher_tells_an_inferred_fact_from_a_stated_one(page: Page, served: Server) -> None:
    """An event's page: the inferred fact is marked, its evidence names the rule; its definition is one click."""
    page.goto("/doc/event/segib-2006-madrid")
    inferred = page.locator("dl.facts dd.inferred").filter(has_text="Unidos por las Migraciones")
    expect(inferred.locator(".badge.inferred")).to_be_visible()
    border = inferred.evaluate("el => getComputedStyle(el).borderLeftStyle")
    stated = page.locator("dl.facts dd.stated").first.evaluate("el => getComputedStyle(el).borderLeftStyle")
    assert (border, stated) == ("dashed", "none")
    inferred.locator("summary").click()
    expect(inferred.locator(".rule")).to_have_text("inverse")
    inferred.get_by_role("link", name="reports on").click()
    expect(page).to_have_url(re.compile(r"/def/reportsOn$"))
    assert_accessible(page)


def test_matrix_headers_stay_apart_when_scrolled(page: Page, served: Server) -> None:
    """Scrolled down and right, the topic headers paint over the country names (never under), the corner over
    both, and the page is the only scroller: no scroll box inside it."""
    page.goto("/matrix")
    table = page.locator("#matrix")
    expect(table).to_be_visible()
    scrollers = page.evaluate("""() => [...document.querySelectorAll('main *')].filter(el => {
        const s = getComputedStyle(el);
        return /(auto|scroll)/.test(s.overflow + s.overflowX + s.overflowY) && el.scrollHeight > el.clientHeight;
    }).map(el => el.tagName + '.' + el.className)""")
    assert scrollers == []
    top = table.bounding_box()
    assert top is not None
    page.evaluate("([x, y]) => window.scrollTo(x, y)", [200, top["y"] + 600])
    header = page.locator("#matrix thead th.topic").first.bounding_box()
    assert header is not None and abs(header["y"]) < 2, header  # the header row sticks to the top
    country = page.locator("#matrix tbody th").first.bounding_box()
    assert country is not None and abs(country["x"]) < 2, country  # the country column sticks to the left
    # Scrolled, country rows pass under the header row: where they overlap on screen, the header is on top; to the
    # right of the corner a topic header shows, and below the header the country names cover the cells.
    seen = matrix_headers_on_top(page)
    assert seen == {"under": True, "corner": True, "topic": True, "country": True}, seen
    assert_accessible(page)
    shoot_both(page, "matrix-scrolled")
