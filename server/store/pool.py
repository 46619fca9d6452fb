"""Queries evaluated in worker processes that can be killed at a deadline.

pyoxigraph cannot cancel a running query (DESIGN §5), so each of N worker processes (``spawn`` context:
the parent is a threaded server, where ``fork`` is unsafe) holds its own ``EmbeddedStore`` and answers
one query at a time over a pipe with serialized bytes. The parent:

* keeps idle, loaded workers in a queue. ``query`` takes one (waiting at most ``timeout`` seconds; then
  StoreUnavailable), sends the query and polls the pipe until the deadline;
* on the deadline, kills that worker (SIGKILL), starts a replacement that loads in the background, and
  raises QueryTimeout; the other workers keep serving meanwhile;
* if a worker dies (crash, OOM killer), replaces it the same way and raises QueryFailed.

``query`` is blocking and thread-safe: each call owns its worker (and its pipe end) from taking it off
the queue until it goes back, so calls from many threads never share a pipe. The web layer calls it from
a thread pool with its own capacity limit.

Workers start eagerly in the constructor and load the snapshot concurrently; ``ready()`` turns true as
soon as one has loaded, ``wait_ready()`` blocks for it.

With a partner storage directory, each worker also loads the partner graphs and, before each query, brings
them up to the storage's current generation (``EmbeddedStore``): a query that starts after a commit returned
sees it, whichever worker answers, with nothing sent to the workers. ``graphs()`` adds the partner graphs'
sizes of the current generation (read by the parent once per generation) to the release's.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import signal
import threading
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from server import metrics
from server.store.base import Dataset, QueryFailed, QueryOutcome, QueryTimeout, StoreError, StoreUnavailable
from server.store.partners import PartnerGraphs

log = logging.getLogger(__name__)

_CONTEXT = multiprocessing.get_context("spawn")
_KILL_GRACE = 5.0  # seconds to reap a killed worker


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection
    loaded: bool = field(default=False)


def _serve(snapshot: str, partners_dir: str | None, conn: Connection) -> None:
    """A worker process: load the snapshot (and the partner graphs), then answer queries until the pipe closes."""
    from server.store.embedded import EmbeddedStore  # imported here: the parent never loads a store

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the server, which stops us
    try:
        store = EmbeddedStore(Path(snapshot), Path(partners_dir) if partners_dir is not None else None)
    except Exception as error:
        conn.send(("failed", f"{type(error).__name__}: {error}"))
        return
    conn.send(("ready", store.release_graphs))
    while True:
        try:
            sparql, accept, base_iri, dataset = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        healthy = True
        try:
            reply: tuple[bool, Any, bool] = (
                True,
                store.query(sparql, accept=accept, base_iri=base_iri, dataset=dataset),
                True,
            )
        except StoreError as error:
            reply = (False, error, True)
        except BaseException as error:  # a Rust panic surfaces as a BaseException
            healthy = False
            reply = (False, QueryFailed(f"The query engine failed: {type(error).__name__}: {error}"), False)
        conn.send(reply)
        if not healthy:
            return


class WorkerPool:
    """The Store protocol over ``workers`` processes, each with its own in-memory copy of ``snapshot`` and of the
    partner graphs in ``partners_dir`` (None: none), which each worker brings up to date before every query."""

    def __init__(self, snapshot: Path, workers: int, timeout: float, partners_dir: Path | None = None) -> None:
        if workers < 1 or timeout <= 0:
            raise ValueError("a worker pool needs workers >= 1 and timeout > 0")
        self._snapshot = str(snapshot)
        self._partners_dir = str(partners_dir) if partners_dir is not None else None
        self._partners = PartnerGraphs(partners_dir)
        self._timeout = timeout
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # a worker loaded or left
        self._workers: set[_Worker] = set()
        self._graphs: dict[str, int] | None = None
        self._failure: str | None = None
        self._closed = False
        for _ in range(workers):
            self._spawn()

    # --- the Store protocol ------------------------------------------------------------------------------

    def query(
        self,
        sparql: str,
        *,
        accept: str | None,
        base_iri: str | None = None,
        dataset: Dataset | None = None,
    ) -> QueryOutcome:
        worker = self._acquire()
        try:
            worker.conn.send((sparql, accept, base_iri, dataset))
            reply = worker.conn.recv() if worker.conn.poll(self._timeout) else None
        except (EOFError, OSError):
            metrics.worker_replaced("crash")
            self._replace(worker)
            raise QueryFailed("The query stopped its worker process; the worker has been replaced.") from None
        if reply is None:
            log.warning("query over %.3g s, worker %s killed: %.200r", self._timeout, worker.process.pid, sparql)
            metrics.query_timed_out()
            self._replace(worker)
            raise QueryTimeout(self._timeout)
        ok, payload, healthy = reply
        if healthy:
            self._release(worker)
        else:
            metrics.worker_replaced("crash")
            self._replace(worker)
        if not ok:
            raise payload
        assert isinstance(payload, QueryOutcome)
        return payload

    def graphs(self) -> dict[str, int]:
        if self._graphs is None:
            raise StoreUnavailable(self._not_ready_message())
        return {**self._graphs, **self._partners.snapshot().sizes}

    def ready(self) -> bool:
        with self._lock:
            return not self._closed and any(w.loaded for w in self._workers)

    def close(self) -> None:
        with self._changed:
            self._closed = True
            workers = list(self._workers)
            self._workers.clear()
            self._changed.notify_all()
        for worker in workers:
            self._stop(worker)

    # --- readiness -----------------------------------------------------------------------------------------

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until a worker has loaded the snapshot (True), or until ``timeout`` or every worker failed."""
        with self._changed:
            self._changed.wait_for(self._settled, timeout)
            return not self._closed and any(w.loaded for w in self._workers)

    def _settled(self) -> bool:
        return self._closed or not self._workers or any(w.loaded for w in self._workers)

    def status(self) -> dict[str, int]:
        """How many workers are loaded and how many are still loading."""
        with self._lock:
            loaded = sum(w.loaded for w in self._workers)
            return {"loaded": loaded, "loading": len(self._workers) - loaded}

    @property
    def failure(self) -> str | None:
        """Why the last worker that failed to load did (None if none failed)."""
        return self._failure

    # --- workers ---------------------------------------------------------------------------------------------

    def _spawn(self) -> None:
        parent, child = _CONTEXT.Pipe()
        process = _CONTEXT.Process(
            target=_serve, args=(self._snapshot, self._partners_dir, child), name="migkg-query-worker", daemon=True
        )
        worker = _Worker(process, parent)
        with self._lock:
            if self._closed:
                return
            self._workers.add(worker)
            process.start()
        child.close()
        threading.Thread(target=self._await_loaded, args=(worker,), daemon=True).start()

    def _await_loaded(self, worker: _Worker) -> None:
        try:
            kind, detail = worker.conn.recv()
        except (EOFError, OSError):
            kind, detail = "failed", f"worker exited with code {worker.process.exitcode}"
        if kind != "ready":
            if not self._closed:
                self._failure = f"a query worker could not load {self._snapshot}: {detail}"
                log.error("%s", self._failure)
            self._retire(worker)
            return
        with self._changed:
            if self._closed:
                return
            worker.loaded = True
            self._graphs = detail
            self._changed.notify_all()
        self._idle.put(worker)

    def _acquire(self) -> _Worker:
        while True:
            with self._lock:
                usable = not self._closed and bool(self._workers)
            if not usable:
                raise StoreUnavailable(self._not_ready_message())
            try:
                worker = self._idle.get(timeout=self._timeout)
            except queue.Empty:
                raise StoreUnavailable(self._not_ready_message()) from None
            if worker.process.is_alive():
                return worker
            metrics.worker_replaced("crash")
            self._replace(worker)  # died while idle; try the next one

    def _release(self, worker: _Worker) -> None:
        with self._lock:
            keep = not self._closed and worker in self._workers
        if keep:
            self._idle.put(worker)

    def _replace(self, worker: _Worker) -> None:
        self._retire(worker)
        self._spawn()

    def _retire(self, worker: _Worker) -> None:
        with self._changed:
            self._workers.discard(worker)
            self._changed.notify_all()
        self._stop(worker)

    @staticmethod
    def _stop(worker: _Worker) -> None:
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(_KILL_GRACE)
        worker.conn.close()

    def _not_ready_message(self) -> str:
        if self._closed:
            return "The store is closed."
        if self._failure and not self.ready():
            return "The store is not available: the release snapshot could not be loaded (see the server log)."
        if not self.ready():
            return "The store is still loading the release; try again in a few seconds."
        return f"Every query worker stayed busy for {self._timeout:g} s; try again later."
