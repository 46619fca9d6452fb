"""What the web process knows of the partner graphs served beside the release, per generation of their storage.

The query workers serve the partner graphs themselves (``server.store``); the web process follows the same storage
for what it says *about* them: the generation, which ties validators (ETag, Last-Modified) to the data; the graphs'
sizes and descriptions, for the Service Description, VoID, the download page and the agencies' pages
(``server.partners.catalogue``); the partner dump; and the search index with the partners' entities added. Each is
made once per generation, the last two as files under ``Settings.partner_cache_dir`` (written atomically, named by
generation, so a file once there is right for good). Every method may read files: call them off the event loop.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

import pyoxigraph as ox

from server import prefixes, search, unions
from server.partners import files
from server.partners.catalogue import PartnerGraph, describe
from server.release import FileInfo, Release
from server.settings import Settings
from server.store.partners import PartnerGraphs, PartnerSnapshot

DUMP: Final = "partners.trig.gz"
GENERATION_HEADER: Final = "X-Migkg-Partner-Generation"  # on the partner dump: which generation it holds
KEEP: Final = 3  # files of earlier generations kept (a download under way may still be reading one)
_DUMP_PREFIXES: Final = ("mig", "rdfs", "prov", "dcterms", "void", "spdx", "xsd")


@dataclass(frozen=True)
class Catalogue:
    """The partner graphs of one generation: their sizes (with graph/partner-provenance) and descriptions."""

    generation: int
    sizes: dict[str, int]
    graphs: dict[str, PartnerGraph]

    def agencies(self) -> dict[str, list[PartnerGraph]]:
        """Agency id → its graphs, agencies by name."""
        found: dict[str, list[PartnerGraph]] = {}
        for graph in sorted(self.graphs.values(), key=lambda g: (g.name.casefold(), g.agency, g.iri)):
            found.setdefault(graph.agency, []).append(graph)
        return found


@dataclass(frozen=True)
class Dump:
    """The partner dump of one generation: every partner graph and graph/partner-provenance, as TriG, gzipped."""

    generation: int
    path: Path
    info: FileInfo


def dump_bytes(quads: tuple[ox.Quad, ...]) -> bytes:
    """``quads`` as gzipped TriG, the same bytes for the same quads (sorted; no time in the gzip header)."""
    chosen = {name: prefixes.PREFIXES[name] for name in _DUMP_PREFIXES}
    trig = ox.serialize(sorted(quads, key=str), format=ox.RdfFormat.TRIG, prefixes=chosen) or b""
    return gzip.compress(trig, mtime=0)


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _forget_older(folder: Path, pattern: str, keep: set[Path]) -> None:
    """Remove the files of ``folder`` matching ``pattern`` but the ``KEEP`` newest and ``keep``."""
    found = sorted(folder.glob(pattern), key=lambda p: p.stat().st_mtime)
    for path in found[:-KEEP]:
        if path not in keep:
            path.unlink(missing_ok=True)


class PartnerData:
    """The partner graphs under ``settings.partner_graphs_dir`` as the web process shows them. Thread-safe."""

    def __init__(self, settings: Settings, release: Release | None) -> None:
        self._graphs = PartnerGraphs(settings.partner_graphs_dir)
        self._release = release
        self._cache = settings.partner_cache_dir
        self._lock = threading.Lock()
        self._catalogue = Catalogue(0, {}, {})
        self._dump: Dump | None = None
        self._index: tuple[int, Path] | None = None

    def generation(self) -> int:
        """The generation now (one ``readlink``): what validators are tied to."""
        return self._graphs.generation()

    def validators(self, release_id: str, created: datetime | None) -> tuple[str, datetime | None]:
        """The version of what is served (the release id, and the partner generation once there is one) and when it
        last changed: what the ETag and Last-Modified of every GET are made from (``middleware.Conditional``)."""
        generation = self.generation()
        if generation == 0:
            return release_id, created
        changed = [t for t in (created, self._graphs.committed_at()) if t is not None]
        return f"{release_id}.p{generation}", max(changed, default=None)

    def catalogue(self) -> Catalogue:
        snapshot = self._graphs.snapshot()
        with self._lock:
            if self._catalogue.generation != snapshot.generation:
                self._catalogue = Catalogue(snapshot.generation, snapshot.sizes, describe(snapshot.quads))
            return self._catalogue

    def dump(self) -> Dump:
        """The dump of the current generation, written the first time it is asked for."""
        snapshot = self._graphs.snapshot()
        with self._lock:
            if self._dump is None or self._dump.generation != snapshot.generation:
                self._dump = self._write_dump(snapshot)
            return self._dump

    def _write_dump(self, snapshot: PartnerSnapshot) -> Dump:
        folder = self._cache / "dumps"
        path = folder / f"partners-{snapshot.generation:08d}.trig.gz"
        if not path.is_file():
            files.write_atomic(path, dump_bytes(snapshot.quads))
            _forget_older(folder, "partners-*.trig.gz", {path})
        return Dump(snapshot.generation, path, FileInfo(path.stat().st_size, _sha256(path)))

    def search_index(self) -> Path | None:
        """The release's search index with the partners' entities added (the release's own while there are none)."""
        if self._release is None:
            return None
        snapshot = self._graphs.snapshot()
        if not snapshot.quads:
            return self._release.search_index
        with self._lock:
            if self._index is None or self._index[0] != snapshot.generation:
                self._index = (snapshot.generation, self._write_index(self._release, snapshot))
            return self._index[1]

    def _write_index(self, release: Release, snapshot: PartnerSnapshot) -> Path:
        folder = self._cache / "search"
        path = folder / f"{release.id}-{snapshot.generation:08d}.sqlite"
        if not path.is_file():
            provenance = ox.NamedNode(prefixes.GRAPH_PARTNER_PROVENANCE)
            store = unions.of(q for q in snapshot.quads if q.graph_name != provenance)
            docs = search.documents(store, search.ANY_IRI, unlabelled=True)
            files.write_atomic(path, search.extended(release.search_index, docs))
            _forget_older(folder, "*.sqlite", {path})
        return path
