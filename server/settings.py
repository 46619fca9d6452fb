"""One Settings object (environment prefix ``MIGKG_``), created at the edges and passed explicitly.

Nothing else in the package reads ``os.environ``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from server import prefixes
from server.federation.origins import allowlist_origin, host_name

REPO_ROOT = Path(__file__).resolve().parent.parent
# What one in-memory copy of a release costs per triple, union default graph formed (``make bench-memory``: about
# 1.0 GB per worker for 1M synthetic triples).
COPY_BYTES_PER_TRIPLE = 1000


def comma_separated(value: object) -> list[str] | None:
    """The entries of a comma-separated setting (or of a list), blank ones dropped; None for anything else.

    >>> comma_separated(" a.example, ,b.example"), comma_separated(None)
    (['a.example', 'b.example'], None)
    """
    entries = value.split(",") if isinstance(value, str) else value
    if not isinstance(entries, list | tuple):
        return None
    return [str(entry).strip() for entry in entries if str(entry).strip()]


class Settings(BaseSettings):
    """Where things are, how the service behaves. Every field can be set as ``MIGKG_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="MIGKG_", frozen=True)

    base_iri: str = Field(prefixes.BASE, description="Base of every IRI we mint; answered on any host.")
    repo_dir: Path = Field(REPO_ROOT, description="Where ontology/, data/, shapes/ and queries/ live.")
    build_dir: Path = Field(REPO_ROOT / "build", description="Build products; releases/ and current.")
    state_dir: Path = Field(
        REPO_ROOT / "var", description="Mutable state outside build/: partners, partner graphs, gate reports."
    )
    host: str = "127.0.0.1"
    port: int = 8000
    query_timeout: float = Field(30.0, gt=0, description="Seconds a query may run before its worker is killed.")
    query_workers: int = Field(2, ge=1, description="Worker processes evaluating SPARQL queries.")
    max_query_bytes: int = Field(1_000_000, ge=1, description="Largest query text accepted.")
    max_query_depth: int = Field(
        100, ge=1, le=1000, description="Deepest nesting of brackets (and runs of '!') a query may have."
    )
    max_result_rows: int = Field(
        100_000, ge=1, description="Most solutions (or triples) a query's result carries; the rest is cut, and said so."
    )
    max_result_bytes: int = Field(
        50_000_000, ge=1, description="Largest serialized result, in bytes; a larger one loses rows, and says so."
    )
    query_memory_mb: int = Field(
        2048, ge=16, description="Memory (address space, MB) a query may add to its worker before it is stopped."
    )
    worker_max_queries: int = Field(10_000, ge=1, description="Queries a worker answers before it is replaced.")
    worker_recycle_mb: int = Field(
        512, ge=1, description="A worker holding this many MB more than once loaded is replaced after its answer."
    )
    reserved_workers: int = Field(
        1, ge=0, description="Workers kept for cheap queries (never all of them: one at least takes any query)."
    )
    cheap_query_timeout: float = Field(
        2.0, gt=0, description="Seconds a cheap query may run on a reserved worker before it runs again as any query."
    )
    max_queries_per_client: int = Field(
        4, ge=1, description="Queries one client may have running or waiting at once; more get 429."
    )
    client_address_header: str | None = Field(
        None,
        description="Header a trusted proxy sets to the client's address (e.g. X-Forwarded-For: its last entry "
        "counts); unset: the connection's address.",
    )
    release_fallback: bool = Field(
        True,
        description="When the release build/current names is missing or damaged, `migkg serve` serves the newest "
        "intact release instead (saying so in its log and /healthz); false: it refuses to start.",
    )
    reasoner: str = Field("pellet", pattern="^(pellet|hermit)$")
    java_memory_mb: int = Field(2000, ge=256, description="Heap for the reasoner's JVM.")
    service_allowlist: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins (scheme://host[:port]) SERVICE may call, comma-separated; empty: none.",
    )
    service_timeout: float = Field(10.0, gt=0, description="Seconds one SERVICE call may take.")
    service_max_bytes: int = Field(10_000_000, ge=1, description="Largest SERVICE answer read, in bytes.")
    service_max_rows: int = Field(10_000, ge=1, description="Most solutions one SERVICE call may return.")
    service_max_calls: int = Field(8, ge=1, description="Most SERVICE calls one query may make.")
    write_timeout: float = Field(
        120.0, gt=0, description="Seconds a partner write (gate and commit) may take before the writer is restarted."
    )
    # Releases (server.release, server.web.switching).
    release_keep: int = Field(
        10,
        ge=1,
        description="Releases kept under build/releases; older ones are pruned, never the current one "
        "nor the one served before it.",
    )
    release_poll: float = Field(
        1.0,
        ge=0,
        description="Seconds between a running server's looks at build/current: when it points to "
        "another release, the server loads it beside the one it serves and swaps (0: never; serve the start one).",
    )
    release_load_timeout: float = Field(
        600.0,
        gt=0,
        description="Seconds a running server waits for a new release's workers to load before it "
        "gives the switch up (and keeps serving the release it has).",
    )
    access_log: bool = Field(True, description="Write a JSON access-log line for every request to standard error.")
    access_log_max_chars: int = Field(
        256, ge=16, description="Longest path or query string an access-log line holds; longer ones are cut."
    )
    max_upload_bytes: int = Field(
        64 * 1024 * 1024, ge=1, description="Largest partner upload accepted, as sent and once decompressed."
    )
    # Connections (server.web.connections): what `migkg serve` allows a client before dropping it.
    header_timeout: float = Field(
        10.0, gt=0, description="Seconds a connection may take to send a whole request head (408, then closed)."
    )
    body_timeout: float = Field(
        60.0, gt=0, description="Seconds a request body may take to arrive in full (408, then closed)."
    )
    keep_alive_timeout: float = Field(5.0, gt=0, description="Seconds an idle keep-alive connection stays open.")
    max_connections: int = Field(
        200, ge=1, description="Open connections (and requests in flight) beyond which requests get 503."
    )
    max_header_bytes: int = Field(16_384, ge=1024, description="Largest request head (request line and headers).")
    retry_after: int = Field(5, ge=1, description="Seconds a 503 or 429 asks the client to wait (Retry-After).")
    # Where the service is reached (server.web.hosts).
    public_url: str | None = Field(
        None,
        description="The service's public origin (https://host[:port]): every URL it gives (sd:endpoint, Link, "
        "Location, recipes) is built on it, whatever Host a request names.",
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Without a public URL, Host names accepted besides the address a request came in on and "
        "loopback names, comma-separated; any other Host is 400.",
    )

    # The store (server.store.remote): the embedded one, or an existing SPARQL 1.1 store reached over HTTP.
    store: Literal["embedded", "remote"] = Field(
        "embedded", description="embedded: pyoxigraph in worker processes; remote: the SPARQL store at the URLs below."
    )
    store_memory: Literal["auto", "copy", "disk"] = Field(
        "auto",
        description="How query workers and the partner writer hold the release: copy: each loads the snapshot into "
        "memory (fastest; memory grows with workers); disk: all open the release's on-disk store and share its pages; "
        "auto: copy while every worker's copy and the writer's fit in store_memory_budget_mb, else disk (DESIGN §5).",
    )
    store_memory_budget_mb: int = Field(
        4096, ge=1, description="With store_memory auto: the memory (MB) the copies of the release may take."
    )
    store_query_url: str | None = Field(None, description="The remote store's SPARQL 1.1 Protocol query endpoint.")
    store_update_url: str | None = Field(
        None, description="The remote store's SPARQL 1.1 Update endpoint (default: the query endpoint)."
    )
    store_gsp_url: str | None = Field(
        None, description="The remote store's Graph Store Protocol endpoint (unset: whole graphs go by Update)."
    )
    store_user: str | None = Field(None, description="User for the remote store (HTTP basic authentication).")
    store_password: SecretStr | None = Field(None, description="Password for the remote store; never logged.")
    store_auth: Literal["basic", "digest"] = Field(
        "basic",
        description="How the user signs in to the remote store: HTTP basic, or digest (Virtuoso's /sparql-auth and "
        "/sparql-graph-crud-auth endpoints ask for digest).",
    )
    store_write_timeout: float = Field(
        600.0,
        gt=0,
        description="Seconds one of our own requests to the remote store that writes or counts may take: a part "
        "of a publish, a partner graph written through, the VoID counts (10M triples: minutes).",
    )

    @model_validator(mode="after")
    def _remote_store(self) -> Settings:
        """A remote store needs at least its query URL."""
        if self.store == "remote" and not self.store_query_url:
            raise ValueError("MIGKG_STORE=remote needs MIGKG_STORE_QUERY_URL (and MIGKG_STORE_UPDATE_URL to publish)")
        return self

    @field_validator("service_allowlist", mode="before")
    @classmethod
    def _origins(cls, value: object) -> object:
        """``"https://a.example, http://10.0.0.5:8890"`` → normalised origins; a bad entry stops start-up."""
        entries = comma_separated(value)
        if entries is None:
            return value
        try:
            return [str(allowlist_origin(entry)) for entry in entries]
        except ValueError as error:
            raise ValueError(f"MIGKG_SERVICE_ALLOWLIST: {error}") from None

    @field_validator("public_url", mode="before")
    @classmethod
    def _public_origin(cls, value: object) -> object:
        """``https://kg.example.org/`` → ``https://kg.example.org``; a path or another scheme stops start-up."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return str(allowlist_origin(str(value)))
        except ValueError as error:
            raise ValueError(f"MIGKG_PUBLIC_URL: {error}") from None

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _hosts(cls, value: object) -> object:
        """``"kg.example.org, 10.0.0.5"`` → lower-case host names (a port, if given, is ignored)."""
        entries = comma_separated(value)
        if entries is None:
            return value
        hosts = [(entry, host_name(entry)) for entry in entries]
        bad = [entry for entry, host in hosts if not host]
        if bad:
            raise ValueError(f"MIGKG_ALLOWED_HOSTS: {bad[0]!r} is not a host name")
        return [host for _, host in hosts]

    @property
    def ontology_dir(self) -> Path:
        return self.repo_dir / "ontology"

    @property
    def data_dir(self) -> Path:
        return self.repo_dir / "data"

    @property
    def shapes_dir(self) -> Path:
        return self.repo_dir / "shapes"

    @property
    def queries_dir(self) -> Path:
        return self.repo_dir / "queries"

    def store_on_disk(self, triples: int) -> bool:
        """Whether the query workers and the partner writer hold a release of ``triples`` on disk (``store_memory``).

        >>> [Settings(store_memory="auto", query_workers=n).store_on_disk(1_000_000) for n in (2, 4)]
        [False, True]
        >>> Settings(store_memory="disk").store_on_disk(10), Settings(store_memory="copy").store_on_disk(10**8)
        (True, False)
        """
        if self.store_memory != "auto":
            return self.store_memory == "disk"
        copies = self.query_workers + 1  # the writer holds one too
        return copies * triples * COPY_BYTES_PER_TRIPLE > self.store_memory_budget_mb * 1024 * 1024

    @property
    def releases_dir(self) -> Path:
        return self.build_dir / "releases"

    @property
    def current_release(self) -> Path:
        """A symlink switched atomically to the newest good release."""
        return self.build_dir / "current"

    @property
    def partners_file(self) -> Path:
        """The partner registry: agencies, origins and token hashes (never a token)."""
        return self.state_dir / "partners.json"

    @property
    def partner_graphs_dir(self) -> Path:
        """Durable partner graphs; survives ``migkg build`` (which writes only under ``build_dir``)."""
        return self.state_dir / "partner-graphs"

    @property
    def partner_cache_dir(self) -> Path:
        """What the web process derives from a generation of partner graphs: their dump, the merged search index."""
        return self.state_dir / "partner-cache"

    @property
    def partner_reports_dir(self) -> Path:
        """The gate's SHACL reports, one file per write attempt, kept at a stable id."""
        return self.state_dir / "partner-reports"
