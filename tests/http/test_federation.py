"""SERVICE through our own client, over real HTTP on loopback.

Two migkg servers that allowlist each other (``home`` over the fixture release, ``partner`` over a small
release of its own) join their data both ways; a small remote written here (``Remote``) answers slowly,
hugely, wrongly or with redirects; a listening socket that no test may reach (``Canary``) proves that a
refused call sends nothing: every SSRF form is answered 400 and the canary's backlog stays empty.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pyoxigraph as ox
import pytest
from uvicorn_server import Server, free_port, start_server

from server import prefixes
from server.release import SNAPSHOT, FileInfo, ReleaseMetadata

pytestmark = [pytest.mark.http, pytest.mark.xdist_group("federation")]

ECU = prefixes.ID + "country/ecu"
POPULATION = "http://partner.example/def#population"
MOTTO = "http://partner.example/def#motto"
PARTNER_GRAPH = "http://partner.example/graph/census"
# A literal with everything a VALUES block must escape: quotes, backslash, line breaks, braces, '#'.
MOTTO_TEXT = 'Dice "hola" \\ adiós\n{ SERVICE <http://127.0.0.1:1/> } # no comment\r\tfin'
TIMEOUT = 2  # home's per-call limit, seconds
MAX_BYTES = 50_000
MAX_ROWS = 5
SLOW = 8.0  # the longest the remote's /slow holds a call (until the tests are done): well past TIMEOUT


# --- a remote we control ---------------------------------------------------------------------------------


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    query: str


REMOTE_TERMS = {
    "head": {"vars": ["iri", "text", "tagged", "typed", "blank", "unbound"]},
    "results": {
        "bindings": [
            {
                "iri": {"type": "uri", "value": "http://example.org/é?q=1#f"},
                "text": {"type": "literal", "value": MOTTO_TEXT},
                "tagged": {"type": "literal", "value": "Équateur", "xml:lang": "fr"},
                "typed": {"type": "literal", "value": "2008-04-10", "datatype": prefixes.XSD + "date"},
                "blank": {"type": "bnode", "value": "b0"},
            },
            {"text": {"type": "literal", "value": "second"}, "blank": {"type": "bnode", "value": "b0"}},
        ]
    },
}
SPARQL_JSON = "application/sparql-results+json"


def rows_document(count: int) -> bytes:
    rows = [{"n": {"type": "literal", "value": str(n)}} for n in range(count)]
    return json.dumps({"head": {"vars": ["n"]}, "results": {"bindings": rows}}).encode()


class Handler(BaseHTTPRequestHandler):
    """Routes by path; every request is recorded on the server before it is answered."""

    server: RemoteHTTPServer

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self.answer("GET", parse_qs(urlsplit(self.path).query).get("query", [""])[0])

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.answer("POST", parse_qs(body.decode("utf-8")).get("query", [""])[0])

    def answer(self, method: str, query: str) -> None:
        path = urlsplit(self.path).path
        self.server.seen.append(Seen(method, path, {k.lower(): v for k, v in self.headers.items()}, query))
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up first, as it should
            self.route(method, path)

    def route(self, method: str, path: str) -> None:
        if path == "/ok":
            self.send(200, SPARQL_JSON, json.dumps(REMOTE_TERMS).encode())
        elif path == "/rows":
            self.send(200, SPARQL_JSON, rows_document(MAX_ROWS + 1))
        elif path == "/xml":
            body = b'<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>'
            body += b'<variable name="n"/></head><results><result><binding name="n"><literal xml:lang="es">'
            body += b"uno</literal></binding></result></results></sparql>"
            self.send(200, "application/sparql-results+xml; charset=utf-8", body)
        elif path == "/get-only":
            if method == "POST":
                self.send(405, "text/plain", b"use GET")
            else:
                self.send(200, SPARQL_JSON, rows_document(1))
        elif path == "/slow":  # holds the call until the module's tests are done (at most SLOW s)
            self.server.done.wait(SLOW)
            self.send(200, SPARQL_JSON, rows_document(1))
        elif path == "/huge":
            self.send_response(200)
            self.send_header("Content-Type", SPARQL_JSON)
            self.end_headers()
            for _ in range(40):  # 1.3 MB, no Content-Length: only the stream says how big
                self.wfile.write(b" " * 32_768)
        elif path == "/error":
            self.send(500, "text/plain", b"Virtuoso 37000 Error SP030: SPARQL compiler, line 1: syntax error")
        elif path == "/html":
            self.send(200, "text/html", b"<html>not results</html>")
        elif path == "/redirect-same":
            self.redirect(307, "/ok")
        elif path == "/redirect-out":
            self.redirect(302, self.server.redirect_out)
        else:
            self.send(404, "text/plain", b"no such path")

    def send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, status: int, location: str) -> None:
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


class RemoteHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    seen: list[Seen]
    redirect_out: str
    done: threading.Event  # set when the module's tests are over: /slow then answers


@dataclass
class Remote:
    server: RemoteHTTPServer
    origin: str
    seen: list[Seen] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.origin + path


class Canary:
    """A listening socket on loopback that must never be connected to."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.setblocking(False)
        self.port: int = self.sock.getsockname()[1]

    def assert_untouched(self) -> None:
        try:
            connection, peer = self.sock.accept()
        except BlockingIOError:
            return
        connection.close()
        pytest.fail(f"the canary on port {self.port} received a connection from {peer}")


