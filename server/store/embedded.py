"""A release held in memory by pyoxigraph, answering SPARQL with serialized bytes.

A query is parsed, evaluated and serialized by one call in the calling thread: a ``QuerySolutions``
never leaves the thread that produced it (DESIGN §5: handing one to another thread panicked and took
uvicorn down). The media type is negotiated once the result says which query form it is, before the
rows are serialized.

The union default graph is materialized at load time in the store's own default graph
(``server.unions``: the served union, and why not ``use_default_graph_as_union``, oxigraph issue #1919).

Given a partner storage directory, the store also serves the partner graphs and their descriptions
(``server.store.partners``): loaded after the snapshot, and before every query the storage's generation (one
``readlink``) is compared with the one loaded; if a commit moved it, the old partner quads are swapped for the new
ones and the union default graph is updated with them (``unions.replace``), so the query sees the commit. Queries
share the store, a swap has it alone (a readers-writer lock), so no query ever sees half a swap. After the load and
after every swap the store computes its VoID partitions again into ``graph/void`` (``server.partitions``).

**Copy or disk** (``Settings.store_memory``, DESIGN §5). By default (``copy``) each store bulk-loads the snapshot into
memory, so N query workers hold N copies. Given ``OnDisk``, it opens instead the on-disk store the build published
beside the snapshot (``publish_store``: the same quads, the union default graph already formed and the partitions
already computed, compacted), so a worker does no work at start and every worker reads the same files through the
kernel's page cache: memory no longer multiplies with workers. A read-only store cannot take partner graphs, so with
a partner storage each worker opens a RocksDB checkpoint of the release's store (``Store.backup``: hard links to its
immutable SST files when on the same filesystem, a copy only of the small manifest) in a scratch directory of its own,
writable, and applies the partner graphs to it exactly as the in-memory copy does; RocksDB writes what changes into
new files of the checkpoint, never into the linked ones, so the release is untouched.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from server import media, partitions, prefixes, unions
from server.media import QueryForm
from server.release import METADATA, ReleaseMetadata
from server.store import results, sparql_text
from server.store.base import (
    Dataset,
    InvalidDataset,
    NotAcceptable,
    QueryFailed,
    QueryOutcome,
    QueryOutOfMemory,
    QuerySyntaxError,
    ResultLimits,
    StoreError,
    StoreUnavailable,
    UnsupportedQuery,
    UpdateForbidden,
)
from server.store.partners import EMPTY, PartnerGraphs

_COUNT_GRAPHS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
NO_FEDERATION = (
    "Federated queries (SERVICE) are not supported by this endpoint; "
    "query each service separately and combine the results."
)


def _form(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> QueryForm:
    if isinstance(result, ox.QuerySolutions):
        return "solutions"
    if isinstance(result, ox.QueryBoolean):
        return "boolean"
    return "graph"


def _named_nodes(iris: tuple[str, ...]) -> list[ox.NamedNode]:
    nodes = []
    for iri in iris:
        try:
            nodes.append(ox.NamedNode(iri))
        except ValueError as error:
            raise InvalidDataset(iri, str(error)) from None
    return nodes


def load_snapshot(snapshot: Path) -> ox.Store:
    """A release's quads in an in-memory store whose default graph holds their union (the RDF merge).

    Every reader of a release (the endpoint, ``migkg stats``, the data tests) loads it this way, so all of
    them see the same default graph; query it without ``use_default_graph_as_union`` (see module doc).
    """
    store = ox.Store()
    store.bulk_load(path=snapshot, format=ox.RdfFormat.N_QUADS)
    return unions.form(store, unions.SERVED)


def on_disk_union(snapshot: Path, target: Path) -> ox.Store:
    """``snapshot``'s quads in an on-disk store at ``target`` (a directory that does not exist yet), with their union
    in the default graph (streamed: ``unions.stream_into``, from the store itself, whose blank nodes a second parse of
    the snapshot would not give back). Memory stays small whatever the snapshot's size (RocksDB's bulk loader writes
    SST files)."""
    store = ox.Store(str(target))
    store.bulk_load(path=snapshot, format=ox.RdfFormat.N_QUADS)
    return unions.stream_into(store, store.quads_for_pattern(None, None, None, None), unions.SERVED)


def publish_store(snapshot: Path, target: Path) -> None:
    """Write ``snapshot`` as an on-disk store at ``target``, as ``OnDisk`` serves it: ``on_disk_union``, then the VoID
    partitions, compacted and flushed."""
    store = on_disk_union(snapshot, target)
    partitions.refresh(store)
    store.optimize()
    store.flush()


@dataclass(frozen=True)
class OnDisk:
    """Serve the on-disk store at ``published`` (``publish_store``) instead of a copy of the snapshot in memory: read
    only, in place; or, with ``checkpoint`` (a path that does not exist yet, on the same filesystem to share the files),
    a checkpoint of it made there and opened writable, which partner graphs need. Whoever gives ``checkpoint`` removes
    it once the store is closed (a worker may be killed at any moment: its pool does)."""

    published: Path
    checkpoint: Path | None = None

    def graphs(self) -> dict[str, int]:
        """The release's named graphs and their sizes, as its metadata records them: counting them in the store
        would scan all of it at every worker's start (about 8 s per million triples here)."""
        metadata = ReleaseMetadata.from_json((self.published.parent / METADATA).read_text(encoding="utf-8"))
        return {graph: n for graph, n in metadata.graphs.items() if graph}

    def open(self) -> ox.Store:
        release = ox.Store.read_only(str(self.published))
        if self.checkpoint is None:
            return release
        release.backup(str(self.checkpoint))
        del release
        return ox.Store(str(self.checkpoint))


