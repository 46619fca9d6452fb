"""A real server over the full build, with partner agencies made by the real CLI (``migkg partner add``), for the
partner write tests: what they share, and how a whole server is killed (uvicorn, its query workers, its writer).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyoxigraph as ox

from server import prefixes
from server.partners.storage import PartnerStorage
from server.settings import REPO_ROOT
from tools import loopback

MIG, RDFS, XSD = prefixes.MIG, prefixes.RDFS, prefixes.XSD
P25Q = prefixes.ID + "commitment/montevideo-2006/p25q"
PROGRAMME = "https://example.org/agency/programme/1"
# The example upload, as a partner would send it.
EXAMPLE = f"<{PROGRAMME}> a <{MIG}Practice> ; <{MIG}givesEffectTo> <{P25Q}> ."
# A programme with everything a page shows; ``n`` tells programmes apart.
PROGRAMME_TTL = """<https://example.org/agency/programme/{n}> a <{mig}Programme> ;
    <{rdfs}label> "Programa {n}"@es ; <{mig}givesEffectTo> <{item}> ."""
# Not conforming: what a programme gives effect to must be one of our commitment items, not a string.
BAD = f'<https://example.org/agency/programme/3> a <{MIG}Programme> ; <{MIG}givesEffectTo> "25.q" .'
ACME_ORIGIN = "https://acme.example"
BEE_ORIGIN = "https://bee.example"


def programme(n: int) -> str:
    return PROGRAMME_TTL.format(n=n, mig=MIG, rdfs=RDFS, item=P25Q)


def migkg(state: Path, *args: str) -> str:
    """``migkg …`` as an operator runs it, over ``state`` (MIGKG_STATE_DIR); its standard output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MIGKG_")} | {"MIGKG_STATE_DIR": str(state)}
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def add_partner(state: Path, agency: str, *origins: str) -> str:
    """A partner made with ``migkg partner add``; its token (the output's last line)."""
    flags = [arg for origin in origins for arg in ("--origin", origin)]
    return migkg(state, "partner", "add", agency, *flags, "--name", f"{agency.upper()} agency").splitlines()[-1]


@dataclass
class PartnerServer:
    server: loopback.Server
    state: Path
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def graph_store(self) -> str:
        return self.server.url + "/graph-store"

    @property
    def storage(self) -> PartnerStorage:
        return PartnerStorage(self.state / "partner-graphs")

    def auth(self, agency: str = "acme") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[agency]}"}

    def put(self, graph: str, body: str | bytes, content_type: str = "text/turtle", **headers: str) -> httpx.Response:
        return self.send("PUT", graph, body, content_type, **headers)

    def send(
        self, method: str, graph: str, body: str | bytes, content_type: str = "text/turtle", **headers: str
    ) -> httpx.Response:
        """A Graph Store write by the partner acme (its token; ``headers`` added)."""
        data = body.encode() if isinstance(body, str) else body
        sent = {**self.auth(), "Content-Type": content_type, **headers}
        return httpx.request(method, self.graph_store, params={"graph": graph}, content=data, headers=sent, timeout=180)

    def stored(self, name: str) -> set[ox.Triple]:
        """What durable storage holds of the partner acme's graph ``name``."""
        return {q.triple for q in self.storage.graph_quads(graph(name))}

    def ask(self, query: str) -> bool:
        response = httpx.post(self.server.sparql, data={"query": query}, timeout=30)
        assert response.status_code == 200, response.text
        return bool(response.json()["boolean"])


def parsed(ttl: str) -> set[ox.Triple]:
    return {q.triple for q in ox.parse(ttl.encode(), format=ox.RdfFormat.TURTLE)}


def graph(name: str, agency: str = "acme") -> str:
    return f"{prefixes.GRAPH_PARTNER}{agency}/{name}"


def start(directory: Path, release: Path, state: Path, **settings: str) -> loopback.Server:
    """The server over ``release`` with its state (partners, partner graphs) in ``state``; access log on."""
    directory.mkdir(parents=True, exist_ok=True)
    return loopback.start_server(
        directory, release, log_level="info", state_dir=str(state), query_workers="2", **settings
    )


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (from /proc): uvicorn's query workers and partner writer, and theirs."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, pending = [], [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


def kill_whole_server(server: loopback.Server) -> None:
    """SIGKILL the server and every process it started, at once (as a crash or the OOM killer would)."""
    tree = [server.process.pid, *descendants(server.process.pid)]
    for pid in tree:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    server.process.wait(10)


def reasoner_running(server: loopback.Server) -> bool:
    """The gate has reached its last step: the reasoner's JVM runs under the server."""
    return any(_command(pid) == "java" for pid in descendants(server.process.pid))


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


class Upload:
    """A PUT sent from a thread; ``status`` once answered (None if the server died first)."""

    def __init__(self, server: loopback.Server, token: str, target: str, body: bytes) -> None:
        self.status: int | None = None
        self.sent = threading.Event()
        self.done = threading.Event()
        self._args = (server, token, target, body)
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        server, token, target, body = self._args
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/turtle"}
        self.sent.set()
        try:
            self.status = httpx.put(
                server.url + "/graph-store", params={"graph": target}, content=body, headers=headers, timeout=300
            ).status_code
        except httpx.TransportError:
            pass
        finally:
            self.done.set()