# --- servers -----------------------------------------------------------------------------------------------


@dataclass
class Federation:
    home: Server
    partner: Server
    remote: Remote
    canary: Canary


def partner_release(directory: Path) -> Path:
    """A release of the partner's own: Ecuador's population and motto, in a graph of its own."""
    directory.mkdir()
    integer = ox.NamedNode(prefixes.XSD + "integer")
    facts = [(POPULATION, ox.Literal("17", datatype=integer)), (MOTTO, ox.Literal(MOTTO_TEXT, language="es"))]
    quads = [ox.Quad(ox.NamedNode(ECU), ox.NamedNode(p), o, ox.NamedNode(PARTNER_GRAPH)) for p, o in facts]
    snapshot = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
    assert snapshot is not None
    (directory / SNAPSHOT).write_bytes(snapshot)
    files = {SNAPSHOT: FileInfo(len(snapshot), hashlib.sha256(snapshot).hexdigest())}
    meta = ReleaseMetadata("partner-20260101T000000Z", "2026-01-01T00:00:00Z", prefixes.BASE, {PARTNER_GRAPH: 2}, files)
    (directory / "metadata.json").write_text(meta.to_json(), encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def federation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Federation]:
    remote_server = RemoteHTTPServer(("127.0.0.1", 0), Handler)
    remote = Remote(remote_server, f"http://127.0.0.1:{remote_server.server_address[1]}")
    remote_server.seen = remote.seen
    remote_server.done = threading.Event()
    canary = Canary()
    remote_server.redirect_out = f"http://127.0.0.1:{canary.port}/sparql"
    threading.Thread(target=remote_server.serve_forever, daemon=True).start()
    home_port, partner_port = free_port(), free_port()
    home_origin, partner_origin = f"http://127.0.0.1:{home_port}", f"http://127.0.0.1:{partner_port}"
    root = tmp_path_factory.mktemp("federation")
    (root / "partner-server").mkdir()
    (root / "home-server").mkdir()
    partner = start_server(
        root / "partner-server", partner_release(root / "partner-release"), port=partner_port,
        query_workers="1", service_allowlist=home_origin,
    )  # fmt: skip
    try:
        home = start_server(
            root / "home-server", port=home_port, query_workers="1",
            service_allowlist=f"{partner_origin}, {remote.origin}, http://localhost:{remote_server.server_address[1]}",
            service_timeout=str(TIMEOUT), service_max_bytes=str(MAX_BYTES), service_max_rows=str(MAX_ROWS),
        )  # fmt: skip
    except BaseException:
        partner.stop()
        raise
    yield Federation(home, partner, remote, canary)
    remote_server.done.set()
    home.stop()
    partner.stop()
    remote_server.shutdown()
    remote_server.server_close()
    canary.sock.close()


