"""The loopback server helper (tools/loopback.py), defaulting to the fixture release for the HTTP tests."""

from __future__ import annotations

from pathlib import Path

from tools import loopback
from tools.loopback import Server, free_port, wait_workers_loaded

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "release"

__all__ = ["FIXTURE", "Server", "free_port", "start_server", "wait_workers_loaded"]


def start_server(
    directory: Path, release: Path = FIXTURE, ready: bool = True, *, port: int | None = None, **settings: str
) -> Server:
    """``tools.loopback.start_server`` over the fixture release unless told otherwise."""
    return loopback.start_server(directory, release, ready, port=port, **settings)
