"""The single writer: one long-lived process that owns the partner write path, and the client the web layer
calls it through.

Every partner write (GSP PUT/POST/DELETE, SPARQL Update) goes to one process (``spawn`` context, like the query
workers: the server is threaded, where ``fork`` is unsafe), which runs ``writer.serve``: it loads the release and
the gate once, then answers one request at a time over a pipe, so writes are serialised and the gate's pySHACL,
reasoner and JVM never run in the web process. This module does not import ``writer`` (which brings in the
pipeline): the child imports it by name (``_WRITER``); a test checks that the web process never loads pySHACL
or owlready2.

``WriterClient`` is blocking and thread-safe (the web layer calls it with ``anyio.to_thread``): a lock keeps
one request on the pipe at a time. A request that gets no answer within ``Settings.write_timeout`` seconds has
the process killed (SIGKILL) and a new one started; the storage's commit point is atomic, so a write killed
in flight is either wholly committed or not at all. A process that dies (crash, OOM killer) is replaced the
same way. The process starts on the first write, or at once with ``start()`` (the server's lifespan does so).
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import threading
import time
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Final

from server.partners.messages import (
    DeleteRequest,
    Request,
    UpdateOutcome,
    UpdateRequest,
    WriteFailed,
    WriteOutcome,
    WriteRequest,
    WriterUnavailable,
    WriteTimeout,
)
from server.partners.storage import Commit
from server.settings import Settings

log = logging.getLogger(__name__)

_CONTEXT: Final = multiprocessing.get_context("spawn")
_WRITER: Final = "server.partners.writer"  # imported in the child only
_KILL_GRACE: Final = 5.0


def _run(conn: Connection, settings: Settings, snapshot: str) -> None:
    """The child's entry point: ``writer.serve``, imported here, in the writer process."""
    importlib.import_module(_WRITER).serve(conn, settings, snapshot)


class WriterClient:
    """The web process's handle on the writer process serving ``snapshot``'s release."""

    def __init__(self, settings: Settings, snapshot: Path) -> None:
        self._settings = settings
        self._snapshot = str(snapshot)
        self._timeout = settings.write_timeout
        self._lock = threading.Lock()
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self._ready = False
        self._closed = False

    # --- what the web layer calls -------------------------------------------------------------------------------

    def write(self, request: WriteRequest) -> WriteOutcome:
        """Raises Forbidden, WriteConflict, and what every call may raise (see ``_call``)."""
        outcome = self._call(request)
        assert isinstance(outcome, WriteOutcome)
        return outcome

    def delete(self, request: DeleteRequest) -> Commit:
        """Raises Forbidden, GraphNotFound, WriteConflict, …"""
        commit = self._call(request)
        assert isinstance(commit, Commit)
        return commit

    def update(self, request: UpdateRequest) -> UpdateOutcome:
        """Raises Forbidden, UpdateRefused, WriteConflict, …"""
        outcome = self._call(request)
        assert isinstance(outcome, UpdateOutcome)
        return outcome

    def start(self) -> None:
        """Start the writer process now; it loads in the background."""
        with self._lock:
            if not self._closed:
                self._connection()

    def wait_ready(self, timeout: float) -> bool:
        """Start the writer process if needed and wait until it has loaded (True), at most ``timeout`` seconds."""
        with self._lock:
            if self._closed:
                return False
            try:
                self._await_ready(self._connection(), time.monotonic() + timeout)
            except WriterUnavailable:
                return False
            return True

    def pid(self) -> int | None:
        """The writer process's id while it runs (None before the first write or after it died)."""
        process = self._process
        return process.pid if process is not None and process.is_alive() else None

    def close(self) -> None:
        """Stop the writer process (a write in flight is killed: committed wholly or not at all)."""
        self._closed = True
        self._stop()

    def retire(self, timeout: float) -> None:
        """Stop the writer process once the write in flight, if any, is answered (waiting at most ``timeout`` s);
        a write arriving later gets WriterUnavailable (the server has switched to another writer)."""
        acquired = self._lock.acquire(timeout=timeout)
        try:
            self.close()
        finally:
            if acquired:
                self._lock.release()

    # --- the pipe ---------------------------------------------------------------------------------------------

    def _call(self, request: Request) -> Any:
        """Send ``request`` and return the writer's outcome or raise its exception. Raises WriterUnavailable (busy,
        starting too long, failed to start, closed), WriteTimeout and WriteFailed (the process died)."""
        deadline = time.monotonic() + self._timeout
        if not self._lock.acquire(timeout=self._timeout):
            raise WriterUnavailable(f"Other writes kept the writer busy for {self._timeout:g} s; try again later.")
        try:
            if self._closed:
                raise WriterUnavailable("The server is shutting down; try again once it is back.")
            conn = self._connection()
            try:
                self._await_ready(conn, deadline)
                conn.send(request)
                answered = conn.poll(max(0.0, deadline - time.monotonic()))
                reply = conn.recv() if answered else None
            except (EOFError, OSError):
                self._restart()
                raise WriteFailed(
                    "The writer process stopped during the write and has been restarted; the graph is either as "
                    "before or wholly written: GET it to see which, then retry if needed."
                ) from None
            if reply is None:
                log.warning("partner write over %.3g s: writer %s killed", self._timeout, self.pid())
                self._restart()
                raise WriteTimeout(self._timeout)
        finally:
            self._lock.release()
        ok, payload = reply
        if not ok:
            raise payload
        return payload

    def _connection(self) -> Connection:
        """The pipe to a running writer process, started if there is none (or it died). Holds the lock."""
        process = self._process
        if process is None or not process.is_alive() or self._conn is None:
            self._stop()
            parent, child = _CONTEXT.Pipe()
            process = _CONTEXT.Process(
                target=_run, args=(child, self._settings, self._snapshot), name="migkg-partner-writer", daemon=True
            )
            process.start()
            child.close()
            self._process, self._conn, self._ready = process, parent, False
        assert self._conn is not None
        return self._conn

    def _await_ready(self, conn: Connection, deadline: float) -> None:
        if self._ready:
            return
        if not conn.poll(max(0.0, deadline - time.monotonic())):
            raise WriterUnavailable("The partner writer is still loading the release; try again in a few seconds.")
        kind, detail = conn.recv()
        if kind != "ready":
            self._stop()
            log.error("the partner writer could not start: %s", detail)
            raise WriterUnavailable("The partner writer could not start (see the server log); try again later.")
        self._ready = True

    def _restart(self) -> None:
        """Kill the writer process and start another (it loads in the background). Holds the lock."""
        self._stop()
        if not self._closed:
            self._connection()

    def _stop(self) -> None:
        process, conn = self._process, self._conn
        self._process, self._conn, self._ready = None, None, False
        if process is not None:
            if process.is_alive():
                process.kill()
            process.join(_KILL_GRACE)
        if conn is not None:
            conn.close()