def select(server: Server, query: str, **headers: str) -> httpx.Response:
    return httpx.post(server.sparql, data={"query": query}, headers=headers, timeout=60)


def solutions(response: httpx.Response) -> list[dict[str, dict[str, str]]]:
    assert response.status_code == 200, response.text
    rows: list[dict[str, dict[str, str]]] = response.json()["results"]["bindings"]
    return rows


def refused(response: httpx.Response, status: int, *words: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    for word in words:
        assert word in response.text
    return response.text


# --- two migkg servers, joined both ways ------------------------------------------------------------------


def test_join_local_labels_with_partner_population(federation: Federation) -> None:
    query = f"""PREFIX rdfs: <{prefixes.RDFS}>
    SELECT ?label ?population WHERE {{
      <{ECU}> rdfs:label ?label FILTER(lang(?label) = "en")
      SERVICE <{federation.partner.sparql}> {{ <{ECU}> <{POPULATION}> ?population }}
    }}"""
    (row,) = solutions(select(federation.home, query))
    assert (row["label"]["value"], row["population"]["value"]) == ("Ecuador", "17")
    assert row["population"]["datatype"] == prefixes.XSD + "integer"


def test_join_partner_motto_with_home_labels_the_other_way(federation: Federation) -> None:
    query = f"""PREFIX rdfs: <{prefixes.RDFS}>
    SELECT ?motto ?label WHERE {{
      ?country <{MOTTO}> ?motto .
      SERVICE <{federation.home.sparql}> {{ ?country rdfs:label ?label }}
    }} ORDER BY ?label"""
    rows = solutions(select(federation.partner, query))
    assert [(r["label"]["value"], r["label"]["xml:lang"]) for r in rows] == [
        ("Ecuador", "en"),
        ("Ecuador", "es"),
        ("Équateur", "fr"),
    ]
    assert {r["motto"]["value"] for r in rows} == {MOTTO_TEXT}  # quotes, newlines and braces intact


def test_answer_service_inside_optional_and_with_prefixed_endpoint(federation: Federation) -> None:
    query = f"""PREFIX partner: <{federation.partner.url}/>
    PREFIX rdfs: <{prefixes.RDFS}>
    SELECT ?place ?population WHERE {{
      ?place a <{prefixes.MIG}Place>
      OPTIONAL {{ SERVICE partner:sparql {{ ?place <{POPULATION}> ?population }} }}
    }}"""
    (row,) = solutions(select(federation.home, query))
    assert row["place"]["value"] == prefixes.ID + "place/cuenca" and "population" not in row


def test_run_federated_query_from_the_query_editor(federation: Federation) -> None:
    query = f"SELECT ?population {{ SERVICE <{federation.partner.sparql}> {{ <{ECU}> <{POPULATION}> ?population }} }}"
    response = httpx.get(federation.home.url + "/query", params={"query": query}, timeout=60)
    assert response.status_code == 200, response.text
    assert "<td" in response.text and ">17<" in response.text


def test_describe_federation_and_allowlisted_origins(federation: Federation) -> None:
    response = httpx.get(federation.home.sparql, headers={"Accept": "text/turtle"})
    graph = ox.Store()
    graph.load(response.content, format=ox.RdfFormat.TURTLE)
    sd = prefixes.SD
    assert graph.query(f"ASK {{ ?s <{sd}feature> <{sd}BasicFederatedQuery> }}")
    origins = graph.query(f"SELECT ?o {{ ?s a <{sd}Service> ; <{prefixes.MIG}allowedServiceOrigin> ?o }}")
    assert {row["o"].value for row in origins} == {  # type: ignore[union-attr]
        federation.partner.url,
        federation.remote.origin,
        federation.remote.origin.replace("127.0.0.1", "localhost"),
    }


# --- what goes out, and what comes back ----------------------------------------------------------------------


def test_send_form_post_with_our_headers_only(federation: Federation) -> None:
    federation.remote.seen.clear()
    secrets = {"Authorization": "Bearer do-not-forward", "Cookie": "session=do-not-forward"}
    query = f"PREFIX ex: <http://example.org/> SELECT * {{ SERVICE <{federation.remote.url('/ok')}> {{ ?s ex:p ?o }} }}"
    solutions(select(federation.home, query, **secrets))
    (seen,) = federation.remote.seen
    assert (seen.method, seen.path) == ("POST", "/ok")
    assert seen.headers["content-type"] == "application/x-www-form-urlencoded"
    assert seen.headers["accept"].startswith(SPARQL_JSON)
    assert not {"authorization", "cookie"} & seen.headers.keys()
    assert "do-not-forward" not in json.dumps(seen.headers)
    assert seen.query == (f"BASE <{prefixes.BASE}>\nPREFIX ex: <http://example.org/>\nSELECT * WHERE {{ ?s ex:p ?o }}")


def test_round_trip_remote_terms_into_the_result(federation: Federation) -> None:
    rows = solutions(select(federation.home, f"SELECT * {{ SERVICE <{federation.remote.url('/ok')}> {{ }} }}"))
    first, second = rows
    assert first["iri"] == {"type": "uri", "value": "http://example.org/é?q=1#f"}
    assert first["text"] == {"type": "literal", "value": MOTTO_TEXT}
    assert first["tagged"] == {"type": "literal", "value": "Équateur", "xml:lang": "fr"}
    assert first["typed"] == {"type": "literal", "value": "2008-04-10", "datatype": prefixes.XSD + "date"}
    assert "unbound" not in first and "iri" not in second
    skolem = first["blank"]["value"]  # one remote blank node: one skolem IRI under our base
    assert first["blank"]["type"] == "uri" and skolem.startswith(prefixes.BASE + ".well-known/genid/")
    assert second["blank"]["value"] == skolem


def test_read_xml_results(federation: Federation) -> None:
    (row,) = solutions(select(federation.home, f"SELECT * {{ SERVICE <{federation.remote.url('/xml')}> {{ }} }}"))
    assert row["n"] == {"type": "literal", "value": "uno", "xml:lang": "es"}


def test_fall_back_to_get_when_post_is_refused(federation: Federation) -> None:
    federation.remote.seen.clear()
    rows = solutions(select(federation.home, f"SELECT * {{ SERVICE <{federation.remote.url('/get-only')}> {{}} }}"))
    assert rows == [{"n": {"type": "literal", "value": "0"}}]
    assert [seen.method for seen in federation.remote.seen] == ["POST", "GET"]
    assert federation.remote.seen[1].query.endswith("SELECT * WHERE {}")


def test_follow_redirect_within_the_allowlist(federation: Federation) -> None:
    query = f"SELECT ?text {{ SERVICE <{federation.remote.url('/redirect-same')}> {{ }} }}"
    assert [row["text"]["value"] for row in solutions(select(federation.home, query))] == [MOTTO_TEXT, "second"]


# --- refusals: 400 and nothing sent -----------------------------------------------------------------------------


def attacks(canary: int, allowed: str) -> list[tuple[str, str]]:
    """(id, query) pairs, each calling the canary at ``canary`` in a way that must be refused."""
    host = allowed.removeprefix("http://")
    service = "SELECT * {{ SERVICE {} {{ ?s ?p ?o }} }}".format
    return [
        ("not-allowlisted", service(f"<http://127.0.0.1:{canary}/sparql>")),
        ("localhost", service(f"<http://localhost:{canary}/>")),
        ("short-ipv4", service(f"<http://127.1:{canary}/>")),
        ("hex-ipv4", service(f"<http://0x7f000001:{canary}/>")),
        ("decimal-ipv4", service(f"<http://2130706433:{canary}/>")),
        ("octal-ipv4", service(f"<http://0177.0.0.1:{canary}/>")),
        ("mapped-ipv6", service(f"<http://[::ffff:127.0.0.1]:{canary}/>")),
        ("mapped-ipv6-hex", service(f"<http://[::ffff:7f00:1]:{canary}/>")),
        ("ipv6-loopback", service(f"<http://[::1]:{canary}/>")),
        ("trailing-dot", service(f"<http://127.0.0.1.:{canary}/>")),
        ("full-width-digits", service(f"<http://１２７.0.0.1:{canary}/>")),
        ("port-with-leading-zero", service(f"<http://127.0.0.1:0{canary}/>")),
        ("userinfo-allowed-at-evil", service(f"<http://{host}@127.0.0.1:{canary}/>")),
        ("fragment-evil-hash-at-allowed", service(f"<http://127.0.0.1:{canary}#@{host}/>")),
        ("query-evil-question-at-allowed", service(f"<http://127.0.0.1:{canary}?@{host}/>")),
        ("escaped-at-sign", service(f"<http://{host}\\u0040127.0.0.1:{canary}/>")),
        ("upper-case-scheme", service(f"<HTTP://127.0.0.1:{canary}/>")),
        ("https-of-allowed-host", service(f"<https://{host}/sparql>")),
        ("ftp", service(f"<ftp://127.0.0.1:{canary}/>")),
        ("file", service("<file:///etc/passwd>")),
        ("gopher", service(f"<gopher://127.0.0.1:{canary}/_GET%20/>")),
        ("relative-network-path", service(f"<//127.0.0.1:{canary}/sparql>")),
        ("prefixed-name", f"PREFIX c: <http://127.0.0.1:{canary}/> " + service("c:sparql")),
        ("variable", f"SELECT * {{ BIND(<http://127.0.0.1:{canary}/> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}"),
        ("silent-lower-case", f"select * {{ service silent <http://127.0.0.1:{canary}/> {{ ?s ?p ?o }} }}"),
        ("inside-optional", f"SELECT * {{ OPTIONAL {{ SERVICE <http://127.0.0.1:{canary}/> {{ ?s ?p ?o }} }} }}"),
        ("second-of-two", service(f"<{allowed}/ok> {{}} SERVICE <http://127.0.0.1:{canary}/>")),
    ]


ATTACK_IDS = [name for name, _ in attacks(1, "http://127.0.0.1:2")]


@pytest.mark.parametrize("attack", ATTACK_IDS)
def test_refuse_ssrf_form_with_400_and_send_nothing(federation: Federation, attack: str) -> None:
    query = dict(attacks(federation.canary.port, federation.remote.origin))[attack]
    federation.remote.seen.clear()
    refused(select(federation.home, query), 400, "SERVICE", "refused")
    federation.canary.assert_untouched()
    assert federation.remote.seen == []  # not even the allowlisted call of a query that is refused
    federation.home.assert_serving()


def test_refuse_load_as_an_update(federation: Federation) -> None:
    refused(select(federation.home, f"LOAD <http://127.0.0.1:{federation.canary.port}/data.ttl>"), 403, "read-only")
    federation.canary.assert_untouched()


def test_refuse_allowlisted_name_that_resolves_to_loopback(federation: Federation) -> None:
    federation.remote.seen.clear()
    endpoint = federation.remote.url("/ok").replace("127.0.0.1", "localhost")
    text = refused(select(federation.home, f"SELECT * {{ SERVICE <{endpoint}> {{}} }}"), 400, "not a public address")
    assert "localhost resolves to" in text
    assert federation.remote.seen == []


def test_refuse_redirect_that_leaves_the_allowlist(federation: Federation) -> None:
    query = f"SELECT * {{ SERVICE SILENT <{federation.remote.url('/redirect-out')}> {{}} }}"
    refused(select(federation.home, query), 400, "redirected to", "not allowlisted")
    federation.canary.assert_untouched()


def test_forward_nested_service_for_the_remote_to_refuse(federation: Federation) -> None:
    nested = f"SERVICE <http://127.0.0.1:{federation.canary.port}/> {{ ?s ?p ?o }}"
    query = f"SELECT * {{ SERVICE <{federation.partner.sparql}> {{ {nested} }} }}"
    refused(select(federation.home, query), 502, "HTTP 400", "refused")  # the partner's own refusal, relayed
    federation.canary.assert_untouched()


# --- failures of an allowlisted endpoint: 502 / 504, or nothing under SILENT ----------------------------------


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/slow", 504, f"did not answer within {TIMEOUT} s"),
        ("/huge", 502, f"larger than the {MAX_BYTES} bytes"),
        ("/rows", 502, f"more than {MAX_ROWS} rows"),
        ("/error", 502, "HTTP 500: Virtuoso 37000 Error SP030"),
        ("/html", 502, "text/html, not SPARQL"),
        ("/missing", 502, "HTTP 404"),
    ],
)
def test_report_failing_endpoint_and_keep_serving(federation: Federation, path: str, status: int, words: str) -> None:
    query = f"SELECT * {{ SERVICE <{federation.remote.url(path)}> {{ ?s ?p ?o }} }}"
    refused(select(federation.home, query), status, federation.remote.url(path), words)
    federation.home.assert_serving()


