"""The Graph Store HTTP Protocol at /graph-store over real HTTP: reads for everyone, a partner's PUT/POST/DELETE of
its own graphs with the statuses the standard gives, every upload format and gzip, the gate's 422 with its report,
conditional writes, and publishing with curl.

Reading a partner graph back through the store (GET, /sparql) needs the store to serve partner graphs (helper B's
side of the agreed interface: workers reload partner graphs when ``PartnerStorage.generation()`` moves); what
the write did to durable storage is checked on ``PartnerStorage`` directly.
"""

from __future__ import annotations

import gzip
import json
import subprocess
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from partner_server import BAD, EXAMPLE, P25Q, PROGRAMME, PartnerServer, graph, parsed, programme

from server import prefixes
from server.release import Release

pytestmark = [pytest.mark.http, pytest.mark.build, pytest.mark.xdist_group("partner-writes")]

ONTOLOGY = prefixes.GRAPH_ONTOLOGY
EXCERPT = prefixes.EXCERPT + "gfmd-2011-ws-organised-hosted"
TURTLE = "text/turtle"


def triples(response: httpx.Response, fmt: ox.RdfFormat) -> list[ox.Quad]:
    assert response.status_code == 200, response.text
    return list(ox.parse(response.content, format=fmt))


# --- reading: everyone ---------------------------------------------------------------------------------------------

FORMATS = [
    ("text/turtle", ox.RdfFormat.TURTLE),
    ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/n-quads", ox.RdfFormat.N_QUADS),
    ("application/trig", ox.RdfFormat.TRIG),
    ("application/ld+json", ox.RdfFormat.JSON_LD),
    ("application/rdf+xml", ox.RdfFormat.RDF_XML),
]


@pytest.mark.parametrize(("media_type", "fmt"), FORMATS, ids=[m for m, _ in FORMATS])
def test_read_named_graph_in_each_format(
    partner_server: PartnerServer, release: Release, media_type: str, fmt: ox.RdfFormat
) -> None:
    response = httpx.get(partner_server.graph_store, params={"graph": EXCERPT}, headers={"Accept": media_type})
    assert response.headers["content-type"].startswith(media_type), response.text
    quads = triples(response, fmt)
    assert len(quads) == release.metadata.graphs[EXCERPT]  # the passage's facts
    if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
        assert {q.graph_name for q in quads} == {ox.NamedNode(EXCERPT)}


def test_read_default_graph_as_the_union(partner_server: PartnerServer) -> None:
    response = httpx.get(partner_server.graph_store + "?default", headers={"Accept": "application/n-triples"})
    union = {q.triple for q in triples(response, ox.RdfFormat.N_TRIPLES)}
    ontology = httpx.get(partner_server.graph_store, params={"graph": ONTOLOGY}, headers={"Accept": TURTLE})
    assert {q.triple for q in triples(ontology, ox.RdfFormat.TURTLE)} < union


def test_head_graph_answers_headers_without_body(partner_server: PartnerServer) -> None:
    response = httpx.head(partner_server.graph_store, params={"graph": ONTOLOGY})
    assert response.status_code == 200 and response.content == b""
    assert response.headers["content-type"].startswith(TURTLE)


def test_read_missing_graph_is_404(partner_server: PartnerServer) -> None:
    response = httpx.get(partner_server.graph_store, params={"graph": "https://example.org/no-such-graph"})
    assert response.status_code == 404 and "no graph" in response.text


@pytest.mark.parametrize(
    "query",
    ["", "?graph=a&graph=b", f"?default&graph={ONTOLOGY}", "?graph=not%20an%20iri", "?graph=relative/iri"],
    ids=["neither", "two-graphs", "both", "not-an-iri", "relative"],
)
def test_read_without_exactly_one_graph_is_400(partner_server: PartnerServer, query: str) -> None:
    response = httpx.get(partner_server.graph_store + query)
    assert response.status_code == 400, response.text
    partner_server.server.assert_serving()


def test_read_in_unoffered_format_is_406(partner_server: PartnerServer) -> None:
    response = httpx.get(partner_server.graph_store, params={"graph": ONTOLOGY}, headers={"Accept": "image/png"})
    assert response.status_code == 406 and "text/turtle" in response.text


# --- writing: a partner's own graphs ---------------------------------------------------------------------------------


