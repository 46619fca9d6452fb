"""A partner agency's statements in Chromium: with a partner graph committed to the served storage, the Montevideo
item's page lists the partner programme that gives effect to it with the agency's badge, which leads to the
agency's page; a hostile label runs no script and a ``javascript:`` IRI is no link; axe-core stays clean."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browsing import assert_accessible, shoot
from partner_graphs import GIVES_EFFECT, ITEM, LABEL, ONM, PROGRAMME, publish, withdraw
from playwright.sync_api import Dialog, Page, expect

from server import prefixes
from server.partners.storage import PartnerStorage
from tools.loopback import Server

pytestmark = [pytest.mark.browser, pytest.mark.build, pytest.mark.xdist_group("browser")]

HOSTILE = f"""
<javascript:alert(1)> a <{prefixes.MIG}Practice> ;
    <{prefixes.RDFS}label> "<script>alert(1)</script><img src=x onerror=alert(2)>" ;
    <{prefixes.MIG}givesEffectTo> <{ITEM}> .
"""


@pytest.fixture
def partner_graph(served: Server) -> Iterator[Path]:
    """The served server's partner storage with the programme and a hostile practice; withdrawn afterwards (the
    other browser tests see the release alone)."""
    root = served.state_dir / "partner-graphs"
    publish(root, GIVES_EFFECT + HOSTILE)
    yield root
    for graph in PartnerStorage(root).graphs():
        withdraw(root, graph)


def test_item_page_shows_partner_programme_with_agency_badge(page: Page, partner_graph: Path) -> None:
    dialogs: list[str] = []

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    page.goto("/doc/" + ITEM.removeprefix(prefixes.ID))
    referrer = page.locator("#in ~ dl dd", has=page.locator(f'a[href="{PROGRAMME}"]'))
    expect(referrer).to_have_count(1)
    expect(referrer.locator("a").first).to_have_text(LABEL)
    badge = referrer.locator("a.badge.partner")
    expect(badge).to_have_text(ONM.name)
    expect(badge).to_have_attribute("title", f"stated by {ONM.name} on 2026-03-14")
    expect(page.get_by_text("<script>alert(1)</script><img src=x onerror=alert(2)>")).to_be_visible()
    expect(page.locator('a[href^="javascript:" i]')).to_have_count(0)
    shoot(page, "entity-with-partner")
    assert_accessible(page)
    badge.click()
    expect(page.locator("h1")).to_have_text(ONM.name)
    expect(page.locator("#graph-programmes")).to_be_visible()
    assert_accessible(page)
    assert dialogs == []
