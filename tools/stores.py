"""Real SPARQL stores other agencies run, started on 127.0.0.1 for the tests: Virtuoso 7 (Debian's
``virtuoso-opensource``: ``virtuoso-t`` and ``isql-vt``) and the Oxigraph server (``oxigraph`` on PyPI).

Start a store in its own data directory on free loopback ports (``start_virtuoso`` / ``start_oxigraph``, each
returning once the store answers a query), load N-Quads into it (``load_nquads``), use its query, update and
Graph Store URLs, stop it (``stop``: terminate, then kill). ``make stores`` installs Virtuoso; the ``dev``
extra brings the Oxigraph server. Every wait is bounded.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from server import media, prefixes
from tools.loopback import free_port

START_TIMEOUT = 60.0
REQUEST_TIMEOUT = 60.0
XSD_STRING = prefixes.XSD + "string"
ACCEPT_JSON = {"Accept": media.SPARQL_JSON.media_type}
# A Virtuoso database starts with its own system graphs; quads without a graph need a graph to go to.
VIRTUOSO_DEFAULT_GRAPH = "urn:migkg:test:default-graph"
# What Virtuoso needs to call other endpoints with SERVICE (the SPARQL_SINV_* pair) and to take SPARQL Update
# and Graph Store writes from anonymous clients: this is a loopback test store, not a deployment.
VIRTUOSO_GRANTS = (
    'GRANT SELECT ON DB.DBA.SPARQL_SINV_2 TO "SPARQL"',
    'GRANT EXECUTE ON DB.DBA.SPARQL_SINV_IMP TO "SPARQL"',
    'GRANT SPARQL_UPDATE TO "SPARQL"',
)

Row = tuple[tuple[str, str | None], ...]  # (variable, N-Triples-like term or None when unbound), by variable


class StoreMissing(RuntimeError):
    """The store's program is not installed; the message says which make target installs it."""


@dataclass
class ExternalStore:
    """A store process on loopback with its SPARQL query, update and Graph Store (``?graph=``) URLs."""

    name: str
    url: str  # http://127.0.0.1:<port>
    query_url: str
    update_url: str
    gsp_url: str
    process: subprocess.Popen[bytes]
    directory: Path
    log: Path

    def load_nquads(self, path: Path) -> None:
        raise NotImplementedError

    def select(self, query: str) -> list[Row]:
        """The rows of a SELECT asked of this store, comparable with ``select`` on any endpoint."""
        return select(self.query_url, query)

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


