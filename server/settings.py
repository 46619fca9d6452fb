"""One Settings object (environment prefix ``MIGKG_``), created at the edges and passed explicitly.

Nothing else in the package reads ``os.environ``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from server import prefixes
from server.federation.origins import allowlist_origin

REPO_ROOT = Path(__file__).resolve().parent.parent


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
    access_log: bool = Field(True, description="Write a JSON access-log line for every request to standard error.")
    access_log_max_chars: int = Field(
        256, ge=16, description="Longest path or query string an access-log line holds; longer ones are cut."
    )
    max_upload_bytes: int = Field(
        64 * 1024 * 1024, ge=1, description="Largest partner upload accepted, as sent and once decompressed."
    )

    @field_validator("service_allowlist", mode="before")
    @classmethod
    def _origins(cls, value: object) -> object:
        """``"https://a.example, http://10.0.0.5:8890"`` → normalised origins; a bad entry stops start-up."""
        entries = value.split(",") if isinstance(value, str) else value
        if not isinstance(entries, list | tuple):
            return value
        try:
            return [str(allowlist_origin(str(entry))) for entry in entries if str(entry).strip()]
        except ValueError as error:
            raise ValueError(f"MIGKG_SERVICE_ALLOWLIST: {error}") from None

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
