"""Run as ``python -I runtime_only.py BLOCKED_JSON RELEASE BUILD_DIR`` by test_runtime_dependencies.py.

Makes the modules of the dev-only distributions unimportable (as if they were not installed), imports every
module of ``server`` and answers a few GETs through ``create_app`` over the release's snapshot, calling the ASGI
app directly (an HTTP client would itself be a dev dependency). Prints one JSON object: the modules imported
and the status per path.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.abc
import json
import pkgutil
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType
from typing import Any

BLOCKED = frozenset(json.loads(sys.argv[1]))
PATHS = ("/healthz", "/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D", "/", "/doc/event/fibemyd-2008", "/def")


class DevOnly(importlib.abc.MetaPathFinder):
    """Refuses the top-level modules of the dev-only distributions and everything under them."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {fullname!r} (dev-only, blocked)", name=fullname)
        return None


async def status(app: Any, target: str) -> int:
    path, _, query = target.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
        "headers": [(b"host", b"127.0.0.1")], "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
    }  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return int(sent[0]["status"])


def main() -> None:
    loaded = sorted(name for name in sys.modules if name.partition(".")[0] in BLOCKED)
    assert not loaded, f"dev-only modules loaded at start-up: {loaded}"
    sys.meta_path.insert(0, DevOnly())

    import server

    modules = ["server", *(m.name for m in pkgutil.walk_packages(server.__path__, "server."))]
    for name in modules:
        importlib.import_module(name)

    from server.release import Release
    from server.settings import Settings
    from server.store.embedded import EmbeddedStore
    from server.web.app import create_app

    release = Release.open(Path(sys.argv[2]))
    app = create_app(Settings(build_dir=Path(sys.argv[3])), EmbeddedStore(release.snapshot), release=release)
    statuses = {path: asyncio.run(status(app, path)) for path in PATHS}
    print(json.dumps({"modules": sorted(modules), "statuses": statuses}))


if __name__ == "__main__":
    main()
