"""The attacks of issue 11, replayed against a real ``migkg serve`` with its default limits:
``python -m tools.bench_attacks [release]`` (``make bench-attacks``; default release: build/current).

Each attack is sent as a client would send it, on loopback; the tool records what came back (status, the headers that
matter, the first words of the body) and how long it took, then checks that the server still answers an ``ASK``.
Writes ``build/bench/attacks.json`` and ``build/bench/attacks.md``. Nothing here is asserted: the tests in
tests/fuzz and tests/http do that; this is the record of the answers and their times for the note and the README.
"""

from __future__ import annotations

import argparse
import json
import socket
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore

from server.settings import REPO_ROOT
from tools.loopback import Server, start_server, wait_workers_loaded

OUT = REPO_ROOT / "build" / "bench" / "attacks"
CARTESIAN_ORDER = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"
COUNT_DISTINCT = "SELECT (COUNT(DISTINCT *) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
LARGE = "SELECT * { ?a ?b ?c . ?d ?e ?f }"
XSS = 'SELECT ?x { BIND(IRI("javascript:alert(document.domain)") AS ?x) }'
CONSTRUCT = "CONSTRUCT { ?s a ?c } WHERE { ?s a ?c } LIMIT 5"
ANY = {"If-None-Match": "*"}
FORM = b"Content-Type: application/x-www-form-urlencoded\r\n"
SLOW_BODY = b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n" + FORM + b"Content-Length: 100\r\n\r\nquery=ASK"
KEPT_HEADERS = ("allow", "retry-after", "location", "x-migkg-truncated", "content-type")
SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy")


@dataclass
class Answer:
    attack: str
    status: str
    seconds: float
    detail: str


def timed(attack: str, call: Callable[[], tuple[str, str]]) -> Answer:
    started = time.perf_counter()
    try:
        status, detail = call()
    except Exception as error:  # a dropped connection is an answer too: record it
        status, detail = type(error).__name__, str(error)[:200]
    return Answer(attack, status, round(time.perf_counter() - started, 3), detail)


def described(response: httpx.Response) -> tuple[str, str]:
    headers = "; ".join(f"{h}: {response.headers[h][:80]}" for h in KEPT_HEADERS if h in response.headers)
    body = " ".join(response.text.split())[:160] if response.request.method != "HEAD" else ""
    return str(response.status_code), f"{headers} | {body}".strip(" |")


def security_headers(response: httpx.Response) -> tuple[str, str]:
    return str(response.status_code), "; ".join(f"{h}: {response.headers.get(h, '(none)')}" for h in SECURITY_HEADERS)


def query(server: Server, sparql: str, **headers: str) -> Callable[[], tuple[str, str]]:
    return lambda: described(httpx.post(server.sparql, data={"query": sparql}, headers=headers, timeout=120))


def raw(server: Server, request: bytes, wait: float) -> Callable[[], tuple[str, str]]:
    """Send ``request`` bytes and hold the connection open up to ``wait`` s: when does the server answer or close?"""

    def call() -> tuple[str, str]:
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=wait) as conn:
            conn.sendall(request)
            try:
                data = conn.recv(4096)
            except TimeoutError:
                return "held open", f"no answer after {wait} s"
        first = data.split(b"\r\n", 1)[0].decode("latin-1") if data else "(closed without an answer)"
        return (first.split(" ")[1] if first.startswith("HTTP/") else "closed"), first

    return call


def large_result(server: Server) -> tuple[str, str]:
    received = 0
    with httpx.stream("GET", server.sparql, params={"query": LARGE}, timeout=300) as response:
        for chunk in response.iter_bytes():
            received += len(chunk)
        truncated = response.headers.get("x-migkg-truncated", "no")
    return str(response.status_code), f"{received / 1e6:.1f} MB streamed; X-Migkg-Truncated: {truncated}"


