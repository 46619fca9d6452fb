"""Waiting on observed state instead of sleeping: a bounded poll that fails with what it waited for.

Importable from every test folder (tests/conftest.py puts tests/ on ``sys.path``). The timeout only bounds the
wait: nothing asserts how long anything took.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import pytest

T = TypeVar("T")
POLL = 0.05  # seconds between two looks


def wait_until(predicate: Callable[[], T], timeout: float, what: str, state: Callable[[], object] | None = None) -> T:
    """Call ``predicate`` until it returns something true, and return that. After ``timeout`` seconds fail with
    ``what`` (what was awaited) and, if given, ``state()`` (what was seen last)."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            seen = f"; last seen: {state()}" if state is not None else ""
            pytest.fail(f"gave up after {timeout:g} s waiting for {what}{seen}", pytrace=False)
        time.sleep(POLL)
