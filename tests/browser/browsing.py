"""Helpers for the browser tests: the loopback guard, screenshots as artefacts, axe-core, whether a route exists."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Route
from playwright.sync_api import Error as PlaywrightError

from server.settings import REPO_ROOT

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO_ROOT / "build" / "artefacts" / "screenshots"
# Chromium cannot paint a page taller than this in one screenshot; longer pages (the reader) are cut here.
MAX_SCREENSHOT_HEIGHT = 16_000
ALLOWED_HOST = "127.0.0.1"
LOCAL_SCHEMES = {"data", "blob", "about"}


@dataclass
class Trouble:
    """What a page did that fails the test: requests off loopback, uncaught errors, console errors."""

    off_host: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def report(self) -> str:
        parts = [
            f"{title}:\n" + "\n".join(f"  {line}" for line in lines)
            for title, lines in (
                (f"requests to hosts other than {ALLOWED_HOST} (aborted)", self.off_host),
                ("uncaught JavaScript errors", self.page_errors),
                ("console errors", self.console_errors),
            )
            if lines
        ]
        return "\n".join(parts)


def guard(context: BrowserContext, trouble: Trouble) -> Page:
    """Route every request of ``context`` (off-host ones are aborted and recorded); a new page whose uncaught
    errors and console errors are recorded in ``trouble``."""

    def route(route: Route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in LOCAL_SCHEMES or parts.hostname == ALLOWED_HOST:
            route.continue_()
        else:
            trouble.off_host.append(f"{route.request.method} {url}")
            route.abort("blockedbyclient")

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location
            trouble.console_errors.append(f"{message.text} ({where.get('url')}:{where.get('lineNumber')})")

    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda error: trouble.page_errors.append(f"{error.name}: {error.message}\n{error.stack}"))
    page.on("console", console)
    return page


def wait_for_js(page: Page, expression: str, arg: Any = None, timeout: float = 30.0) -> Any:
    """Evaluate ``expression`` (a JavaScript expression or function, given ``arg``) until it is truthy, and return it.

    Playwright's ``wait_for_function`` runs its predicate through ``eval()`` inside the page, which the pages'
    Content-Security-Policy (no ``'unsafe-eval'``) refuses; ``page.evaluate`` goes through the DevTools protocol.
    Navigations meanwhile are waited through. The timeout only bounds the wait."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = page.evaluate(expression, arg)
        except PlaywrightError as error:  # the page navigated away meanwhile: look again at the new one
            if "context was destroyed" not in str(error):
                raise
            value = None
        if value:
            return value
        assert time.monotonic() < deadline, f"gave up after {timeout:g} s waiting for {expression} on {page.url}"
        page.wait_for_timeout(50)


def shoot(page: Page, kind: str) -> Path:
    """A full-page screenshot of ``page`` as build/artefacts/screenshots/<kind>.png (cut at a height limit)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{kind}.png"
    height = page.evaluate("document.documentElement.scrollHeight")
    if height <= MAX_SCREENSHOT_HEIGHT:
        page.screenshot(path=path, full_page=True)
    else:
        width = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(
            path=path, full_page=True, clip={"x": 0, "y": 0, "width": width, "height": MAX_SCREENSHOT_HEIGHT}
        )
    assert path.stat().st_size > 0
    return path


def axe_violations(page: Page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict[str, Any]]:
    """Run the vendored axe-core over the page; the violations of the given impacts."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, as the test's own code: the page's Content-Security-Policy
        # (no inline script) rightly refuses a <script> element with content (add_script_tag).
        page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [v for v in results["violations"] if v.get("impact") in impacts]


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}: {node.get('failureSummary', '').replace(chr(10), ' ')}")
            lines.append(f"      {node['html'][:200]}")
        if len(v["nodes"]) > 5:
            lines.append(f"    … and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe-core on {page.url}:\n{format_violations(violations)}"


MATRIX_HEADERS_ON_TOP = """() => {
        const at = (x, y) => document.elementFromPoint(x, y);
        const corner = document.querySelector('#matrix thead th').getBoundingClientRect();
        const under = [...document.querySelectorAll('#matrix tbody th')].map(th => th.getBoundingClientRect())
            .find(r => r.top < corner.bottom && r.bottom > corner.top);
        const below = [...document.querySelectorAll('#matrix tbody th')].map(th => th.getBoundingClientRect())
            .find(r => r.top > corner.bottom + 5);
        return {
            under: Boolean(under),
            corner: under ? Boolean(at(under.left + 10, Math.max(under.top, 0) + 1)?.closest('thead')) : null,
            topic: at(corner.right + 20, corner.bottom - 20)?.closest('th.topic') !== null,
            country: below ? at(below.left + 10, below.top + below.height / 2)?.closest('tbody th') !== null : null,
        };
    }"""


def matrix_headers_on_top(page: Page) -> dict[str, bool | None]:
    """Where the scrolled matrix's sticky parts meet (#matrix): whether a country row passes under the header row
    (``under``), the corner paints over it (``corner``), a topic header shows right of the corner (``topic``) and a
    country name covers the cells below the header (``country``)."""
    seen: dict[str, bool | None] = page.evaluate(MATRIX_HEADERS_ON_TOP)
    return seen