def rdflib_construct(server: Server) -> tuple[str, str]:
    store = SPARQLStore(server.sparql, returnFormat="json")
    graph = rdflib.Graph(store=store)
    result = graph.query(CONSTRUCT)
    return "200", f"rdflib SPARQLStore(returnFormat='json') CONSTRUCT: {len(result.graph or [])} triples"


def xss_page(server: Server) -> tuple[str, str]:
    response = httpx.get(server.url + "/query", params={"query": XSS}, timeout=60)
    links = response.text.count('href="javascript:')
    return str(response.status_code), f'{links} href="javascript:…" links on the page'


def attacks(server: Server) -> list[Answer]:
    url = server.url
    nul = quote("\x00")
    return [
        timed("ASK + 5,000 nested {", query(server, "ASK " + "{" * 5000)),
        timed("ASK {} + 50,000 × a-", query(server, "ASK {} " + "a-" * 50_000)),
        timed("cartesian ORDER BY", query(server, CARTESIAN_ORDER)),
        timed("COUNT(DISTINCT *) over a cartesian join", query(server, COUNT_DISTINCT)),
        timed("large result (2-way cartesian SELECT)", lambda: large_result(server)),
        timed("slowloris: half a request header", raw(server, b"GET /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n", 60)),
        timed(
            "slow body: Content-Length 100, 10 bytes sent",
            raw(server, SLOW_BODY, 60),
        ),
        timed("javascript: IRI in a result on /query", lambda: xss_page(server)),
        timed("HEAD /", lambda: described(httpx.head(url + "/"))),
        timed("security headers on /", lambda: security_headers(httpx.get(url + "/"))),
        timed("PUT /sparql", lambda: described(httpx.put(url + "/sparql", content=b"x"))),
        timed("If-None-Match: * on a missing page", lambda: described(httpx.get(url + "/doc/event/none", headers=ANY))),
        timed("/id/ with %00", lambda: described(httpx.get(url + f"/id/x{nul}"))),
        timed("/id/ with non-ASCII", lambda: described(httpx.get(url + "/id/%C3%A9v%C3%A9nement"))),
        timed("/doc/x%00.css", lambda: described(httpx.get(url + f"/doc/x{nul}.css"))),
        timed("forged Host", lambda: described(httpx.get(url + "/sparql", headers={"Host": "evil.example"}))),
        timed("CONSTRUCT from rdflib SPARQLStore(json)", lambda: rdflib_construct(server)),
        timed("docs page (no CDN)", lambda: described(httpx.get(url + "/docs"))),
    ]  # fmt: skip


def still_serving(server: Server) -> Answer:
    return timed("afterwards: ASK", query(server, "ASK { ?s ?p ?o }"))


def markdown(report: dict[str, object], answers: list[Answer]) -> str:
    rows = [f"| {a.attack} | {a.status} | {a.seconds:.3f} | {a.detail.replace('|', '/')} |" for a in answers]
    return "\n".join(
        [
            "# Issue 11's attacks, replayed",
            "",
            f"Release {report['release']}, {report['date']}, default limits (`migkg serve`, 2 query workers).",
            "",
            "| attack | answer | seconds | what came back |",
            "|---|---|---:|---|",
            *rows,
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("release", nargs="?", type=Path, default=REPO_ROOT / "build" / "current")
    args = parser.parse_args()
    release = args.release.resolve()
    report: dict[str, object] = {"release": release.name, "date": time.strftime("%Y-%m-%d %H:%M")}
    with tempfile.TemporaryDirectory() as directory:
        server = start_server(Path(directory), release, query_workers="2")
        try:
            wait_workers_loaded(server, 2, 120)
            answers = attacks(server)
            wait_workers_loaded(server, 2, 120)
            answers.append(still_serving(server))
        finally:
            server.stop()
    report["answers"] = [a.__dict__ for a in answers]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    OUT.with_suffix(".md").write_text(markdown(report, answers), encoding="utf-8")
    print(markdown(report, answers))


if __name__ == "__main__":
    main()