@pytest.mark.parametrize("path", ["/slow", "/huge", "/error", "/html"])
def test_count_failed_silent_call_as_one_empty_solution(federation: Federation, path: str) -> None:
    query = f"""SELECT ?local ?s WHERE {{
      VALUES ?local {{ "a" "b" }}
      SERVICE SILENT <{federation.remote.url(path)}> {{ ?s ?p ?o }}
    }} ORDER BY ?local"""
    assert solutions(select(federation.home, query)) == [
        {"local": {"type": "literal", "value": "a"}},
        {"local": {"type": "literal", "value": "b"}},
    ]


# --- predeclared prefixes through SERVICE ------------------------------------------------------------------


def test_join_with_predeclared_prefixes_inside_and_outside_service(federation: Federation) -> None:
    query = f"""SELECT ?label ?population WHERE {{
      country:ecu rdfs:label ?label FILTER(lang(?label) = "en")
      SERVICE <{federation.partner.sparql}> {{ country:ecu <{POPULATION}> ?population }}
    }}"""
    (row,) = solutions(select(federation.home, query))
    assert (row["label"]["value"], row["population"]["value"]) == ("Ecuador", "17")


def test_declare_to_the_remote_the_predeclared_prefixes_its_block_uses(federation: Federation) -> None:
    federation.remote.seen.clear()
    block = '{ ?s rdfs:label ?o ; skos:notation "ECU" ; a mig:Country }'
    query = f"""PREFIX rdfs: <http://example.org/own-rdfs#>
    SELECT * {{ SERVICE <{federation.remote.url("/ok")}> {block} }}"""
    solutions(select(federation.home, query))
    (seen,) = federation.remote.seen
    assert seen.query == (
        f"BASE <{prefixes.BASE}>\nPREFIX mig: <{prefixes.MIG}>\nPREFIX skos: <{prefixes.SKOS}>\n"
        f"PREFIX rdfs: <http://example.org/own-rdfs#>\nSELECT * WHERE {block}"
    )  # the query's own rdfs: is sent as written, never overridden


def test_call_service_named_with_a_predeclared_prefix(federation: Federation) -> None:
    federation.remote.seen.clear()
    query = f"SELECT * {{ SERVICE <{federation.remote.url('/ok')}> {{ }} SERVICE rdfs:nothing {{ }} }}"
    refused(select(federation.home, query), 400, f"<{prefixes.RDFS}nothing>", "allowlist")
    assert federation.remote.seen == []  # refused before anything was sent: rdfs: expanded as predeclared
