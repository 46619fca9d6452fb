"""The stores a server's suites run against (``BACKENDS``): the embedded one and two real SPARQL stores on loopback
(Virtuoso, the Oxigraph server; tools/stores.py), each holding one release published by ``migkg build``'s own
``publish`` — one store per (kind, release), started on first use, stopped at the end of the session.

A test module opts in with ``pytestmark = pytest.mark.backends``: its tests that use the ``backend`` fixture (through
``server`` or ``client``) then run once per backend (tests/conftest.py ``pytest_generate_tests``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import pytest

from server.release import Release
from server.store.remote import Endpoints, Remote, RemoteStore, publish
from tools import stores

EMBEDDED: Final = "embedded"
BACKENDS: Final = (EMBEDDED, "virtuoso", "oxigraph")
_START = {"virtuoso": stores.start_virtuoso, "oxigraph": stores.start_oxigraph}


def endpoints(store: stores.ExternalStore) -> Endpoints:
    return Endpoints(store.query_url, store.update_url, store.gsp_url, timeout=20)


@dataclass
class PublishedStores:
    """Real stores, each with one release published into it."""

    directory: Path
    running: dict[tuple[str, Path], stores.ExternalStore] = field(default_factory=dict)

    def store(self, kind: str, release: Path) -> stores.ExternalStore:
        """The ``kind`` store holding ``release`` (started and published on first use)."""
        key = (kind, release.resolve())
        if key not in self.running:
            started = _START[kind](self.directory / f"{kind}-{len(self.running)}")
            self.running[key] = started
            opened = Release.open(release)
            remote = Remote(endpoints(started))
            try:
                publish(remote, opened.snapshot, opened.metadata.graphs, opened.metadata.base_iri)
            finally:
                remote.close()
        return self.running[key]

    def settings(self, kind: str, release: Path) -> dict[str, str]:
        """The ``MIGKG_STORE*`` settings (lower-case names) of a server over ``release`` on ``kind``."""
        if kind == EMBEDDED:
            return {}
        store = self.store(kind, release)
        return {
            "store": "remote",
            "store_query_url": store.query_url,
            "store_update_url": store.update_url,
            "store_gsp_url": store.gsp_url,
        }

    def remote_store(self, kind: str, release: Release) -> RemoteStore:
        """A ``RemoteStore`` over the ``kind`` store holding ``release``."""
        return RemoteStore(endpoints(self.store(kind, release.path)), release.metadata.graphs)

    def stop(self) -> None:
        for store in self.running.values():
            store.stop()


def parametrise(metafunc: pytest.Metafunc) -> None:
    """Run a test of a module marked ``backends`` that uses ``backend`` once per backend (or once per backend the
    test's own mark names: ``@pytest.mark.backends(EMBEDDED)`` for what only the embedded store has)."""
    mark = metafunc.definition.get_closest_marker("backends")
    if "backend" in metafunc.fixturenames and mark is not None:
        kinds = mark.args or BACKENDS
        params = [pytest.param(k, marks=() if k == EMBEDDED else pytest.mark.stores) for k in kinds]  # make test-fast
        metafunc.parametrize("backend", params, indirect=True, scope="session")
