"""HTTP details over a real uvicorn serving the fixture release: HEAD wherever GET works, ``Allow`` on 405,
conditional requests that never turn an error into 304, headers that are always percent-encoded (odd paths get
303/404, never 500 or a dropped connection), no internal query text for unknown documents, the ``Host`` header
never echoed unchecked (``MIGKG_PUBLIC_URL``, ``MIGKG_ALLOWED_HOSTS``), ``Retry-After`` on 503, and graph results
for a client that asks only for result-set types (rdflib's ``SPARQLStore(returnFormat="json")``)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from uvicorn_server import Server, start_server

from server import prefixes

pytestmark = [pytest.mark.http, pytest.mark.backends, pytest.mark.xdist_group("http")]

ECU = "/doc/country/ecu"
ASK = "/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D"
PUBLIC = "https://kg.example.org"
LABELS = f"CONSTRUCT {{ ?s <{prefixes.RDFS}label> ?l }} WHERE {{ ?s <{prefixes.RDFS}label> ?l }}"
SAME_HEADERS = ("content-type", "content-length", "etag", "last-modified", "vary", "link", "content-location")


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The fixture release served with a public URL, as behind a reverse proxy."""
    running = start_server(tmp_path_factory.mktemp("published"), query_workers="1", public_url=PUBLIC + "/")
    yield running
    running.stop()


def raw_get(server: Server, target: bytes, host: bytes = b"127.0.0.1") -> bytes:
    """A request whose target is sent byte for byte (httpx would normalise it); the whole answer."""
    parts = urlsplit(server.url)
    assert parts.hostname and parts.port
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n")
        chunks = []
        while chunk := sock.recv(65_536):
            chunks.append(chunk)
    return b"".join(chunks)


def head_of(answer: bytes) -> tuple[int, dict[bytes, bytes]]:
    lines = answer.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    fields = dict(line.split(b": ", 1) for line in lines[1:])
    return int(lines[0].split(b" ")[1]), {k.lower(): v for k, v in fields.items()}


# --- HEAD and Allow ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", ASK, ECU, ECU + ".ttl", "/def", "/static/style.css", "/healthz", "/.well-known/void", "/query"]
)
def test_answer_head_like_get_without_body(server: Server, path: str) -> None:
    get = httpx.get(server.url + path)
    head = httpx.head(server.url + path)
    assert (head.status_code, get.status_code) == (200, 200), head.text
    assert head.content == b""
    assert {h: head.headers.get(h) for h in SAME_HEADERS} == {h: get.headers.get(h) for h in SAME_HEADERS}


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/sparql", "GET, HEAD, POST"),
        ("DELETE", "/sparql", "GET, HEAD, POST"),
        ("PATCH", "/graph-store", "GET, HEAD, POST, PUT, DELETE"),
        ("POST", ECU, "GET, HEAD"),
        ("PUT", "/healthz", "GET, HEAD"),
    ],
)
def test_list_every_method_of_the_path_in_allow(server: Server, method: str, path: str, allow: str) -> None:
    response = httpx.request(method, server.url + path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert method in response.text and allow in response.text


# --- conditional requests ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status"),
    [("/doc/country/nowhere", 404), ("/nowhere", 404), ("/sparql?query=SELECT", 400), (ECU + ".pdf", 404)],
)
@pytest.mark.parametrize("condition", [{"If-None-Match": "*"}, {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}])
def test_never_answer_304_for_an_error(server: Server, path: str, status: int, condition: dict[str, str]) -> None:
    response = httpx.get(server.url + path, headers=condition)
    assert response.status_code == status, response.text


def test_revalidate_an_existing_entity_with_304(server: Server) -> None:
    first = httpx.get(server.url + ECU)
    for condition in ({"If-None-Match": first.headers["etag"]}, {"If-None-Match": "*"}):
        response = httpx.get(server.url + ECU, headers=condition)
        assert response.status_code == 304 and response.content == b""
        assert response.headers["etag"] == first.headers["etag"]
        assert response.headers["vary"] == first.headers["vary"]


# --- odd paths: percent-encoded headers, 303 and 404, never a 500 or a dropped connection -------------------------