class ReadersWriter:
    """Many readers at once, or one writer; a waiting writer holds back new readers."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._readers = 0
        self._writers = 0  # waiting or writing

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._changed:
            self._changed.wait_for(lambda: self._writers == 0)
            self._readers += 1
        try:
            yield
        finally:
            with self._changed:
                self._readers -= 1
                self._changed.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._changed:
            self._writers += 1
            self._changed.wait_for(lambda: self._readers == 0)
        try:
            yield
        finally:
            with self._changed:
                self._writers -= 1
                self._changed.notify_all()


class EmbeddedStore:
    """An in-memory pyoxigraph store bulk-loaded from an N-Quads snapshot (or, ``on_disk``, the release's on-disk
    store), read-only to queries; with ``partners_dir``, also the partner graphs stored there, as of the latest
    commit (``on_disk`` then needs a checkpoint)."""

    def __init__(self, snapshot: Path, partners_dir: Path | None = None, *, on_disk: OnDisk | None = None) -> None:
        if on_disk is not None and partners_dir is not None and on_disk.checkpoint is None:
            raise ValueError("partner graphs cannot be added to a read-only store: give the store a checkpoint")
        if on_disk is None:
            self._store: ox.Store | None = load_snapshot(snapshot)
            counts = self._store.query(_COUNT_GRAPHS)
            assert isinstance(counts, ox.QuerySolutions)
            self._release_graphs = {row["g"].value: int(row["n"].value) for row in counts}
            partitions.refresh(self._store)
        else:  # published with its partitions; its graphs' sizes in the release's metadata
            self._store, self._release_graphs = on_disk.open(), on_disk.graphs()
        self._partners = PartnerGraphs(partners_dir)
        self._loaded = EMPTY
        self._access = ReadersWriter()
        self._follow_partners()

    @property
    def release_graphs(self) -> dict[str, int]:
        """The release's named graphs and their sizes (``graphs()`` without the partner graphs)."""
        return dict(self._release_graphs)

    def _follow_partners(self) -> None:
        """Swap in the partner graphs of the current generation, if a commit moved it since they were loaded."""
        if self._partners.generation() == self._loaded.generation:
            return
        with self._access.writing():
            current = self._partners.snapshot()
            if self._store is not None and current.generation != self._loaded.generation:
                unions.replace(self._store, self._loaded.quads, current.quads, unions.SERVED)
                partitions.refresh(self._store)
                self._loaded = current

    def query(
        self,
        sparql: str,
        *,
        accept: str | None,
        base_iri: str | None = None,
        dataset: Dataset | None = None,
        limits: ResultLimits | None = None,
    ) -> QueryOutcome:
        """See ``Store.query``; with ``limits``, the result is cut at their rows and bytes (``store.results``)."""
        store = self._store
        if store is None:
            raise StoreUnavailable("The store is closed.")
        if sparql_text.looks_like_update(sparql):
            raise UpdateForbidden()
        if sparql_text.uses_service(sparql):
            raise UnsupportedQuery(NO_FEDERATION)
        try:
            self._follow_partners()
        except Exception as error:  # unreadable partner storage: this query fails, the store keeps serving
            raise QueryFailed(f"The partner graphs could not be read: {type(error).__name__}: {error}") from None
        with self._access.reading():
            answer = self._answer(store, sparql, accept, base_iri, dataset, limits)
        if isinstance(answer, StoreError):
            raise answer  # raised here, where no pyoxigraph object is in scope (see _answer)
        return answer

    @classmethod
    def _answer(
        cls,
        store: ox.Store,
        sparql: str,
        accept: str | None,
        base_iri: str | None,
        dataset: Dataset | None,
        limits: ResultLimits | None,
    ) -> QueryOutcome | StoreError:
        """Evaluate and serialize; failures are returned, not raised.

        A raised exception's traceback keeps this frame, and with it the pyoxigraph result, alive for
        whoever catches it, possibly in another thread, where dropping the result panics (pyo3:
        "unsendable, but is being dropped on another thread"). Returning lets the result die here.
        """
        try:
            result = cls._evaluate(store, sparql, base_iri, dataset)
            kind = _form(result)
            formats = media.formats_for(kind)
            chosen = media.choose_result(accept, kind)
            if chosen is None:
                return NotAcceptable(media.offered(formats), kind)
            body, truncated = results.serialize(result, media.format_for(chosen, formats), limits)
            return QueryOutcome(kind, chosen, body, truncated)
        except SyntaxError as error:
            return QuerySyntaxError(str(error))
        except StoreError as error:
            return type(error)(*error.args)
        except MemoryError:
            return QueryOutOfMemory()
        except Exception as error:  # OSError from the engine, or a bug: never with a result attached
            return QueryFailed(f"The query could not be evaluated: {type(error).__name__}: {error}")

    @staticmethod
    def _evaluate(
        store: ox.Store, sparql: str, base_iri: str | None, dataset: Dataset | None
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Run ``sparql`` over the right dataset.

        Every prefix of ``server.prefixes`` is predeclared (ours under ``base_iri``), as the Wikidata Query Service
        predeclares its own: a query may write ``mig:heldIn`` without ``PREFIX mig: <…>``, and a query that declares
        a prefix itself keeps its own IRI for it (pyoxigraph's ``prefixes=``: no text is prepended, so the parser's
        line and column numbers are the client's).

        Without a protocol dataset the default graph is the (materialized) union of all graphs, unless
        the query names its own with FROM/FROM NAMED. A protocol dataset replaces both: the default graph
        is the merge of ``default_graphs`` (empty if none) and only ``named_graphs`` are visible to GRAPH
        (none if none were given), as the SPARQL 1.1 Protocol requires.
        """
        predeclared = prefixes.namespaces(base_iri or prefixes.BASE)
        if dataset is None or (dataset.default_graphs is None and dataset.named_graphs is None):
            return store.query(sparql, base_iri=base_iri, prefixes=predeclared)
        default_graph: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = [
            *_named_nodes(dataset.default_graphs or ())
        ]
        named_graphs: list[ox.NamedNode | ox.BlankNode] = [*_named_nodes(dataset.named_graphs or ())]
        return store.query(
            sparql, base_iri=base_iri, prefixes=predeclared, default_graph=default_graph, named_graphs=named_graphs
        )

    def spool(
        self,
        sparql: str,
        *,
        accept: str | None,
        base_iri: str | None = None,
        dataset: Dataset | None = None,
        limits: ResultLimits | None = None,
        cancelled: threading.Event | None = None,
    ) -> tuple[QueryOutcome, IO[bytes]]:
        """``query`` with its body in a file (``SpoolsResults``); in process, a query cannot be cancelled."""
        outcome = self.query(sparql, accept=accept, base_iri=base_iri, dataset=dataset, limits=limits)
        return QueryOutcome(outcome.kind, outcome.media_type, b"", outcome.truncated), io.BytesIO(outcome.body)

    def graphs(self) -> dict[str, int]:
        self._follow_partners()
        return {**self._release_graphs, **self._loaded.sizes}

    def ready(self) -> bool:
        return self._store is not None

    def close(self) -> None:
        self._store = None