def test_put_example_upload_creates_graph_with_location(partner_server: PartnerServer) -> None:
    """The issue's example: a practice giving effect to Montevideo item 25 q) (which the release has)."""
    target = graph("programmes")
    response = partner_server.put(target, EXAMPLE)
    assert response.status_code == 201, response.text
    assert response.headers["location"].endswith("/graph-store?graph=" + target.replace(":", "%3A").replace("/", "%2F"))
    assert partner_server.stored("programmes") == parsed(EXAMPLE)
    assert response.headers["etag"] == f'"{partner_server.storage.graphs()[target].version}"'
    report = httpx.get(response.headers["link"].split(";")[0].strip("<>"), headers={"Accept": TURTLE})
    assert report.status_code == 200 and "sh:conforms true" in report.text.replace("\t", " ")


def test_put_accepted_is_visible_in_the_very_next_query(partner_server: PartnerServer) -> None:
    """Needs the store to serve partner graphs (helper B): the first query after the 2xx sees the write."""
    target = graph("visible")
    assert partner_server.put(target, EXAMPLE).status_code == 201
    ask = f"ASK {{ GRAPH <{target}> {{ <{PROGRAMME}> <{prefixes.MIG}givesEffectTo> <{P25Q}> }} }}"
    assert partner_server.ask(ask)
    response = httpx.get(partner_server.graph_store, params={"graph": target}, headers={"Accept": TURTLE})
    assert {q.triple for q in triples(response, ox.RdfFormat.TURTLE)} == parsed(EXAMPLE)


def test_put_existing_graph_replaces_it_with_204(partner_server: PartnerServer) -> None:
    target = graph("replaced")
    assert partner_server.put(target, programme(1)).status_code == 201
    response = partner_server.put(target, programme(2))
    assert response.status_code == 204, response.text
    assert partner_server.stored("replaced") == parsed(programme(2))


def test_post_merges_into_graph_and_creates_a_new_one(partner_server: PartnerServer) -> None:
    target = graph("merged")
    created = partner_server.send("POST", target, programme(1))
    assert created.status_code == 201 and "location" in created.headers
    merged = partner_server.send("POST", target, programme(2))
    assert merged.status_code == 204, merged.text
    assert partner_server.stored("merged") == parsed(programme(1)) | parsed(programme(2))


def test_delete_graph_is_204_then_404(partner_server: PartnerServer) -> None:
    target = graph("deleted")
    assert partner_server.put(target, programme(1)).status_code == 201
    first = httpx.delete(partner_server.graph_store, params={"graph": target}, headers=partner_server.auth())
    assert first.status_code == 204, first.text
    assert target not in partner_server.storage.graphs()
    again = httpx.delete(partner_server.graph_store, params={"graph": target}, headers=partner_server.auth())
    assert again.status_code == 404 and target in again.text


def upload_in(fmt: ox.RdfFormat, target: str) -> bytes:
    """Programme 7 serialized in ``fmt``; N-Quads and TriG put it in the graph the URL names."""
    quads = [
        ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(target) if fmt.supports_datasets else ox.DefaultGraph())
        for t in parsed(programme(7))
    ]
    return ox.serialize(quads, format=fmt) or b""


