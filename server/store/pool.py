"""Queries evaluated in worker processes that can be killed at a deadline, when they outgrow their memory, or when
their client goes away.

pyoxigraph cannot cancel a running query (DESIGN §5), so each of N worker processes (``spawn`` context:
the parent is a threaded server, where ``fork`` is unsafe) holds its own ``EmbeddedStore`` and answers
one query at a time over a pipe. The parent:

* keeps the loaded workers and hands an idle one to each query, by lane: a query that looks cheap
  (``sparql_text.looks_cheap``) may take any idle worker, any other query only while more than ``reserved`` workers
  are left, so a few heavy clients cannot take every worker; a cheap query that runs on a reserved worker for
  longer than ``cheap_timeout`` is stopped there and run again as an ordinary query. A query that finds no
  worker within ``timeout`` seconds is StoreUnavailable;
* sends the query and polls the pipe until the answer comes, the deadline passes (QueryTimeout), or the caller's
  ``cancelled`` event is set (QueryCancelled: the client went away); in both cases it kills that worker
  (SIGKILL), starts a replacement that loads in the background, and raises; the other workers keep serving;
* reads the answer as a header (query form, media type, truncation) and then chunks of at most ``CHUNK`` bytes,
  handing each to a sink as it arrives (``spool`` writes them to a temporary file, so a large result never sits in
  the parent's memory);
* if a worker dies during a query, replaces it and raises QueryOutOfMemory when it died as a process out of
  memory dies (``SIGABRT``: a Rust allocation failed under the worker's address-space limit; ``SIGKILL`` not sent
  by us: the kernel's OOM killer), else QueryFailed.

Each worker limits its own address space (``RLIMIT_AS``) to what it holds once loaded plus ``memory_mb``, and
asks to be replaced (it exits after its answer) once it has answered ``max_queries`` queries or holds more than
``recycle_mb`` MB above what it held once loaded: a query's peak is not kept for ever.

``query`` and ``spool`` are blocking and thread-safe: each call owns its worker (and its pipe end) from taking it
until it goes back, so calls from many threads never share a pipe. The web layer calls them from a thread pool
with its own capacity limit.

Workers start eagerly in the constructor and load the snapshot concurrently; ``ready()`` turns true as
soon as one has loaded, ``wait_ready()`` blocks for it.

Given the release's on-disk store (``published``: ``Settings.store_memory`` ``disk``), workers open it instead of
loading the snapshot (``embedded.OnDisk``) and share its pages; with a partner storage each opens its own checkpoint
of it, in a scratch directory ``.worker-<host>-<server pid>-*`` beside the release, which the pool makes before
starting the worker and removes once it has stopped (a worker killed at its deadline cannot clean up after itself);
a pool starting removes the scratch directories of this host's servers that are gone.

With a partner storage directory, each worker also loads the partner graphs and, before each query, brings
them up to the storage's current generation (``EmbeddedStore``): a query that starts after a commit returned
sees it, whichever worker answers, with nothing sent to the workers. ``graphs()`` adds the partner graphs'
sizes of the current generation (read by the parent once per generation) to the release's.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import shutil
import signal
import socket
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import IO, Any, Final, Literal

from server import metrics
from server.store import sparql_text
from server.store.base import (
    Dataset,
    QueryCancelled,
    QueryFailed,
    QueryOutcome,
    QueryOutOfMemory,
    QueryTimeout,
    ResultLimits,
    StoreError,
    StoreUnavailable,
)
from server.store.partners import PartnerGraphs

log = logging.getLogger(__name__)

_CONTEXT = multiprocessing.get_context("spawn")
_KILL_GRACE = 5.0  # seconds to reap a killed worker
# What a pool event means to /metrics (the events /healthz counts; answered queries are counted per request).
_REPORT: Final[dict[str, Callable[[], None]]] = {
    "timeouts": metrics.query_timed_out,
    "memory": metrics.memory_killed,
    "failed": lambda: metrics.worker_replaced("crash"),
    "cancelled": lambda: metrics.worker_replaced("cancelled"),
    "recycled": lambda: metrics.worker_replaced("recycled"),
}


def _ignore() -> None:
    pass


_TICK: Final = 0.05  # seconds between checks of the deadline and of the caller's cancellation while waiting
CHUNK: Final = 64 * 1024  # bytes per message of a result on the pipe
SPOOL_IN_MEMORY: Final = 1024 * 1024  # a spooled result larger than this goes to a temporary file
MB: Final = 1024 * 1024

Lane = Literal["cheap", "general"]


def _lane(sparql: str) -> Lane:
    return "cheap" if sparql_text.looks_cheap(sparql) else "general"


@dataclass(frozen=True)
class WorkerLimits:
    """What a worker may use and how the workers are shared (see the module doc); the defaults are Settings'."""

    memory_mb: int = 2048
    max_queries: int = 10_000
    recycle_mb: int = 512
    reserved: int = 1
    cheap_timeout: float = 2.0


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection
    scratch: Path | None = None  # the directory of its checkpoint of the published store
    loaded: bool = field(default=False)