@dataclass
class Virtuoso(ExternalStore):
    """Virtuoso's endpoints: ``/sparql`` (query and update), ``/sparql-graph-crud`` (Graph Store Protocol)."""

    sql_port: int = 0
    loaded: list[Path] = field(default_factory=list)

    def isql(self, *statements: str) -> str:
        """Run SQL statements as dba through ``isql-vt``; any ``*** Error`` fails (isql itself exits 0)."""
        script = "".join(f"{statement};\n" for statement in statements)
        command = [program("isql-vt"), f"127.0.0.1:{self.sql_port}", "dba", "dba", f"exec={script}"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=REQUEST_TIMEOUT, check=False)
        if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
            raise RuntimeError(f"isql-vt failed on {script!r}:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def load_nquads(self, path: Path, default_graph: str = VIRTUOSO_DEFAULT_GRAPH) -> None:
        """Bulk-load an N-Quads file (``ld_dir`` + ``rdf_loader_run``); triples without a graph go to
        ``default_graph``. The file is copied into the data directory, the only one Virtuoso may read."""
        copy = self.directory / "load" / f"{len(self.loaded)}-{path.name}"
        copy.parent.mkdir(exist_ok=True)
        shutil.copyfile(path, copy)
        self.loaded.append(copy)
        self.isql(
            f"ld_dir('{copy.parent}', '{copy.name}', '{default_graph}')",
            "rdf_loader_run()",
            "checkpoint",
        )
        state = f"SELECT ll_state, ll_error FROM DB.DBA.LOAD_LIST WHERE ll_file = '{copy}'"
        done = f"SELECT 'file-loaded' AS outcome FROM ({state}) AS s WHERE ll_state = 2 AND ll_error IS NULL"
        if "file-loaded" not in self.isql(done):
            raise RuntimeError(f"Virtuoso could not load {path}:\n{self.isql(state)}\n{self.log_tail()}")


@dataclass
class OxigraphServer(ExternalStore):
    """The Oxigraph server's endpoints: ``/query``, ``/update``, ``/store`` (Graph Store Protocol)."""

    def load_nquads(self, path: Path) -> None:
        """POST the quads to ``/store``; triples without a graph go to the default graph."""
        response = httpx.post(
            self.gsp_url,
            content=path.read_bytes(),
            headers={"Content-Type": media.N_QUADS.media_type},
            timeout=REQUEST_TIMEOUT,
        )
        if response.status_code not in (200, 201, 204):
            raise RuntimeError(f"Oxigraph could not load {path}: {response.status_code} {response.text}")


def program(name: str, install: str = "make stores") -> str:
    """The path of ``name`` on PATH or beside this Python; a clear failure naming the make target otherwise."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    if found is None:
        raise StoreMissing(f"{name} is not installed: run `{install}` (as root, or it prints the sudo command).")
    return found


def start_virtuoso(directory: Path, buffers: int = 10_000) -> Virtuoso:
    """A fresh Virtuoso database in ``directory`` (created), SQL and HTTP bound to 127.0.0.1 on free ports, with
    ``buffers`` 8 kB pages of buffer pool (the test default is small: the benchmarks ask for more)."""
    directory.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(virtuoso_ini(directory, sql_port, http_port, buffers), encoding="utf-8")
    log = directory / "virtuoso.out"
    command = [program("virtuoso-t"), "+foreground", "+configfile", str(ini)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=directory, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{http_port}"
    store = Virtuoso(
        "virtuoso", url, url + "/sparql", url + "/sparql", url + "/sparql-graph-crud", process, directory, log, sql_port
    )
    wait_until_answering(store)
    store.isql(*VIRTUOSO_GRANTS)
    return store


def virtuoso_ini(directory: Path, sql_port: int, http_port: int, buffers: int = 10_000) -> str:
    """A minimal ``virtuoso.ini``: everything under ``directory``, loopback only, no result-row cap, no
    "anytime" partial answers (no MaxQueryExecutionTime), ``buffers`` pages of buffer pool (small by default, for a
    shared two-core machine), at most 60% of them dirty (Virtuoso's own ratio)."""
    return f"""\
[Database]
DatabaseFile = {directory}/virtuoso.db
ErrorLogFile = {directory}/virtuoso.log
LockFile = {directory}/virtuoso.lck
TransactionFile = {directory}/virtuoso.trx
xa_persistent_file = {directory}/virtuoso.pxa
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {directory}/virtuoso-temp.db
TransactionFile = {directory}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DirsAllowed = {directory}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {buffers * 3 // 5}
ThreadsPerQuery = 2
MaxClientConnections = 8

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {directory}
ServerThreads = 8
MaxClientConnections = 8

[SPARQL]
ResultSetMaxRows = 1000000
"""


def start_oxigraph(directory: Path, union_default_graph: bool = False) -> OxigraphServer:
    """``oxigraph serve`` with its RocksDB store in ``directory`` (created) on a free loopback port."""
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [program("oxigraph", "make install"), "serve", "--location", str(directory / "data")]
    command += ["--bind", f"127.0.0.1:{port}", *(["--union-default-graph"] if union_default_graph else [])]
    log = directory / "oxigraph.out"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=directory, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    store = OxigraphServer("oxigraph", url, url + "/query", url + "/update", url + "/store", process, directory, log)
    wait_until_answering(store)
    return store


def wait_until_answering(store: ExternalStore, timeout: float = START_TIMEOUT) -> None:
    """Poll ``ASK {}`` until the store answers (bounded by ``timeout``); stop it and fail otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if store.process.poll() is not None:
            raise RuntimeError(f"{store.name} exited with {store.process.returncode}:\n{store.log_tail()}")
        try:
            response = httpx.get(store.query_url, params={"query": "ASK {}"}, headers=ACCEPT_JSON, timeout=2)
            if response.status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    store.stop()
    raise RuntimeError(f"{store.name} did not answer within {timeout} s:\n{store.log_tail()}")


def select(query_url: str, query: str) -> list[Row]:
    """The sorted rows of a SELECT asked with GET for SPARQL JSON results (any endpoint)."""
    response = httpx.get(query_url, params={"query": query}, headers=ACCEPT_JSON, timeout=REQUEST_TIMEOUT)
    if response.status_code != 200:
        raise AssertionError(f"{query_url} answered {response.status_code}: {response.text[:2000]}")
    return rows(response.content)


def rows(results_json: bytes) -> list[Row]:
    """SPARQL JSON results as sorted rows of N-Triples terms, so two endpoints' answers compare as bags.

    Blank nodes become ``_:`` (their labels are the server's own; Virtuoso's, ``nodeID://b10001``, are not
    even valid labels), ``typed-literal`` (Virtuoso) is a literal, xsd:string is a plain literal and
    language tags are lower-cased.
    """
    results = json.loads(results_json)
    variables = sorted(results["head"].get("vars", []))
    found = (
        tuple((name, term(binding[name]) if name in binding else None) for name in variables)
        for binding in results["results"]["bindings"]
    )
    return sorted(found, key=repr)


def term(binding: dict[str, str]) -> str:
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return f"<{value}>"
    if kind == "bnode":
        return "_:"
    quoted = json.dumps(value, ensure_ascii=False)
    if "xml:lang" in binding:
        return f"{quoted}@{binding['xml:lang'].lower()}"
    datatype = binding.get("datatype", XSD_STRING)
    return quoted if datatype == XSD_STRING else f"{quoted}^^<{datatype}>"
