"""The partner graphs a store serves beside the release, read whole from ``PartnerStorage`` one generation at a time.

``PartnerGraphs`` follows a storage directory: ``generation()`` is one ``readlink``, ``snapshot()`` re-reads the
quads only when the generation has moved. A query worker compares generations before every query and, when they
differ, swaps the old snapshot's quads for the new one's in its store (``server.unions.replace``); the web
process follows the same directory for what it shows about partner graphs (validators, descriptions, search,
dumps). ``None`` as the directory: no partner graphs, generation 0 for ever.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Final

import pyoxigraph as ox

from server.partners.storage import PartnerStorage

_READ_ATTEMPTS: Final = 5


@dataclass(frozen=True)
class PartnerSnapshot:
    """Every quad of the partner graphs and of their descriptions (graph/partner-provenance), of one generation."""

    generation: int
    quads: tuple[ox.Quad, ...] = ()
    sizes: dict[str, int] = field(default_factory=dict)  # graph IRI -> distinct triples


EMPTY: Final = PartnerSnapshot(0)


def graph_sizes(quads: tuple[ox.Quad, ...]) -> dict[str, int]:
    """Named graph IRI → its number of distinct triples.

    >>> a, p = ox.NamedNode("http://x/a"), ox.NamedNode("http://x/p")
    >>> g1, g2 = ox.NamedNode("http://x/g1"), ox.NamedNode("http://x/g2")
    >>> graph_sizes((ox.Quad(a, p, a, g1), ox.Quad(a, p, a, g1), ox.Quad(a, p, p, g1), ox.Quad(a, p, a, g2)))
    {'http://x/g1': 2, 'http://x/g2': 1}
    """
    triples: dict[str, set[ox.Triple]] = defaultdict(set)
    for quad in quads:
        if isinstance(quad.graph_name, ox.NamedNode):
            triples[quad.graph_name.value].add(quad.triple)
    return {graph: len(found) for graph, found in sorted(triples.items())}


def read(storage: PartnerStorage) -> PartnerSnapshot:
    """The storage's quads, all of one generation: read again if a commit landed while they were read."""
    for _ in range(_READ_ATTEMPTS):
        generation = storage.generation()
        quads = tuple(storage.quads())
        if storage.generation() == generation:
            return PartnerSnapshot(generation, quads, graph_sizes(quads))
    raise RuntimeError(f"{storage.root}: partner graphs changed {_READ_ATTEMPTS} times while being read")


class PartnerGraphs:
    """The partner graphs under ``root`` (None: none), as of their latest generation. Thread-safe."""

    def __init__(self, root: Path | None) -> None:
        self._storage = PartnerStorage(root) if root is not None else None
        self._snapshot = EMPTY
        self._lock = threading.Lock()

    def generation(self) -> int:
        """The committed generation now (0 when there is no storage or nothing was ever committed)."""
        return self._storage.generation() if self._storage is not None else 0

    def committed_at(self) -> datetime | None:
        """When the partner graphs last changed (None: never)."""
        return self._storage.committed_at() if self._storage is not None else None

    def snapshot(self) -> PartnerSnapshot:
        """The quads of the current generation, read once per generation."""
        if self._storage is None:
            return EMPTY
        with self._lock:
            if self._storage.generation() != self._snapshot.generation:
                self._snapshot = read(self._storage)
            return self._snapshot
