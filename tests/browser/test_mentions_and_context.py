"""Mentions and context in Chromium, over a release built from the complete shape fixture (tests/context_release.py):
an entity page lists where the sources name it, "How do we know this?" opens on the quote with its context passage
beside it, a coined name says so in the title, and axe-core stays clean."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from browsing import assert_accessible, shoot
from context_release import write
from playwright.sync_api import Page, expect

from tools.loopback import Server, start_server

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    release = write(tmp_path_factory.mktemp("context-release"))
    running = start_server(tmp_path_factory.mktemp("context-site"), release=release.path, query_workers="1")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def root_url(fixture_site: Server) -> str:
    return fixture_site.url


def test_entity_page_shows_its_mentions_and_a_context_passage(page: Page, root_url: str) -> None:
    page.goto(root_url + "/doc/event/test-fibemyd-2008")
    mentioned = page.locator("#named-in")
    expect(mentioned.locator("h2")).to_have_text("Mentioned in")
    expect(mentioned.locator(".summary")).to_contain_text("source document")
    expect(mentioned.locator("details.passages").first).to_have_attribute("open", "")
    expect(mentioned.locator('a[href^="/source/test-report#excerpt-test-forum-title"]').first).to_be_visible()

    held_in = page.locator("#out ~ dl dd", has=page.locator('a[href="/doc/place/cuenca"]')).first
    held_in.locator("summary", has_text="How do we know this?").click()
    # Its passage states several of the event's facts: quoted once, below the statements, with its context.
    pointer = held_in.locator('.shared-pointer a[href^="#"]')  # the shared passage, not its page
    pointer.click()
    shared = page.locator(pointer.get_attribute("href") or "")
    expect(shared.locator("blockquote")).to_contain_text("The Forum was held in Cuenca")
    context = shared.locator("ul.context li").first
    expect(context.locator(".badge.context")).to_have_text("context")
    expect(context.locator(".context-quote")).to_contain_text("Report of the I Ibero-American Forum")
    expect(context.locator('a[href="/source/test-report#excerpt-test-forum-title"]').first).to_be_visible()
    shoot(page, "entity-with-mentions-and-context")
    assert_accessible(page)


def test_coined_name_is_marked_in_the_title(page: Page, root_url: str) -> None:
    page.goto(root_url + "/doc/commitment/montevideo-2006/p25q")
    expect(page.locator("h1")).to_have_text("Commitment of Montevideo, item 25.q")
    expect(page.locator(".coined-note .coined")).to_have_attribute("title", re.compile("^The sources print no name"))
    assert_accessible(page)