@pytest.mark.parametrize("gzipped", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize(("media_type", "fmt"), FORMATS, ids=[m.split("/")[1] for m, _ in FORMATS])
def test_put_accepts_each_upload_format(
    partner_server: PartnerServer, media_type: str, fmt: ox.RdfFormat, gzipped: bool
) -> None:
    name = f"format-{media_type.split('/')[1].replace('+', '-')}-{'gz' if gzipped else 'plain'}"
    target = graph(name)
    body = upload_in(fmt, target)
    extra = {"Content-Encoding": "gzip"} if gzipped else {}
    response = partner_server.put(target, gzip.compress(body) if gzipped else body, media_type, **extra)
    assert response.status_code == 201, response.text
    assert partner_server.stored(name) == parsed(programme(7))


@pytest.mark.parametrize(
    ("content_type", "encoding", "words"),
    [
        ("text/plain", None, "Unsupported Content-Type"),
        ("application/sparql-results+json", None, "accepted: text/turtle"),
        ("text/turtle", "br", "Content-Encoding"),
        ("text/turtle; charset=latin1", None, "charset"),
    ],
    ids=["text-plain", "results-json", "brotli", "latin1"],
)
def test_put_unsupported_media_type_is_415(
    partner_server: PartnerServer, content_type: str, encoding: str | None, words: str
) -> None:
    extra = {"Content-Encoding": encoding} if encoding else {}
    response = partner_server.put(graph("unsupported"), programme(1), content_type, **extra)
    assert response.status_code == 415 and words in response.text


@pytest.mark.parametrize(
    ("content_type", "body", "where"),
    [
        ("text/turtle", b"<https://example.org/a> <https://example.org/b> .\n", "line 1"),
        (
            "application/n-triples",
            b"<https://example.org/a> <https://example.org/b> <https://example.org/c> .\n<x",
            "line 2",
        ),
        ("application/ld+json", b'{"@id": "https://example.org/a",\n "x": ', "line 2"),
        ("application/rdf+xml", b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>\n<oops>", "line 2"),
    ],
    ids=["turtle", "n-triples", "json-ld", "rdf-xml"],
)
def test_put_unparsable_rdf_is_400_with_line_and_column(
    partner_server: PartnerServer, content_type: str, body: bytes, where: str
) -> None:
    generation = partner_server.storage.generation()
    response = partner_server.put(graph("unparsable"), body, content_type)
    assert response.status_code == 400 and where in response.text, response.text
    assert partner_server.storage.generation() == generation


def test_put_over_the_size_cap_is_413(partner_server: PartnerServer) -> None:
    big = programme(1) + "\n#" + "x" * 1_100_000
    assert partner_server.put(graph("big"), big).status_code == 413
    bomb = gzip.compress(b"#" + b" " * 5_000_000)  # 5 MB of spaces: a few kB sent
    response = partner_server.put(graph("big"), bomb, **{"Content-Encoding": "gzip"})
    assert response.status_code == 413 and "decompressed" in response.text
    partner_server.server.assert_serving()


def test_put_not_conforming_is_422_with_report_and_changes_nothing(partner_server: PartnerServer) -> None:
    target = graph("rejected")
    assert partner_server.put(target, programme(1)).status_code == 201
    before = (partner_server.storage.generation(), partner_server.stored("rejected"))
    response = partner_server.put(target, BAD)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(TURTLE)
    report = ox.parse(response.content, format=ox.RdfFormat.TURTLE)
    assert any(
        q.predicate.value == prefixes.SH + "resultSeverity" and q.object.value.endswith("Violation") for q in report
    )
    assert (partner_server.storage.generation(), partner_server.stored("rejected")) == before
    kept = response.headers["location"]
    assert "/graph-store/reports/" in kept and kept in response.headers["link"]
    as_turtle = httpx.get(kept, headers={"Accept": TURTLE})
    assert as_turtle.status_code == 200 and "givesEffectTo" in as_turtle.text
    as_json = httpx.get(kept, headers={"Accept": "application/json"})
    assert as_json.status_code == 200 and json.loads(as_json.text)


def test_put_not_conforming_answers_report_in_json_when_asked(partner_server: PartnerServer) -> None:
    response = partner_server.put(graph("rejected-json"), BAD, Accept="application/json")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/json")
    assert "Violation" in json.dumps(json.loads(response.text))


def test_unknown_report_is_404(partner_server: PartnerServer) -> None:
    for report_id in ("20260101T000000Z-000000000000", "..%2Fpartners.json"):
        assert httpx.get(partner_server.graph_store + "/reports/" + report_id).status_code == 404


def test_conditional_writes_need_the_version_they_name(partner_server: PartnerServer) -> None:
    target = graph("conditional")
    created = partner_server.put(target, programme(1), **{"If-None-Match": "*"})
    assert created.status_code == 201, created.text
    assert partner_server.put(target, programme(2), **{"If-None-Match": "*"}).status_code == 412
    assert partner_server.put(target, programme(2), **{"If-Match": '"0123456789abcdef"'}).status_code == 412
    replaced = partner_server.put(target, programme(2), **{"If-Match": created.headers["etag"]})
    assert replaced.status_code == 204, replaced.text
    stale = httpx.delete(
        partner_server.graph_store,
        params={"graph": target},
        headers={**partner_server.auth(), "If-Match": created.headers["etag"]},
    )
    assert stale.status_code == 412
    assert partner_server.stored("conditional") == parsed(programme(2))


def test_publish_with_curl(partner_server: PartnerServer, tmp_path: Path) -> None:
    """What the README shows: curl PUT of a Turtle file, then curl DELETE."""
    upload = tmp_path / "programmes.ttl"
    upload.write_text(programme(5), encoding="utf-8")
    target = graph("curl")
    url = f"{partner_server.graph_store}?graph={target}"
    auth = f"Authorization: Bearer {partner_server.tokens['acme']}"
    put = ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT", "-H", auth,
           "-H", "Content-Type: text/turtle", "--data-binary", f"@{upload}", url]  # fmt: skip
    assert subprocess.run(put, capture_output=True, text=True, check=True, timeout=180).stdout == "201"
    assert partner_server.stored("curl") == parsed(programme(5))
    delete = ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "DELETE", "-H", auth, url]
    assert subprocess.run(delete, capture_output=True, text=True, check=True, timeout=60).stdout == "204"
    assert target not in partner_server.storage.graphs()
