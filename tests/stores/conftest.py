"""Session fixtures: the stores other agencies run (Virtuoso, the Oxigraph server), each empty in its own
data directory on loopback, and our endpoint over the fixture release, all stopped at the end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sparql_stores import OxigraphServer, Virtuoso, start_oxigraph, start_virtuoso

from server import loopback

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "release"


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    store = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    yield store
    store.stop()


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    store = start_oxigraph(tmp_path_factory.mktemp("oxigraph"))
    yield store
    store.stop()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[loopback.Server]:
    """Our endpoint as deployed (two query workers) over the fixture release."""
    running = loopback.start_server(tmp_path_factory.mktemp("server"), FIXTURE, query_workers="2", query_timeout="20")
    yield running
    running.stop()