@dataclass(frozen=True)
class _Header:
    """What precedes a result's chunks: its form, media type, truncation, and whether the worker exits after it."""

    outcome: QueryOutcome  # with an empty body
    recycle: bool


class _Stop(Exception):
    """The wait for a worker ended early: the deadline passed (``cancelled`` False) or the caller cancelled, before
    its answer began or (``answering``) while it was being sent."""

    def __init__(self, cancelled: bool, answering: bool) -> None:
        super().__init__(cancelled, answering)
        self.cancelled, self.answering = cancelled, answering


class _Reported(Exception):
    """A worker answered with a StoreError; ``healthy`` False: the worker exits after it."""

    def __init__(self, error: StoreError, healthy: bool) -> None:
        super().__init__(error, healthy)
        self.error, self.healthy = error, healthy


# --- the worker process ----------------------------------------------------------------------------------------


def _resident_bytes() -> int:
    """This process's resident memory (``/proc/self/statm``), in bytes."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _virtual_bytes() -> int:
    """This process's address space (``/proc/self/statm``), in bytes: what ``RLIMIT_AS`` counts."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _limit_address_space(megabytes: int) -> None:
    """Let this process grow by at most ``megabytes`` beyond its address space now (never above the hard limit)."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = _virtual_bytes() + megabytes * MB
    resource.setrlimit(resource.RLIMIT_AS, (wanted if hard == resource.RLIM_INFINITY else min(wanted, hard), hard))


SCRATCH_PREFIX: Final = ".worker-"


def scratch_prefix(pid: int) -> str:
    """The name a worker scratch directory of the server process ``pid`` on this host starts with (the host in it:
    replicas on several hosts may share the build directory)."""
    return f"{SCRATCH_PREFIX}{socket.gethostname()}-{pid}-"


def _scratch_dirs(parent: Path) -> list[Path]:
    """The worker scratch directories under ``parent`` of this host's server processes that are gone."""
    host = f"{SCRATCH_PREFIX}{socket.gethostname()}-"
    found = []
    for path in parent.glob(f"{host}*") if parent.is_dir() else ():
        pid = path.name.removeprefix(host).split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            found.append(path)
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _serve(
    snapshot: str,
    partners_dir: str | None,
    limits: WorkerLimits,
    conn: Connection,
    disk: tuple[Path, Path | None] | None = None,
) -> None:
    """A worker process: load the snapshot or open the published store (``disk``: it and the checkpoint to make,
    ``embedded.OnDisk``) and the partner graphs, then answer queries until the pipe closes, a query breaks the
    worker, or it is due to be recycled."""
    from server.store.embedded import EmbeddedStore, OnDisk  # imported here: the parent never loads a store

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the server, which stops us
    try:
        partners = Path(partners_dir) if partners_dir is not None else None
        store = EmbeddedStore(Path(snapshot), partners, on_disk=OnDisk(*disk) if disk is not None else None)
    except Exception as error:
        conn.send(("failed", f"{type(error).__name__}: {error}"))
        return
    loaded = _resident_bytes()
    _limit_address_space(limits.memory_mb)
    conn.send(("ready", store.release_graphs))
    for served in range(1, limits.max_queries + 1):
        try:
            sparql, accept, base_iri, dataset, result_limits = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        due = served == limits.max_queries  # the loop ends: the worker exits after this answer
        try:
            outcome = store.query(sparql, accept=accept, base_iri=base_iri, dataset=dataset, limits=result_limits)
        except QueryOutOfMemory:
            conn.send(("error", QueryOutOfMemory(limits.memory_mb), False))
            return
        except StoreError as error:
            conn.send(("error", error, not due))
            continue
        except BaseException as error:  # a Rust panic surfaces as a BaseException
            conn.send(("error", QueryFailed(f"The query engine failed: {type(error).__name__}: {error}"), False))
            return
        recycle = due or _resident_bytes() - loaded > limits.recycle_mb * MB
        body = memoryview(outcome.body)
        conn.send(("result", QueryOutcome(outcome.kind, outcome.media_type, b"", outcome.truncated), recycle))
        for start in range(0, len(body), CHUNK):
            conn.send_bytes(body[start : start + CHUNK])
        conn.send_bytes(b"")
        del outcome, body
        if recycle:
            return


