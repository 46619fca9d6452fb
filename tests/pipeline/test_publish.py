"""Publishing: a release is complete before it becomes current; a failing build leaves the previous one."""

from __future__ import annotations

import gzip
import hashlib
import shutil
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, parse

from server.pipeline.errors import BuildError
from server.pipeline.publish import publish, snapshot_bytes, write_release
from server.release import Release, open_current
from server.settings import REPO_ROOT, Settings

G = NamedNode("https://w3id.org/migkg/graph/test")
QUADS = [
    Quad(
        NamedNode("https://w3id.org/migkg/id/event/b"),
        NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
        Literal("B", language="en"),
        G,
    ),
    Quad(
        NamedNode("https://w3id.org/migkg/id/event/a"),
        NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
        Literal("A", language="es"),
        G,
    ),
]


def release_in(tmp_path: Path) -> Path:
    return write_release(QUADS, tmp_path / "releases", base_iri="https://w3id.org/migkg/", versions={}, timings={})


def test_snapshot_is_the_same_bytes_whatever_the_quad_order() -> None:
    assert snapshot_bytes(QUADS) == snapshot_bytes(list(reversed(QUADS)))


def test_write_release_records_true_counts_sizes_and_checksums(tmp_path: Path) -> None:
    release = Release.open(release_in(tmp_path))
    assert release.metadata.graphs == {G.value: 2}
    for name, info in release.metadata.files.items():
        data = (release.path / name).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (info.bytes, info.sha256)


def test_write_release_dumps_hold_the_same_quads_as_the_snapshot(tmp_path: Path) -> None:
    release = Release.open(release_in(tmp_path))
    snapshot = set(parse(path=str(release.snapshot), format=RdfFormat.N_QUADS))
    trig = set(parse(gzip.decompress((release.dumps / "migkg.trig.gz").read_bytes()), format=RdfFormat.TRIG))
    nquads = set(parse(gzip.decompress((release.dumps / "migkg.nq.gz").read_bytes()), format=RdfFormat.N_QUADS))
    assert snapshot == trig == nquads == set(QUADS)


def test_publish_switches_current_and_leaves_no_temporary_directory(tmp_path: Path) -> None:
    release = release_in(tmp_path)
    publish(release, tmp_path / "current")
    assert open_current(tmp_path / "current").path == release.resolve()
    assert not [p for p in (tmp_path / "releases").iterdir() if p.name.startswith(".")]


@pytest.fixture
def repo_copy(tmp_path: Path) -> Settings:
    """A copy of the repository's ontology, data and shapes, to break on purpose."""
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(REPO_ROOT / folder, tmp_path / "repo" / folder)
    return Settings(repo_dir=tmp_path / "repo", build_dir=tmp_path / "build")


@pytest.mark.build
def test_failing_build_leaves_previous_release_current_and_untouched(repo_copy: Settings) -> None:
    from server.pipeline import build

    first = build.run(repo_copy)
    assert first.release is not None
    before = {p: p.read_bytes() for p in first.release.rglob("*") if p.is_file()}
    curated = sorted((repo_copy.data_dir / "curated").glob("*.trig"))[0]
    curated.write_text(
        curated.read_text(encoding="utf-8").replace('oa:exact "', 'oa:exact "NOT IN THE SOURCE ', 1), encoding="utf-8"
    )
    with pytest.raises(BuildError, match="quote not found verbatim"):
        build.run(repo_copy)
    assert open_current(repo_copy.current_release).path == first.release.resolve()
    assert {p: p.read_bytes() for p in first.release.rglob("*") if p.is_file()} == before
    assert [p.name for p in repo_copy.releases_dir.iterdir()] == [first.release.name]
