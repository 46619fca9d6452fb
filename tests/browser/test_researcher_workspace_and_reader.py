"""Researcher tasks in Chromium, end to end (issue 13, items 5 and 6):

- edit a catalogue query and download CSV: find it in the catalogue, open it, change it, download the changed query's
  CSV (never the catalogue title's), share it — one results area, values shown plainly, no sideways scroll;
- read the passage behind a fact: from an entity's "How do we know this?" (one passage quoted once however many
  facts it supports) to the reader, where that passage is marked, in view, its facts beside it, its markup rendered.

Each saves screenshots at desktop and phone width under build/screenshots/<task>-{desktop,phone}.png.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from browsing import assert_accessible, wait_for_js
from playwright.sync_api import Locator, Page, expect

from server.settings import REPO_ROOT
from tools.loopback import Server

pytestmark = [pytest.mark.browser, pytest.mark.build, pytest.mark.xdist_group("browser")]

SCREENSHOTS = REPO_ROOT / "build" / "screenshots"
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
CATALOGUE_QUERY = "07-good-practices-per-government"  # counts per government: typed integers in the result
# A commitment item whose one quoted passage (about 380 characters) states ten of its facts.
ITEM = "/doc/commitment/montevideo-2006/p2"
NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth"


def screenshot(page: Page, task: str, width: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{task}-{width}.png"
    page.screenshot(path=path, full_page=False)
    return path


def boxes_overlap(page: Page, first: str, second: str) -> bool:
    return bool(
        page.evaluate(
            """([a, b]) => { const r = document.querySelector(a).getBoundingClientRect(),
                s = document.querySelector(b).getBoundingClientRect();
              return r.left < s.right && s.left < r.right && r.top < s.bottom && s.top < r.bottom; }""",
            [first, second],
        )
    )


def test_researcher_edits_a_catalogue_query_and_downloads_the_changed_query_as_csv(page: Page, served: Server) -> None:
    page.goto("/query")
    page.get_by_label("Search the catalogue").fill("good practices government")  # typing, no click
    entry = page.locator(f'.catalogue-entry[data-name="{CATALOGUE_QUERY}"]')
    expect(entry).to_be_visible()
    assert page.locator(".catalogue-entry:visible").count() < page.locator(".catalogue-entry").count()
    entry.get_by_role("link", name="Open in the editor and run").click()  # click 1

    # One results area: the catalogue query's answer, values shown plainly, the datatype on hover.
    answer = page.locator("#answer")
    expect(answer.locator("#results tbody tr").first).to_be_visible()
    counts = answer.locator("#results tbody td span.literal.typed")
    expect(counts.first).to_have_attribute("title", "xsd:integer")
    assert all(text.strip().isdigit() for text in counts.all_inner_texts())
    assert "^^" not in answer.inner_text() and "#integer" not in answer.inner_text()
    csv_link = answer.get_by_role("link", name="SPARQL Results CSV")
    expect(csv_link).to_have_attribute("download", f"{CATALOGUE_QUERY}.csv")

    # Change the query: the code, not the catalogue's, is what is downloaded and shared.
    wait_for_js(page, "window.migkgYasqe !== undefined")
    changed = page.evaluate(
        """() => { const yasqe = window.migkgYasqe;
          const text = yasqe.getValue().replace("?code (COUNT", "(?code AS ?country) (COUNT") + "LIMIT 2\\n";
          yasqe.setValue(text); return text; }"""
    )
    expect(page.locator("#stale-answer")).to_be_visible()
    with page.expect_download() as downloading:
        csv_link.click()  # click 2
    download = downloading.value
    assert download.suggested_filename == "query.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert rows[0] == ["country", "practices"] and len(rows) == 3  # the changed query's answer

    share = page.locator("#share-link")
    assert parse_qs(urlsplit(share.get_attribute("href") or "").query)["query"] == [changed]

    # The Run button sits below the code at every width; nothing scrolls sideways.
    for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        page.goto(share.get_attribute("href") or "")
        expect(page.locator("#results tbody tr")).to_have_count(2)
        assert page.evaluate("window.migkgYasqe.getValue()") == changed
        assert page.evaluate(NO_SIDEWAYS_SCROLL), f"the query page scrolls sideways at {viewport['width']} px"
        assert not boxes_overlap(page, "#query-form button[type=submit]", "#yasqe .CodeMirror")
        page.evaluate("document.getElementById('query-form').querySelector('button').scrollIntoView()")
        screenshot(page, "edit-catalogue-query-download-csv", width)
    assert_accessible(page)


def test_researcher_reads_the_passage_behind_a_fact_beside_its_facts(page: Page, served: Server) -> None:
    page.goto(ITEM)
    # "How do we know this?" for every statement: the passage they share is quoted once, its statements under it.
    for details in page.locator("details.evidence").all():
        details.evaluate("d => { d.open = true; }")
    shared = page.locator(".shared-passage")
    expect(shared).to_have_count(1)
    quote = shared.locator("blockquote").first.inner_text()
    quoted = page.locator("details.evidence blockquote, .shared-passage blockquote").all_inner_texts()
    assert quoted.count(quote) == 1
    assert shared.locator("ul.supported li").count() >= 9
    expect(page.locator(".shared-pointer").first).to_be_visible()

    shared.get_by_role("link", name="read in context").click()  # click 1 (the page's link to the reader)
    page.wait_for_url("**/source/**#excerpt-*")
    name = urlsplit(page.url).fragment.removeprefix("excerpt-")
    current = page.locator(".source-text .passage.current")
    expect(current.first).to_be_in_viewport()
    assert {p for piece in current.all() for p in (piece.get_attribute("data-passages") or "").split()} >= {name}
    others = page.locator(".source-text .passage:not(.current) mark").first
    assert current.first.locator("mark").evaluate("m => getComputedStyle(m).backgroundColor") != others.evaluate(
        "m => getComputedStyle(m).backgroundColor"
    )
    box = page.locator("#passage-facts")
    expect(box).to_be_visible()
    expect(box.locator("li").first).to_be_visible()
    assert_beside(page, current.last, box)
    text = page.locator(".source-text")
    assert "**" not in text.inner_text()
    expect(text.locator("strong").first).to_be_attached()  # the source's **bold** shown bold
    screenshot(page, "read-passage-behind-a-fact", "desktop")

    # On a phone: another passage chosen in the text opens its facts right under it.
    page.set_viewport_size(PHONE)
    other = page.locator(".source-text a.passage:not(.current)").nth(3)
    other.scroll_into_view_if_needed()
    other.click()  # click 2
    box = page.locator("#passage-facts")
    expect(box).to_be_visible()
    assert_beside(page, page.locator(".source-text .passage.current").last, box)
    assert page.evaluate(NO_SIDEWAYS_SCROLL), "the reader scrolls sideways on a phone"
    screenshot(page, "read-passage-behind-a-fact", "phone")
    assert_accessible(page)


def assert_beside(page: Page, passage_end: Locator, box: Locator) -> None:
    """The facts' box begins within one viewport of the passage's last words."""
    gap = passage_end.evaluate(
        "(end, box) => box.getBoundingClientRect().top - end.getBoundingClientRect().bottom", box.element_handle()
    )
    height = page.evaluate("window.innerHeight")
    assert 0 <= gap < height, f"the facts open {gap:.0f} px from their passage (viewport {height} px)"
