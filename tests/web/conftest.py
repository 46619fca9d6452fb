"""The in-process app over the repository's own built release (TestClient: routing-level tests; the real
uvicorn process is exercised in tests/http and tests/browser)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest
from backends import EMBEDDED, PublishedStores

from server.release import Release
from server.settings import Settings
from server.store.embedded import EmbeddedStore
from server.web.app import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def client(
    release: Release, repo_settings: Settings, backend: str, published_stores: PublishedStores
) -> Iterator[TestClient]:
    """The app over the built release, on each backend in a module marked ``backends``."""
    store = EmbeddedStore(release.snapshot) if backend == EMBEDDED else published_stores.remote_store(backend, release)
    app = create_app(repo_settings, store, release=release)
    with TestClient(app) as test_client:
        yield test_client
    store.close()
