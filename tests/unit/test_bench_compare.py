"""The request builder of ``make bench-compare`` (``tools.bench_compare``): GET paths that carry the whole query, a
wrk script that sends the mix in turn with each request's ``Accept`` and counts every answer that is not a 2xx."""

from __future__ import annotations

import shutil
import string
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from tools.bench_compare import lua_script, request_path, wrk_result

QUERY = 'SELECT * WHERE { ?s ?p "a & b = c?#" } # ünïcode\n'
UNRESERVED = set(string.ascii_letters + string.digits + "-._~%/?=")


def test_build_request_path_carries_the_whole_query_percent_encoded() -> None:
    path = request_path("/query", QUERY)
    split = urlsplit(path)
    assert split.path == "/query"
    assert parse_qs(split.query) == {"query": [QUERY]}
    assert set(path) <= UNRESERVED  # nothing a Lua string or an HTTP request line would need escaped


def test_build_lua_script_lists_each_request_once_in_order() -> None:
    requests = [(request_path("/sparql", f"ASK {{ <urn:x:{n}> ?p ?o }}"), "text/turtle") for n in range(3)]
    script = lua_script(requests, threads=2)
    positions = [script.index(f'{{"{path}", "text/turtle"}}') for path, _ in requests]
    assert positions == sorted(positions)
    assert "math.floor(#requests / 2)" in script
    assert '["X-Forwarded-For"] = client' in script


class Recorder(BaseHTTPRequestHandler):
    """200 to a query naming ``good``, 503 to any other; remembers each (query, Accept) it saw."""

    seen: ClassVar[set[tuple[str, str]]] = set()

    def do_GET(self) -> None:
        query = parse_qs(urlsplit(self.path).query)["query"][0]
        self.seen.add((query, self.headers.get("Accept", "")))
        self.send_response(200 if "good" in query else 503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (make bench-compare installs it)")
def test_run_wrk_script_sends_the_mix_and_counts_non_2xx(recorder: str, tmp_path: Path) -> None:
    mix = [("ASK { good }", "application/sparql-results+json"), ("ASK { bad }", "text/turtle")]
    script = tmp_path / "mix.lua"
    script.write_text(lua_script([(request_path("/sparql", q), accept) for q, accept in mix], threads=1))
    command = ["wrk", "-t", "1", "-c", "1", "-d", "1s", "-s", str(script), recorder]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    result = wrk_result(done.stdout)
    assert Recorder.seen == set(mix)
    assert 0 < result["non2xx"] < result["requests"]
    assert result["statuses"].split() == ["503"]
