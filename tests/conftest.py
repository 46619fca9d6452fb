"""Shared fixtures: the repository built once per test session into a temporary build directory."""

from __future__ import annotations

import fnmatch
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import backends
import pytest
from backends import EMBEDDED, PublishedStores

from server.release import METADATA, SNAPSHOT, STORE, Release, open_current
from server.settings import REPO_ROOT, Settings
from tools import loopback, stores

if TYPE_CHECKING:
    from server.pipeline.build import BuildResult


@pytest.fixture(scope="session")
def repo_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings over the repository's own ontology, data and shapes, building into a temporary directory, with
    their own (empty) state directory: never the partner graphs of the checkout's var/."""
    return Settings(
        repo_dir=REPO_ROOT, build_dir=tmp_path_factory.mktemp("build"), state_dir=tmp_path_factory.mktemp("var")
    )


@pytest.fixture(scope="session")
def built(repo_settings: Settings) -> BuildResult:
    """The full build (load, quotes, Pellet, SHACL, publish) of the repository, once per session."""
    from server.pipeline import build

    return build.run(repo_settings)


@pytest.fixture(scope="session")
def release(built: BuildResult, repo_settings: Settings) -> Release:
    return open_current(repo_settings.current_release)


FIXTURE_RELEASE = Path(__file__).resolve().parent / "fixtures" / "release"


@pytest.fixture(scope="session")
def fixture_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture release's snapshot as the on-disk store ``migkg build`` publishes beside it, in a release directory
    of its own (with the release's metadata) under a releases directory (where worker pools make their checkpoints)."""
    from server.store.embedded import publish_store

    target = tmp_path_factory.mktemp("fixture-releases") / "release" / STORE
    target.parent.mkdir()
    shutil.copyfile(FIXTURE_RELEASE / METADATA, target.parent / METADATA)
    publish_store(FIXTURE_RELEASE / SNAPSHOT, target)
    return target


@pytest.fixture(scope="module", params=["copy", "disk"])
def published(request: pytest.FixtureRequest, fixture_store: Path) -> Path | None:
    """How a store-level test's stores hold the fixture release (``Settings.store_memory``): each test runs with
    a copy in memory (None) and over the published on-disk store (its path)."""
    return fixture_store if request.param == "disk" else None


@pytest.fixture(scope="session")
def source_texts() -> dict[str, str]:
    """Source IRI → text, read from data/sources as the build reads them."""
    from server.pipeline.load import read_sources

    _, texts = read_sources(REPO_ROOT / "data" / "sources" / "sources.ttl")
    return {iri: t.text for iri, t in texts.items()}


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[stores.Virtuoso]:
    """An empty Virtuoso (tools/stores.py) on loopback in its own data directory, stopped after the session."""
    store = stores.start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    yield store
    store.stop()


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[stores.OxigraphServer]:
    """An empty Oxigraph server (tools/stores.py) on loopback in its own data directory, stopped after the session."""
    store = stores.start_oxigraph(tmp_path_factory.mktemp("oxigraph"))
    yield store
    store.stop()


@pytest.fixture(scope="session")
def published_stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublishedStores]:
    """Virtuoso and the Oxigraph server, each started (in its own data directory) once per release published into
    it, on first use; stopped after the session."""
    running = PublishedStores(tmp_path_factory.mktemp("published-stores"))
    yield running
    running.stop()


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    """The store a server or app runs on: ``embedded`` unless the module is marked ``backends`` (then each)."""
    return str(getattr(request, "param", EMBEDDED))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--store-memory",
        choices=("copy", "disk"),
        default=None,
        help="MIGKG_STORE_MEMORY of every server the tests start (default: the setting's default)",
    )


def pytest_configure(config: pytest.Config) -> None:
    memory = config.getoption("--store-memory")
    if memory is not None:
        loopback.DEFAULT_SETTINGS["store_memory"] = memory


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    backends.parametrise(metafunc)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Under tests/, only test files are collected. ``--doctest-modules`` (pyproject, for server/'s docstrings)
    would import every other module as well: conftest.py files (plugins, already loaded under one shared name)
    and helpers the tests import themselves, or run as scripts (runtime_only.py)."""
    test_file = any(fnmatch.fnmatch(collection_path.name, pattern) for pattern in config.getini("python_files"))
    return True if collection_path.suffix == ".py" and not test_file else None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Make ``--dist loadgroup`` honour ``xdist_group`` again on pytest >= 9.2.

    pytest-xdist 3.8 groups tests by appending ``@<group>`` to ``item._nodeid`` on the workers; pytest 9.2 keeps
    node ids in ``item._id``, so the suffix is lost and grouped tests are spread over the workers (each then
    starting its own servers and browser). pytest-dev/pytest-xdist#1386; a no-op once xdist sets it itself.
    """
    if not getattr(config.option, "loadgroup", False) or not hasattr(items[0] if items else None, "_id"):
        return
    from _pytest.nodeid import NodeId

    for item in items:
        groups = sorted(
            {str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in item.iter_markers("xdist_group")}
        )
        if groups and "@" not in item.nodeid.rpartition("]")[2].rpartition("::")[2]:
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(groups)}")


def repo_path(*parts: str) -> Path:
    return REPO_ROOT.joinpath(*parts)
