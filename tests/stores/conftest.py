"""Our endpoint over the fixture release, for the stores (fixtures ``virtuoso`` and ``oxigraph_server`` in
tests/conftest.py) to call with SERVICE."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tools import loopback

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "release"


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[loopback.Server]:
    """Our endpoint as deployed (two query workers) over the fixture release."""
    running = loopback.start_server(tmp_path_factory.mktemp("server"), FIXTURE, query_workers="2", query_timeout="20")
    yield running
    running.stop()