@pytest.mark.parametrize(
    ("target", "location"),
    [
        (b"/id/place/a%C3%B1o", b"/doc/place/a%C3%B1o"),
        (b"/id/%E4%B8%AD%E6%96%87", b"/doc/%E4%B8%AD%E6%96%87"),
        (b"/id/x%00y", b"/doc/x%00y"),
        (b"/id/a%25b%20c", b"/doc/a%25b%20c"),
    ],
)
def test_redirect_odd_identifier_with_percent_encoded_location(server: Server, target: bytes, location: bytes) -> None:
    status, headers = head_of(raw_get(server, target))
    assert (status, headers[b"location"]) == (303, location)


def test_inject_no_header_through_a_line_break_in_the_path(server: Server) -> None:
    status, headers = head_of(raw_get(server, b"/id/a%0D%0ASet-Cookie:%20x=1"))
    assert status == 404 and b"set-cookie" not in headers  # no route takes a path with a line break


@pytest.mark.parametrize(
    "target", [b"/doc/x%00.css", b"/doc/x.css", b"/doc/%E4%B8%AD.ttl", b"/doc/a%25b", b"/doc/place/a%C3%B1o"]
)
def test_answer_404_for_unknown_or_odd_document(server: Server, target: bytes) -> None:
    answer = raw_get(server, target)
    status, headers = head_of(answer)
    assert status == 404, answer
    assert all(32 <= byte < 127 for value in headers.values() for byte in value), headers
    body = answer.split(b"\r\n\r\n", 1)[1]
    assert b"CONSTRUCT" not in body and b"SELECT" not in body and b"PREFIX" not in body


# --- Host and the public URL -------------------------------------------------------------------------------------


def test_refuse_unknown_host_instead_of_echoing_it(server: Server) -> None:
    answer = raw_get(server, b"/sparql", host=b"evil.example")
    status, _ = head_of(answer)
    assert status == 400 and b"MIGKG_PUBLIC_URL" in answer and b"MIGKG_ALLOWED_HOSTS" in answer
    server.assert_serving()


@pytest.mark.parametrize("host", [b"127.0.0.1", b"localhost"])
def test_describe_endpoint_at_a_known_host(server: Server, host: bytes) -> None:
    port = str(urlsplit(server.url).port).encode()
    answer = raw_get(server, b"/sparql?format=nt", host=host + b":" + port)
    assert head_of(answer)[0] == 200
    assert b"<http://" + host + b":" + port + b"/sparql>" in answer


def test_describe_endpoint_at_public_url_whatever_the_host(published: Server) -> None:
    answer = raw_get(published, b"/sparql?format=nt", host=b"evil.example")
    assert head_of(answer)[0] == 200
    assert f"<{PUBLIC}/sparql>".encode() in answer and b"evil.example" not in answer
    status, headers = head_of(raw_get(published, ECU.encode(), host=b"evil.example"))
    assert status == 200 and headers[b"link"].startswith(f"<{PUBLIC}{ECU}.html>".encode())


# --- Retry-After and graph results for result-set clients ----------------------------------------------------------


def test_say_retry_after_when_a_query_times_out(strict_server: Server) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o . ?p ?q ?r }"
    response = httpx.get(strict_server.sparql, params={"query": query}, timeout=60)
    assert response.status_code == 503 and response.headers["retry-after"] == "5"


def test_construct_with_rdflib_sparqlstore_asking_for_json(server: Server) -> None:
    """rdflib's SPARQLStore sends ``Accept: application/sparql-results+json`` for every query form."""
    graph = rdflib.Graph(store=SPARQLStore(server.sparql, returnFormat="json"))
    constructed = set(graph.query(LABELS))
    turtle = httpx.get(server.sparql, params={"query": LABELS}, headers={"Accept": "text/turtle"}).text
    assert constructed and constructed == set(rdflib.Graph().parse(data=turtle, format="turtle"))
    assert len(list(graph.query(f"SELECT ?l WHERE {{ ?s <{prefixes.RDFS}label> ?l }} LIMIT 2"))) == 2
