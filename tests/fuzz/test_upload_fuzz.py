"""Graph Store uploads by a partner (its real token) with malformed, hostile or huge bodies: a clear 2xx or 4xx."""

from __future__ import annotations

import httpx
import pytest
from fuzzing import FuzzServer, assert_clear
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import UPLOAD_TYPES, odd_text, upload_bodies

from server import prefixes

pytestmark = [pytest.mark.http, pytest.mark.build, pytest.mark.fuzz, pytest.mark.xdist_group("fuzz")]

GRAPH = prefixes.GRAPH_PARTNER + "acme/fuzz"
UPLOADS = settings(settings.get_profile("fuzz"), max_examples=max(10, settings.get_profile("fuzz").max_examples // 2))


def upload(client: httpx.Client, server: FuzzServer, body: bytes, content_type: str, *, graph: str = GRAPH,
           method: str = "PUT", **headers: str) -> httpx.Response:  # fmt: skip
    sent = {**server.auth, **({"Content-Type": content_type} if content_type else {}), **headers}
    return client.request(method, "/graph-store", params={"graph": graph}, content=body, headers=sent)


@UPLOADS
@given(body=upload_bodies, content_type=st.sampled_from(UPLOAD_TYPES), method=st.sampled_from(("PUT", "POST")))
def test_upload_answers_clearly_whatever_the_body(
    client: httpx.Client, fuzz_server: FuzzServer, body: bytes, content_type: str, method: str
) -> None:
    assert_clear(upload(client, fuzz_server, body, content_type, method=method))


@UPLOADS
@given(graph=st.one_of(odd_text, st.sampled_from((GRAPH + "/../../other", prefixes.GRAPH_PARTNER + "bee/x", "",
                                                  "urn:x", "javascript:alert(1)", GRAPH + "%00"))))  # fmt: skip
def test_upload_answers_clearly_whatever_the_graph(client: httpx.Client, fuzz_server: FuzzServer, graph: str) -> None:
    assert_clear(upload(client, fuzz_server, b"<http://example.org/a> <http://example.org/b> 1 .",
                        "application/n-triples", graph=graph))  # fmt: skip


@pytest.mark.parametrize(
    ("body", "content_type", "encoding"),
    [
        ('<http://example.org/a> <http://example.org/b> "' + "x" * 900_000 + '" .', "application/n-triples", ""),
        ('<http://example.org/a> <http://example.org/b> "' + "x" * 2_000_000 + '" .', "application/n-triples", ""),
        ("<http://example.org/a> <http://example.org/b> <http://exa mple.org/> .", "application/n-triples", ""),
        ('{"@context": {"@vocab": "javascript:"}, "@id": "x", "p": "y"}', "application/ld+json", ""),
        (
            '{"@context": "http://example.org/remote-context.jsonld", "@id": "http://example.org/a"}',
            "application/ld+json",
            "",
        ),
        ("@prefix : <http://example.org/> . :a :b :c", "text/turtle", "gzip"),  # says gzip, is not
        (
            "<?xml version='1.0'?><!DOCTYPE r [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><r>&e;</r>",
            "application/rdf+xml",
            "",
        ),
    ],
    ids=["huge-literal", "over-the-cap", "bad-iri", "javascript-vocab", "remote-context", "false-gzip", "xxe"],
)
def test_upload_answers_clearly_hostile_documents(
    client: httpx.Client, fuzz_server: FuzzServer, body: str, content_type: str, encoding: str
) -> None:
    extra = {"Content-Encoding": encoding} if encoding else {}
    response = upload(client, fuzz_server, body.encode(), content_type, **extra)
    assert_clear(response)
    assert "root:" not in response.text  # no file was read into the answer


def test_upload_fuzzed_server_keeps_serving(fuzz_server: FuzzServer) -> None:
    fuzz_server.server.assert_serving()
