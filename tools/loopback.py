"""A real uvicorn process serving a release on 127.0.0.1, and the Chromium that visits it offline.

Shared by the HTTP and browser tests and by ``tools.bench``. Each server gets a fresh build directory whose
``current`` symlink points at the release, and only the ``MIGKG_`` variables given here (any others in the
environment are dropped). Needs the ``dev`` extra (httpx; Playwright for the browser).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from server.settings import REPO_ROOT

START_TIMEOUT = 60.0
# Settings every server started here gets unless a caller gives its own (tests/conftest.py: ``--store-memory``).
DEFAULT_SETTINGS: dict[str, str] = {}

# Debian's Chromium, driven by Playwright (never `playwright install`: nothing is downloaded at run time).
CHROMIUM = Path("/usr/bin/chromium")
# Without these Chromium phones home (component updates, safe browsing, sync, field trials) even headless;
# --no-sandbox because CI runs as root. Playwright gives every launch a fresh temporary user-data-dir.
CHROMIUM_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    "--disable-gpu",
    "--no-sandbox",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--metrics-recording-only",
    "--no-default-browser-check",
]


@dataclass
class Server:
    url: str  # http://127.0.0.1:<port>
    process: subprocess.Popen[bytes]
    log: Path
    state_dir: Path  # MIGKG_STATE_DIR: partners, partner graphs (``Settings.partner_graphs_dir`` under it)

    @property
    def sparql(self) -> str:
        return self.url + "/sparql"

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])

    def assert_serving(self) -> None:
        """The server is alive and answers a query (after a bad request, a timeout…)."""
        assert self.process.poll() is None, f"the server exited:\n{self.log_tail()}"
        response = httpx.get(self.sparql, params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
        assert response.status_code == 200, response.text
        assert response.json()["boolean"] is True

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # uvicorn shuts down gracefully: the lifespan closes the pool
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(
    directory: Path,
    release: Path,
    ready: bool = True,
    *,
    port: int | None = None,
    log_level: str = "warning",
    start_timeout: float = START_TIMEOUT,
    build: Path | None = None,
    **settings: str,
) -> Server:
    """Start ``migkg serve`` (uvicorn with the connection limits of ``server.web.connections``) over ``release``
    on a loopback port (a free one
    unless ``port`` is given: two servers that must know each other's URL pick their ports first). ``log_level``
    ``info`` adds uvicorn's access log to the server's log.

    ``directory`` must exist and be empty of ``build``; the state directory (partners, partner graphs) is
    ``directory/var`` unless ``state_dir`` is given. Given a ``build`` directory, the server uses it as it is (its
    ``current`` already names the release; replicas share one) and ``release`` is ignored. Returns once /healthz
    is 200 (``ready``), or once it answers at all.
    """
    if build is None:
        build = directory / "build"
        build.mkdir()
        (build / "current").symlink_to(release, target_is_directory=True)
    env = {name: value for name, value in os.environ.items() if not name.startswith("MIGKG_")}
    settings = {"state_dir": str(directory / "var"), **DEFAULT_SETTINGS, **settings}
    env.update({"MIGKG_BUILD_DIR": str(build), **{f"MIGKG_{k.upper()}": v for k, v in settings.items()}})
    port = port or free_port()
    log = directory / "uvicorn.log"
    command = [
        sys.executable, "-m", "server.cli", "serve",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", log_level,
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", process, log, Path(settings["state_dir"]))
    deadline = time.monotonic() + start_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {process.returncode}:\n{server.log_tail()}")
        try:
            if httpx.get(server.url + "/healthz", timeout=2).status_code == 200 or not ready:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"uvicorn not ready within {start_timeout} s:\n{server.log_tail()}")


def wait_workers_loaded(server: Server, count: int, seconds: float = 30.0) -> None:
    """Wait until /healthz reports ``count`` loaded workers (replacements load in the background)."""
    deadline = time.monotonic() + seconds
    while True:
        response = httpx.get(server.url + "/healthz", timeout=5)
        if response.status_code == 200 and response.json()["workers"]["loaded"] >= count:
            return
        assert time.monotonic() < deadline, response.text
        time.sleep(0.05)
