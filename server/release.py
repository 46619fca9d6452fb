"""The layout of a release: what the build writes and the server reads.

A release is a directory ``<build>/releases/<release-id>/`` holding

* ``snapshot.nq``      every quad of the graph (N-Quads), what the server bulk-loads;
* ``store/``           the same quads as an on-disk pyoxigraph (RocksDB) store, union default graph formed and VoID
  partitions computed, what workers open with ``MIGKG_STORE_MEMORY=disk`` (``server.store.embedded``);
* ``dumps/migkg.trig.gz`` and ``dumps/migkg.nq.gz``, the public dumps;
* ``search.sqlite``    the full-text search index (``server.search``);
* ``sources/``         the source documents' texts, as the quotes' offsets count them;
* ``metadata.json``    release id, creation time, base IRI, triples per named graph, files with sizes and
  sha256, software versions and build timings.

The files of ``store/`` are recorded by size only (an empty sha256): RocksDB checks every block it reads against its
own CRC32c checksum, so hashing the store again would only double what ``check`` reads (the store is about as large
as the snapshot, 1–2 GB at 10M triples, and ``check`` runs at every start and switch), while a size catches a missing
or truncated file; the snapshot the store is made from is hashed.

``<build>/current`` is a symlink to the release being served; it is switched atomically (a new symlink
renamed over the old one), so a reader sees either the old release or the new one, never a mix. It is switched
only to a release whose files all match their metadata (``check``), and ``open_current`` checks again: a release
damaged since (a truncated snapshot, a missing file, unreadable metadata) is refused with the file it found wrong
and the newest intact release beside it, to switch to with ``migkg release switch <id>``. At start-up the server
serves that newest intact release instead (``serving_release``, unless ``Settings.release_fallback`` is off) and
says so in ``/healthz``; a running server that sees ``current`` move to a damaged release keeps serving what it
serves.

Every switch of ``current`` appends the release's id to ``<build>/release-history`` (one id a line), so
``migkg release rollback`` can go back to the release served before (``previous``). Releases are immutable and
kept until ``prune`` removes the oldest beyond a retention count (``Settings.release_keep``), never the current
one nor the previous one. A running ``migkg serve`` follows ``current`` (``server.web.switching``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

SNAPSHOT = "snapshot.nq"
STORE = "store"
METADATA = "metadata.json"
DUMPS = "dumps"
DUMP_TRIG = "migkg.trig.gz"
DUMP_NQUADS = "migkg.nq.gz"
SEARCH = "search.sqlite"
SOURCES = "sources"
HISTORY = "release-history"  # beside ``current``: the ids ``current`` pointed to, oldest first


class NoReleaseError(RuntimeError):
    """There is no current release to serve."""


class BrokenReleaseError(NoReleaseError):
    """A release whose metadata cannot be read or whose files do not match it; the message names the file."""


@dataclass(frozen=True)
class FileInfo:
    bytes: int
    sha256: str


@dataclass(frozen=True)
class ReleaseMetadata:
    release: str
    created: str
    base_iri: str
    graphs: dict[str, int]
    files: dict[str, FileInfo]
    versions: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> ReleaseMetadata:
        raw = json.loads(text)
        raw["files"] = {name: FileInfo(**info) for name, info in raw["files"].items()}
        return cls(**raw)


@dataclass(frozen=True)
class Release:
    """A release directory on disk, read-only once published."""

    path: Path
    metadata: ReleaseMetadata

    @property
    def snapshot(self) -> Path:
        return self.path / SNAPSHOT

    @property
    def store(self) -> Path:
        """The on-disk pyoxigraph store of the snapshot (missing in releases published before it was added)."""
        return self.path / STORE

    @property
    def dumps(self) -> Path:
        return self.path / DUMPS

    @property
    def search_index(self) -> Path:
        return self.path / SEARCH

    def source_text(self, file_name: str) -> str | None:
        """The text of a source document as published in this release (None if it is not there)."""
        path = self.path / SOURCES / file_name
        if "/" in file_name or f"{SOURCES}/{file_name}" not in self.metadata.files or not path.is_file():
            return None
        return path.read_text(encoding="utf-8")

    @property
    def id(self) -> str:
        return self.metadata.release

    @property
    def content_hash(self) -> str:
        """The SHA-256 of the snapshot: two releases with the same quads have the same hash."""
        info = self.metadata.files.get(SNAPSHOT)
        return info.sha256 if info is not None else ""

    @classmethod
    def open(cls, path: Path) -> Release:
        path = path.resolve()
        meta = path / METADATA
        if not meta.is_file() or not (path / SNAPSHOT).is_file():
            raise NoReleaseError(f"{path} is not a release (no {METADATA} or {SNAPSHOT}); run `migkg build`")
        return cls(path, ReleaseMetadata.from_json(meta.read_text(encoding="utf-8")))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check(path: Path) -> Release:
    """The release at ``path`` once its metadata reads and every file it lists has its recorded size and sha256 (size
    only where the sha256 is empty: the store's files); else BrokenReleaseError naming the first file found wrong."""
    meta = path / METADATA
    try:
        metadata = ReleaseMetadata.from_json(meta.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BrokenReleaseError(f"{meta} is missing") from None
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as e:
        raise BrokenReleaseError(f"{meta} is not valid release metadata ({type(e).__name__}: {e})") from None
    for name in (SNAPSHOT, *sorted(metadata.files)):
        file, info = path / name, metadata.files.get(name)
        if info is None:
            raise BrokenReleaseError(f"{meta} lists no {name}")
        if not file.is_file():
            raise BrokenReleaseError(f"{file} is missing")
        size = file.stat().st_size
        if size != info.bytes:
            raise BrokenReleaseError(f"{file} has {size} bytes, not the {info.bytes} its metadata records")
        if info.sha256 and sha256_of(file) != info.sha256:
            raise BrokenReleaseError(f"{file} does not match its sha256 in {METADATA}")
    return Release(path.resolve(), metadata)


def intact_releases(releases_dir: Path) -> list[Release]:
    """The releases under ``releases_dir`` that pass ``check``, newest first (ids start with their time)."""
    found = []
    for path in release_dirs(releases_dir):
        try:
            found.append(check(path))
        except BrokenReleaseError:
            continue
    return found


def release_dirs(releases_dir: Path) -> list[Path]:
    """The release directories under ``releases_dir``, newest first (ids start with their time); builds in progress
    (hidden names) left out."""
    paths = releases_dir.iterdir() if releases_dir.is_dir() else ()
    return sorted((p for p in paths if p.is_dir() and not p.name.startswith(".")), reverse=True)


def open_current(current: Path) -> Release:
    """The release ``current`` points to, checked (``check``); NoReleaseError with the command that makes one, or
    BrokenReleaseError naming the bad file and the newest intact release to switch to."""
    if current.is_symlink() and not current.exists():
        raise NoReleaseError(f"{current} points to {current.resolve()}, which is missing; run `migkg build`")
    if not current.exists():
        raise NoReleaseError(f"no release at {current}; run `migkg build` first")
    target = current.resolve()
    try:
        return check(target)
    except BrokenReleaseError as e:
        others = [r for r in intact_releases(target.parent) if r.path != target]
        advice = (
            f"the newest intact release is {others[0].id}: switch to it with `migkg release use {others[0].id}`"
            if others
            else "no intact release is left"
        )
        raise BrokenReleaseError(f"{current} points to a broken release: {e}; {advice}, or run `migkg build`") from None


def serving_release(current: Path, releases_dir: Path, *, fallback: bool) -> tuple[Release, str | None]:
    """The release to serve: the one ``current`` names, checked; or, when that one is missing or damaged and
    ``fallback`` is on, the newest intact release beside it (in ``releases_dir`` if current names none), with the
    reason it is served instead (None when current is served). Without an intact release to fall back to, the
    error of ``open_current``."""
    try:
        return open_current(current), None
    except NoReleaseError as error:  # BrokenReleaseError too
        named = current.resolve() if current.is_symlink() else None
        beside = named.parent if named is not None else releases_dir
        previous = [r for r in intact_releases(beside) if r.path != named] if fallback else []
        if not previous:
            raise
        return previous[0], f"{error}; serving the newest intact release, {previous[0].id}, instead"


def switch_current(current: Path, release_dir: Path) -> None:
    """Point ``current`` at ``release_dir`` atomically (rename of a fresh symlink over the old one), and append the
    release's directory name to the history beside it."""
    tmp = current.with_name(f".{current.name}.{os.getpid()}.tmp")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(os.path.relpath(release_dir, current.parent))
    os.replace(tmp, current)
    with current.with_name(HISTORY).open("a", encoding="utf-8") as history:
        history.write(release_dir.name + "\n")


def listed_releases(releases_dir: Path) -> list[Release]:
    """The releases under ``releases_dir`` whose metadata reads, newest first, without checking their files (what
    ``/releases`` lists; ``check`` before serving one)."""
    found = []
    for path in release_dirs(releases_dir):
        try:
            found.append(Release.open(path))
        except (NoReleaseError, OSError, ValueError, TypeError, KeyError):
            continue
    return found


def served_history(current: Path) -> list[str]:
    """The release ids ``current`` pointed to, oldest first (empty before the first switch)."""
    try:
        return current.with_name(HISTORY).read_text(encoding="utf-8").split()
    except FileNotFoundError:
        return []


def current_name(current: Path) -> str | None:
    """The name of the release directory ``current`` points to (None if there is none)."""
    return current.resolve().name if current.exists() else None


def previous(history: list[str], now: str | None) -> str | None:
    """The release served before ``now``: the latest id in ``history`` that is not ``now``.

    >>> previous(["a", "b", "c"], "c"), previous(["a", "b", "c", "b"], "b"), previous(["a"], "a")
    ('b', 'c', None)
    """
    return next((name for name in reversed(history) if name != now), None)


def prunable(names: list[str], keep: int, protected: set[str]) -> list[str]:
    """Of the release directory ``names`` (any order), those beyond the newest ``keep``, ``protected`` ones aside.

    >>> prunable(["r1", "r4", "r2", "r3"], 2, {"r1"})
    ['r2']
    """
    return [name for name in sorted(names, reverse=True)[keep:] if name not in protected]


def prune(current: Path, releases_dir: Path, keep: int) -> list[str]:
    """Remove the releases beyond the newest ``keep`` (never the current one nor the one served before it);
    the names removed."""
    now = current_name(current)
    protected = {name for name in (now, previous(served_history(current), now)) if name is not None}
    removed = prunable([p.name for p in release_dirs(releases_dir)], keep, protected)
    for name in removed:
        shutil.rmtree(releases_dir / name, ignore_errors=True)
    return removed