# --- the parent --------------------------------------------------------------------------------------------------


class WorkerPool:
    """The Store protocol over ``workers`` processes, each with its own in-memory copy of ``snapshot`` (or the
    release's on-disk store ``published``, shared) and of the partner graphs in ``partners_dir`` (None: none), which
    each worker brings up to date before every query."""

    def __init__(
        self,
        snapshot: Path,
        workers: int,
        timeout: float,
        partners_dir: Path | None = None,
        limits: WorkerLimits = WorkerLimits(),
        published: Path | None = None,
    ) -> None:
        if workers < 1 or timeout <= 0:
            raise ValueError("a worker pool needs workers >= 1 and timeout > 0")
        self._published = published
        if published is not None:
            for leftover in _scratch_dirs(published.parent.parent):
                shutil.rmtree(leftover, ignore_errors=True)
        self._snapshot = str(snapshot)
        self._partners_dir = str(partners_dir) if partners_dir is not None else None
        self._partners = PartnerGraphs(partners_dir)
        self._timeout = timeout
        self._limits = limits
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # a worker loaded, left, or went back idle
        self._workers: set[_Worker] = set()
        self._idle: list[_Worker] = []
        self._busy: Counter[Lane] = Counter()  # workers answering a query, by the lane whose slot it holds
        self._waiting: Counter[Lane] = Counter()
        self._events: Counter[str] = Counter()  # answered, timeouts, memory, cancelled, failed, recycled, replaced
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
        limits: ResultLimits | None = None,
    ) -> QueryOutcome:
        chunks: list[bytes] = []
        header = self._run((sparql, accept, base_iri, dataset, limits), _lane(sparql), None, chunks.append)
        return QueryOutcome(header.kind, header.media_type, b"".join(chunks), header.truncated)

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
        """Like ``query``, but the body (empty in the outcome) is written, as it arrives, to a temporary file
        (in memory up to ``SPOOL_IN_MEMORY`` bytes), returned rewound; the caller closes it. Setting ``cancelled``
        stops the query (and replaces its worker if it had one)."""
        spooled: IO[bytes] = tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY)  # noqa: SIM115  # the caller closes it
        try:
            header = self._run((sparql, accept, base_iri, dataset, limits), _lane(sparql), cancelled, spooled.write)
        except BaseException:
            spooled.close()
            raise
        spooled.seek(0)
        return header, spooled

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
            self._idle.clear()
            self._changed.notify_all()
        for worker in workers:
            self._stop(worker)

    # --- readiness and saturation ----------------------------------------------------------------------------

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

    def saturation(self) -> dict[str, int]:
        """How busy the workers are now (busy, idle, reserved for cheap queries, queries waiting for a worker, by
        lane) and what happened to queries so far (answered, timeouts, memory, cancelled, failed; workers recycled
        and replaced)."""
        with self._lock:
            now = {
                "busy": sum(self._busy.values()),
                "idle": len(self._idle),
                "reserved": self._reserved(),
                "waiting": sum(self._waiting.values()),
                "waiting_cheap": self._waiting["cheap"],
            }
            events = ("answered", "timeouts", "memory", "cancelled", "failed", "recycled", "replaced")
            return {**now, **{name: self._events[name] for name in events}}

    @property
    def failure(self) -> str | None:
        """Why the last worker that failed to load did (None if none failed)."""
        return self._failure

    # --- one query ------------------------------------------------------------------------------------------

    def _run(
        self,
        request: tuple[Any, ...],
        lane: Lane,
        cancelled: threading.Event | None,
        sink: Callable[[bytes], Any],
        deadline: float | None = None,
    ) -> QueryOutcome:
        """Send ``request`` to a worker of ``lane`` and hand its answer's chunks to ``sink``; returns the outcome
        (empty body). A cheap query stopped on a reserved worker before it answered runs again as an ordinary one,
        within the same deadline."""
        deadline = deadline if deadline is not None else time.monotonic() + self._timeout
        worker, slot = self._acquire(lane, deadline, cancelled)
        brief = min(deadline, time.monotonic() + self._limits.cheap_timeout) if slot != lane else deadline
        try:
            header = self._exchange(worker, request, (brief, deadline), cancelled, sink)
        except _Stop as stop:
            self._release(worker, slot, replace=True)
            if stop.cancelled:
                self._count("cancelled")
                raise QueryCancelled() from None
            if not stop.answering and brief < deadline:
                log.info("a cheap query ran past %g s on a reserved worker: run again", self._limits.cheap_timeout)
                return self._run(request, "general", cancelled, sink, deadline)
            self._count("timeouts")
            log.warning("query over %.3g s, worker %s killed: %.200r", self._timeout, worker.process.pid, request[0])
            raise QueryTimeout(self._timeout) from None
        except _Reported as reported:
            self._release(worker, slot, replace=not reported.healthy)
            raise reported.error from None
        except (EOFError, OSError):
            self._release(worker, slot, replace=True)
            raise self._death(worker) from None
        self._count("answered")
        if header.recycle:
            self._count("recycled")
        self._release(worker, slot, replace=header.recycle)
        return header.outcome

    def _exchange(
        self,
        worker: _Worker,
        request: tuple[Any, ...],
        deadlines: tuple[float, float],
        cancelled: threading.Event | None,
        sink: Callable[[bytes], Any],
    ) -> _Header:
        """Ask the worker, wait for its header until the first deadline, then hand its chunks to ``sink`` until the
        second. _Reported for an error the worker reports; EOFError or OSError if it died."""
        worker.conn.send(request)
        self._wait(worker, deadlines[0], cancelled, answering=False)
        reply = worker.conn.recv()
        if reply[0] == "error":
            raise _Reported(reply[1], reply[2])
        header = _Header(reply[1], reply[2])
        while True:
            self._wait(worker, deadlines[1], cancelled, answering=True)
            chunk = worker.conn.recv_bytes()
            if not chunk:
                return header
            sink(chunk)

    @staticmethod
    def _wait(worker: _Worker, deadline: float, cancelled: threading.Event | None, *, answering: bool) -> None:
        """Until the worker's pipe has something to read; _Stop at the deadline or once ``cancelled`` is set."""
        while not worker.conn.poll(max(0.0, min(_TICK, deadline - time.monotonic()))):
            if cancelled is not None and cancelled.is_set():
                raise _Stop(cancelled=True, answering=answering)
            if time.monotonic() >= deadline:
                raise _Stop(cancelled=False, answering=answering)

    def _death(self, worker: _Worker) -> StoreError:
        """The error for a query whose worker died under it (the worker already replaced)."""
        code = worker.process.exitcode
        if code == -signal.SIGABRT:  # the engine aborts when an allocation fails under the worker's RLIMIT_AS
            self._count("memory")
            log.warning("a query worker died of memory exhaustion (exit code %s)", code)
            return QueryOutOfMemory(self._limits.memory_mb)
        self._count("failed")
        log.warning("a query worker died during a query (exit code %s)", code)
        if code == -signal.SIGKILL:  # not ours: the system's out-of-memory killer, or an operator
            return QueryFailed("The query's worker process was killed from outside; the worker has been replaced.")
        return QueryFailed("The query stopped its worker process; the worker has been replaced.")

    def _count(self, event: str) -> None:
        with self._lock:
            self._events[event] += 1
        _REPORT.get(event, _ignore)()

    # --- workers and lanes ------------------------------------------------------------------------------------

    def _reserved(self) -> int:
        """Workers kept for cheap queries: ``reserved``, but never every worker (lock held). Workers still loading
        count, so a heavy query whose worker is being replaced does not take the reserved one meanwhile."""
        return max(0, min(self._limits.reserved, len(self._workers) - 1))

    def _free_for(self, lane: Lane) -> Lane | None:
        """The slot a query of ``lane`` may take now (lock held): "general" while ordinary queries hold fewer than
        the unreserved workers, else "cheap" (a reserved worker) for a cheap query; None: it waits."""
        if not self._idle:
            return None
        loaded = sum(w.loaded for w in self._workers)
        if self._busy["general"] < loaded - self._reserved():
            return "general"
        return "cheap" if lane == "cheap" else None

    def _acquire(self, lane: Lane, deadline: float, cancelled: threading.Event | None) -> tuple[_Worker, Lane]:
        """An idle, live worker for ``lane`` and the slot it holds, waiting until ``deadline`` at most, and not once
        ``cancelled`` is set (QueryCancelled)."""
        with self._changed:
            self._waiting[lane] += 1
            try:
                while True:
                    if self._closed or not self._workers:
                        raise StoreUnavailable(self._not_ready_message())
                    if cancelled is not None and cancelled.is_set():
                        self._events["cancelled"] += 1
                        raise QueryCancelled()
                    slot = self._free_for(lane)
                    if slot is not None:
                        worker = self._idle.pop(0)  # the longest idle first: every worker gets used
                        if worker.process.is_alive():
                            self._busy[slot] += 1
                            return worker, slot
                        metrics.worker_replaced("crash")
                        threading.Thread(target=self._replace, args=(worker,), daemon=True).start()
                        continue  # died while idle; try the next one
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise StoreUnavailable(self._not_ready_message())
                    self._changed.wait(min(remaining, _TICK) if cancelled is not None else remaining)
            finally:
                self._waiting[lane] -= 1

    def _release(self, worker: _Worker, slot: Lane | None, *, replace: bool) -> None:
        """Free ``worker``'s slot and give it back, or replace it: the old one leaves the pool and its replacement
        joins it in one step, so no waiting query ever counts one worker too few (and takes a reserved one)."""
        replacement = None
        with self._changed:
            if slot is not None:
                self._busy[slot] -= 1
            if not replace:
                if not self._closed and worker in self._workers:
                    self._idle.append(worker)
            elif worker in self._workers:
                self._discard(worker)
                self._events["replaced"] += 1
                replacement = self._enlist()
            self._changed.notify_all()
        if replace:
            self._stop(worker)
        if replacement is not None:
            self._watch(replacement)

    def _replace(self, worker: _Worker) -> None:
        self._release(worker, None, replace=True)

    def _spawn(self) -> None:
        with self._lock:
            worker = self._enlist()
        if worker is not None:
            self._watch(worker)

    def _enlist(self) -> _Worker | None:
        """A new worker process, started and counted in the pool (None once closed); lock held."""
        if self._closed:
            return None
        scratch, disk = None, None
        if self._published is not None:
            if self._partners_dir is not None:
                releases = self._published.parent.parent
                scratch = Path(tempfile.mkdtemp(prefix=scratch_prefix(os.getpid()), dir=releases))
            disk = (self._published, scratch / "store" if scratch is not None else None)
        parent, child = _CONTEXT.Pipe()
        process = _CONTEXT.Process(
            target=_serve,
            args=(self._snapshot, self._partners_dir, self._limits, child, disk),
            name="migkg-query-worker",
            daemon=True,
        )
        worker = _Worker(process, parent, scratch)
        self._workers.add(worker)
        process.start()
        child.close()
        return worker

    def _watch(self, worker: _Worker) -> None:
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
            self._idle.append(worker)
            self._changed.notify_all()

    def _retire(self, worker: _Worker) -> None:
        with self._changed:
            self._discard(worker)
            self._changed.notify_all()
        self._stop(worker)

    def _discard(self, worker: _Worker) -> None:
        """``worker`` no longer counts (lock held)."""
        self._workers.discard(worker)
        if worker in self._idle:
            self._idle.remove(worker)

    @staticmethod
    def _stop(worker: _Worker) -> None:
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(_KILL_GRACE)
        worker.conn.close()
        if worker.scratch is not None:
            shutil.rmtree(worker.scratch, ignore_errors=True)

    def _not_ready_message(self) -> str:
        if self._closed:
            return "The store is closed."
        if self._failure and not any(w.loaded for w in self._workers):
            return "The store is not available: the release snapshot could not be loaded (see the server log)."
        if not any(w.loaded for w in self._workers):
            return "The store is still loading the release; try again in a few seconds."
        return f"Every query worker stayed busy for {self._timeout:g} s; try again later."
