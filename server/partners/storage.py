"""Durable partner graphs: one N-Quads file per graph version, one manifest per generation, and a symlink
to the current manifest whose atomic replacement is the commit.

Layout under ``Settings.partner_graphs_dir`` (outside ``build/``, so ``migkg build`` never touches it)::

    current -> manifests/00000042.json    the commit point (a symlink, replaced by rename)
    manifests/<generation>.json           {"format": 1, "generation": N, "graphs": {IRI: {"file", "triples",
                                          "version"}}}; written once, never modified
    objects/<sha256>.nq                   a graph's quads and its description (in graph/partner-provenance), sorted
                                          N-Quads; content-addressed, written once, never modified
    .lock                                 held (flock) by the one writer committing

A commit writes the graph's file and the next manifest (each: temporary name, fsync, rename, fsync of the
directory), then points ``current`` at the new manifest the same way. Killed before that last rename, the
storage still holds the old graph (the new files are unreferenced leftovers, removed by the next commit);
after it, the new one: never a mix. ``generation()`` is one ``readlink``. Files are immutable, so caching them
by name is safe; the last ``KEEP`` manifests and their files are kept, so a reader that read ``current``
just before a commit still finds its files (and re-reads ``current`` if a file has gone meanwhile).
Measurements against pyoxigraph's on-disk store: ``python -m tools.bench_partner_storage`` →
``build/bench/partner-storage.md``.

Literals are stored exactly as the partner wrote them (a pyoxigraph Store would normalise ``"01"^^xsd:integer``
and derived integer types, DESIGN §5). Blank nodes were renamed to fresh ids when the upload was parsed, so
files never share one and are read back without renaming.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import pyoxigraph as ox

from server import prefixes
from server.partners import files

CURRENT: Final = "current"
MANIFESTS: Final = "manifests"
OBJECTS: Final = "objects"
KEEP: Final = 3  # manifests (and the files they use) kept besides the current one's
_FORMAT: Final = 1
_READ_ATTEMPTS: Final = 5


class WriteConflict(RuntimeError):
    """The graph changed since the writer read it (``expect`` did not match): nothing was written."""

    def __init__(self, graph: str, expected: str | None, found: str | None) -> None:
        super().__init__(graph, expected, found)
        self.graph, self.expected, self.found = graph, expected, found

    def __str__(self) -> str:
        return f"<{self.graph}> changed while the write was checked (version {self.found}, expected {self.expected})"


@dataclass(frozen=True)
class StoredGraph:
    """A committed partner graph: its file, the number of triples of its data, and its version (which
    changes with every commit that changes the graph: usable as an entity tag)."""

    file: str
    triples: int
    version: str


@dataclass(frozen=True)
class Change:
    """A graph's new content and its description (in graph/partner-provenance), for ``commit_all``."""

    data: Sequence[ox.Triple]
    description: Sequence[ox.Triple]


@dataclass(frozen=True)
class Commit:
    generation: int
    graph: str
    version: str | None  # None once deleted
    triples: int


@dataclass(frozen=True)
class _Manifest:
    generation: int
    graphs: dict[str, StoredGraph]

    def to_bytes(self) -> bytes:
        graphs = {g: asdict(s) for g, s in sorted(self.graphs.items())}
        body = {"format": _FORMAT, "generation": self.generation, "graphs": graphs}
        return (json.dumps(body, indent=1, ensure_ascii=False) + "\n").encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> _Manifest:
        raw = json.loads(data)
        if raw.get("format") != _FORMAT:
            raise RuntimeError(f"unknown partner storage format {raw.get('format')!r}")
        return cls(int(raw["generation"]), {g: StoredGraph(**s) for g, s in raw["graphs"].items()})


_EMPTY: Final = _Manifest(0, {})
ANY: Final = "*"  # ``expect=ANY``: commit whatever the current version


def nquads(quads: Iterable[ox.Quad] | Iterable[ox.Triple]) -> bytes:
    """Sorted, de-duplicated N-Quads (triples give N-Triples): the same graph always gives the same bytes."""
    data = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
    return b"".join(sorted(set(data.splitlines(keepends=True))))


def _in_graph(triples: Iterable[ox.Triple], graph: ox.NamedNode) -> list[ox.Quad]:
    return [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples]


def _body(graph: str, change: Change) -> bytes:
    """What is stored of a graph: its quads and its description, in graph/partner-provenance, as sorted N-Quads."""
    prov = ox.NamedNode(prefixes.GRAPH_PARTNER_PROVENANCE)
    return nquads([*_in_graph(change.data, ox.NamedNode(graph)), *_in_graph(change.description, prov)])


def _stored(body: bytes, change: Change | None) -> StoredGraph:
    digest = hashlib.sha256(body).hexdigest()
    return StoredGraph(file=f"{digest}.nq", triples=len(set(change.data)) if change else 0, version=digest[:16])


def _commit(manifest: _Manifest, graph: str) -> Commit:
    stored = manifest.graphs.get(graph)
    return Commit(manifest.generation, graph, stored.version if stored else None, stored.triples if stored else 0)


def _manifest_name(generation: int) -> str:
    return f"{generation:08d}.json"


