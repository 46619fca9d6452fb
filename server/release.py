"""The layout of a release: what the build writes and the server reads.

A release is a directory ``<build>/releases/<release-id>/`` holding

* ``snapshot.nq``      every quad of the graph (N-Quads), what the server bulk-loads;
* ``dumps/migkg.trig.gz`` and ``dumps/migkg.nq.gz``, the public dumps;
* ``search.sqlite``    the full-text search index (``server.search``);
* ``sources/``         the source documents' texts, as the quotes' offsets count them;
* ``metadata.json``    release id, creation time, base IRI, triples per named graph, files with sizes and
  sha256, software versions and build timings.

``<build>/current`` is a symlink to the release being served; it is switched atomically (a new symlink
renamed over the old one), so a reader sees either the old release or the new one, never a mix.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

SNAPSHOT = "snapshot.nq"
METADATA = "metadata.json"
DUMPS = "dumps"
DUMP_TRIG = "migkg.trig.gz"
DUMP_NQUADS = "migkg.nq.gz"
SEARCH = "search.sqlite"
SOURCES = "sources"


class NoReleaseError(RuntimeError):
    """There is no current release to serve."""


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

    @classmethod
    def open(cls, path: Path) -> Release:
        path = path.resolve()
        meta = path / METADATA
        if not meta.is_file() or not (path / SNAPSHOT).is_file():
            raise NoReleaseError(f"{path} is not a release (no {METADATA} or {SNAPSHOT}); run `migkg build`")
        return cls(path, ReleaseMetadata.from_json(meta.read_text(encoding="utf-8")))


def open_current(current: Path) -> Release:
    """The release ``current`` points to, or NoReleaseError with the command that makes one."""
    if not current.exists():
        raise NoReleaseError(f"no release at {current}; run `migkg build` first")
    return Release.open(current)


def switch_current(current: Path, release_dir: Path) -> None:
    """Point ``current`` at ``release_dir`` atomically (rename of a fresh symlink over the old one)."""
    tmp = current.with_name(f".{current.name}.{os.getpid()}.tmp")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(os.path.relpath(release_dir, current.parent))
    os.replace(tmp, current)
