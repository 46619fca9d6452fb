"""The browser fixtures catch what they promise to: requests off loopback, uncaught errors, axe violations."""

from __future__ import annotations

import pytest
from browsing import Trouble, axe_violations
from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.build, pytest.mark.xdist_group("browser")]


def test_requests_to_other_hosts_are_aborted_and_recorded(page: Page, trouble: Trouble) -> None:
    # From a blank page: ours carry a Content-Security-Policy that refuses the fetch before it leaves the page,
    # and the guard under test is the one behind it.
    page.goto("about:blank")
    outcome = page.evaluate("fetch('https://example.org/x.js').then(() => 'loaded', () => 'failed')")
    assert outcome == "failed"
    assert trouble.off_host == ["GET https://example.org/x.js"]
    assert "example.org" in trouble.report()
    trouble.off_host.clear()  # what the teardown would fail on
    trouble.console_errors.clear()


def test_uncaught_errors_and_console_errors_are_recorded(page: Page, trouble: Trouble) -> None:
    page.goto("/")
    with page.expect_event("pageerror"):
        page.evaluate("setTimeout(() => { throw new Error('boom') }, 0)")
    page.evaluate("console.error('bad thing')")
    page.evaluate("new Promise(resolve => setTimeout(resolve, 0))")  # the error's task has run
    assert any("boom" in e for e in trouble.page_errors), trouble.page_errors
    assert any("bad thing" in e for e in trouble.console_errors), trouble.console_errors
    trouble.page_errors.clear()
    trouble.console_errors.clear()


def test_axe_reports_serious_violations(page: Page) -> None:
    page.goto("/")
    page.evaluate("document.body.append(document.createElement('button'))")  # a button without a name
    assert "button-name" in {v["id"] for v in axe_violations(page)}
