"""The loopback server helper (tools/loopback.py), defaulting to the fixture release for the HTTP tests."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tools import loopback
from tools.loopback import Server, free_port, wait_workers_loaded

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "release"

__all__ = ["FIXTURE", "Server", "free_port", "start_server", "unloadable_release", "wait_workers_loaded"]


def unloadable_release(directory: Path) -> Path:
    """A release in ``directory`` whose snapshot cannot load (a triple without an object), written as a faulty build
    would write it: its metadata records the snapshot's size and sha256, so start-up's release check passes (a
    snapshot damaged after the build is refused at start-up instead: tests/unit/test_release_check.py)."""
    directory.mkdir()
    snapshot = b"<http://a> <http://b> .\n"
    (directory / "snapshot.nq").write_bytes(snapshot)
    metadata = json.loads((FIXTURE / "metadata.json").read_bytes())
    metadata["files"]["snapshot.nq"] = {"bytes": len(snapshot), "sha256": hashlib.sha256(snapshot).hexdigest()}
    (directory / "metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
    return directory


def start_server(
    directory: Path, release: Path = FIXTURE, ready: bool = True, *, port: int | None = None, **settings: str
) -> Server:
    """``tools.loopback.start_server`` over the fixture release unless told otherwise."""
    return loopback.start_server(directory, release, ready, port=port, **settings)