class PartnerStorage:
    """The partner graphs under ``root``. Any number of readers, in any process; writers serialise on a lock."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._current = root / CURRENT
        self._manifests = root / MANIFESTS
        self._objects = root / OBJECTS
        self._lock = root / ".lock"
        self._cache: dict[str, _Manifest] = {}

    # --- reading (lock-free) ----------------------------------------------------------------------------------

    def generation(self) -> int:
        """How many commits the storage has seen (one ``readlink``); workers reload partner graphs when it changes."""
        name = self._current_name()
        return int(name.removesuffix(".json")) if name else 0

    def committed_at(self) -> datetime | None:
        """When the last commit (or delete) was made: the time ``current`` was replaced; None before the first."""
        try:
            return datetime.fromtimestamp(os.lstat(self._current).st_mtime, UTC)
        except FileNotFoundError:
            return None

    def graphs(self) -> dict[str, StoredGraph]:
        """Graph IRI → what is stored of it, for every committed partner graph."""
        return dict(self._manifest().graphs)

    def quads(self) -> list[ox.Quad]:
        """Every partner graph and its description (graph/partner-provenance), all of one generation."""
        return self._consistent_read(lambda manifest: list(manifest.graphs.values()), keep=lambda _: True)

    def graph_quads(self, graph: str) -> list[ox.Quad]:
        """One graph's data (without its description); empty if it does not exist."""
        return self._consistent_read(
            lambda manifest: [s for g, s in manifest.graphs.items() if g == graph],
            keep=lambda q: isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value == graph,
        )

    def _consistent_read(
        self, chosen: Callable[[_Manifest], list[StoredGraph]], keep: Callable[[ox.Quad], bool]
    ) -> list[ox.Quad]:
        for _ in range(_READ_ATTEMPTS):
            try:
                return [
                    q
                    for stored in chosen(self._manifest())
                    for q in ox.parse(path=self._objects / stored.file, format=ox.RdfFormat.N_QUADS)
                    if keep(q)
                ]
            except FileNotFoundError:
                continue  # collected by commits made since we read ``current``: read the newer one
        raise RuntimeError(f"{self.root}: partner graphs changed {_READ_ATTEMPTS} times while being read")

    def _current_name(self) -> str | None:
        try:
            return Path(os.readlink(self._current)).name
        except FileNotFoundError:
            return None

    def _manifest(self) -> _Manifest:
        name = self._current_name()
        if name is None:
            return _EMPTY
        if name not in self._cache:
            self._cache = {name: _Manifest.from_bytes((self._manifests / name).read_bytes())}
        return self._cache[name]

    # --- writing ----------------------------------------------------------------------------------------------

    def commit(
        self,
        graph: str,
        data: Sequence[ox.Triple],
        description: Sequence[ox.Triple],
        *,
        expect: str | None = ANY,
    ) -> Commit:
        """Replace ``graph`` by ``data``, described by ``description`` (in graph/partner-provenance), durably.

        ``expect`` is the version the caller based the write on (None: the graph did not exist); a different
        current version raises WriteConflict and changes nothing. Returns once the commit is on disk.
        """
        return self.commit_all({graph: Change(data, description)}, expect={graph: expect})[0]

    def delete(self, graph: str, *, expect: str | None = ANY) -> Commit:
        """Remove ``graph`` and its description, durably."""
        return self.commit_all({graph: None}, expect={graph: expect})[0]

    def commit_all(
        self, changes: Mapping[str, Change | None], *, expect: Mapping[str, str | None] | None = None
    ) -> list[Commit]:
        """Replace each graph of ``changes`` by its new content (None: remove it), all in ONE commit: a reader
        sees every change or none. ``expect`` gives, per graph, the version the caller based the change on (as
        in ``commit``; a graph not in it may have any). Returns one Commit per graph, in the order given."""
        bodies = {graph: _body(graph, change) for graph, change in changes.items() if change is not None}
        written = {graph: _stored(body, changes[graph]) for graph, body in bodies.items()}
        with files.exclusive(self._lock):
            manifest = self._manifest()
            for graph in changes:
                self._check(manifest, graph, (expect or {}).get(graph, ANY))
            for graph, stored in written.items():
                target = self._objects / stored.file
                if not target.exists():
                    files.write_atomic(target, bodies[graph])
            graphs = {g: s for g, s in manifest.graphs.items() if g not in changes} | written
            return self._publish(_Manifest(manifest.generation + 1, graphs), list(changes))

    @staticmethod
    def _check(manifest: _Manifest, graph: str, expect: str | None) -> None:
        current = manifest.graphs.get(graph)
        found = current.version if current else None
        if expect != ANY and expect != found:
            raise WriteConflict(graph, expect, found)

    def _publish(self, manifest: _Manifest, changed: list[str]) -> list[Commit]:
        """Write the manifest, then the commit point: ``current`` replaced by a symlink to it. Then collect."""
        name = _manifest_name(manifest.generation)
        files.write_atomic(self._manifests / name, manifest.to_bytes())
        files.replace_symlink(self._current, Path(MANIFESTS) / name)
        self._cache = {name: manifest}
        self._collect()
        return [_commit(manifest, graph) for graph in changed]

    def _collect(self) -> None:
        """Delete what neither the current manifest nor the ``KEEP`` before it use (and killed writers' leftovers)."""
        for folder in (self.root, self._manifests, self._objects):
            files.remove_stale_temporaries(folder)
        manifests = sorted(self._manifests.glob("*.json"))
        kept, old = manifests[-(KEEP + 1) :], manifests[: -(KEEP + 1)]
        used = {s.file for path in kept for s in _Manifest.from_bytes(path.read_bytes()).graphs.values()}
        for path in old:
            path.unlink(missing_ok=True)
        for path in self._objects.glob("*.nq"):
            if path.name not in used:
                path.unlink(missing_ok=True)
