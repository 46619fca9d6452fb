"""Browser fixtures: the repository's built release served by a real uvicorn on 127.0.0.1, visited by Debian's
Chromium through pytest-playwright, offline.

- ``served``: one server per session (the browser tests share the xdist group ``browser``).
- ``browser_type_launch_args``: ``/usr/bin/chromium`` with the flags that keep it from reaching Google; skips
  when Chromium is absent outside CI, fails inside CI (``CI`` set) so CI can never skip silently.
- ``page``: every request to a host other than 127.0.0.1 is aborted and recorded; such a request, an uncaught
  JavaScript error or a console error fails the test at teardown.

The helpers the tests call (screenshots, axe-core) are in browsing.py.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from browsing import Trouble, guard
from playwright.sync_api import BrowserContext, Page

from server.release import Release
from tools.loopback import CHROMIUM, CHROMIUM_ARGS, Server, start_server


@pytest.fixture(scope="session")
def served(release: Release, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The repository's release (built once per session by tests/conftest.py) on a free loopback port."""
    running = start_server(tmp_path_factory.mktemp("browser"), release=release.path, query_workers="2")
    yield running
    running.stop()


@pytest.fixture(scope="session")
def base_url(served: Server) -> str:
    """pytest-playwright's base URL: ``page.goto("/search")`` opens the served release."""
    return served.url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: `make browser` installs Debian's chromium (apt, as root)"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set and {reason}", pytrace=False)
        pytest.skip(reason)
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "locale": "en-GB"}


@pytest.fixture
def trouble() -> Iterator[Trouble]:
    """What the test's pages did wrong; the test fails at teardown if anything was recorded."""
    recorded = Trouble()
    yield recorded
    report = recorded.report()
    assert not report, report


@pytest.fixture
def new_page(new_context: Callable[..., BrowserContext], trouble: Trouble) -> Callable[..., Page]:
    """A guarded page in a new context with other options (``java_script_enabled=False``…)."""
    return lambda **options: guard(new_context(**options), trouble)


@pytest.fixture
def page(context: BrowserContext, trouble: Trouble) -> Page:
    """A page on loopback only; the test fails at teardown on an off-host request or a JavaScript error."""
    return guard(context, trouble)
