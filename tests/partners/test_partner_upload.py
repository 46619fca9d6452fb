"""Reading a partner's upload: every accepted format, gzip, and errors a client can act on."""

from __future__ import annotations

import gzip
import hashlib
import json

import pyoxigraph as ox
import pytest

from server import prefixes
from server.partners.upload import UploadError, parse_upload

GRAPH = prefixes.GRAPH_PARTNER + "acme/programmes"
PROGRAMME = "https://example.org/agency/programme/1"
ITEM = prefixes.ID + "commitment/montevideo-2006/p25q"
EXPECTED = {
    ox.Triple(ox.NamedNode(PROGRAMME), ox.NamedNode(prefixes.RDF + "type"), ox.NamedNode(prefixes.MIG + "Practice")),
    ox.Triple(ox.NamedNode(PROGRAMME), ox.NamedNode(prefixes.MIG + "givesEffectTo"), ox.NamedNode(ITEM)),
}
TURTLE = f"""@prefix mig: <{prefixes.MIG}> .
<{PROGRAMME}> a mig:Practice ; mig:givesEffectTo <{ITEM}> .
"""
NTRIPLES = "".join(f"{t} .\n" for t in sorted(EXPECTED, key=str))
BODIES = {
    "text/turtle": TURTLE,
    "application/n-triples": NTRIPLES,
    "application/n-quads": "".join(f"{t} <{GRAPH}> .\n" for t in sorted(EXPECTED, key=str)),
    "application/trig": f"@prefix mig: <{prefixes.MIG}> .\n{{ <{PROGRAMME}> a mig:Practice ; "
    f"mig:givesEffectTo <{ITEM}> }}",
    "application/ld+json": json.dumps(
        {"@id": PROGRAMME, "@type": prefixes.MIG + "Practice", prefixes.MIG + "givesEffectTo": {"@id": ITEM}}
    ),
    "application/rdf+xml": f"""<rdf:RDF xmlns:rdf="{prefixes.RDF}" xmlns:mig="{prefixes.MIG}">
  <mig:Practice rdf:about="{PROGRAMME}"><mig:givesEffectTo rdf:resource="{ITEM}"/></mig:Practice>
</rdf:RDF>""",
}


@pytest.mark.parametrize("media_type", sorted(BODIES))
def test_parse_upload_reads_each_format(media_type: str) -> None:
    upload = parse_upload(BODIES[media_type].encode(), media_type, GRAPH)
    assert set(upload.triples) == EXPECTED
    assert upload.media_type == media_type
    assert upload.sha256 == hashlib.sha256(BODIES[media_type].encode()).hexdigest()


@pytest.mark.parametrize("content_type", ["text/turtle; charset=utf-8", "Text/Turtle", "application/x-trig"])
def test_parse_upload_accepts_parameters_case_and_aliases(content_type: str) -> None:
    body = BODIES["application/trig" if "trig" in content_type else "text/turtle"]
    assert set(parse_upload(body.encode(), content_type, GRAPH).triples) == EXPECTED


def test_parse_upload_gzip_is_decoded_and_hashed_as_sent_uncompressed() -> None:
    upload = parse_upload(gzip.compress(TURTLE.encode()), "text/turtle", GRAPH, content_encoding="gzip")
    assert set(upload.triples) == EXPECTED
    assert upload.sha256 == hashlib.sha256(TURTLE.encode()).hexdigest()


def test_parse_upload_resolves_relative_iris_against_the_graph() -> None:
    upload = parse_upload(b"<#me> <#p> <x> .", "text/turtle", GRAPH)
    assert {str(t) for t in upload.triples} == {f"<{GRAPH}#me> <{GRAPH}#p> <{prefixes.GRAPH_PARTNER}acme/x>"}


def test_parse_upload_keeps_literals_as_written() -> None:
    body = b'<https://e.org/a> <https://e.org/n> "01"^^<http://www.w3.org/2001/XMLSchema#integer> .'
    (triple,) = parse_upload(body, "application/n-triples", GRAPH).triples
    assert triple.object.value == "01"


def test_parse_upload_gives_blank_nodes_fresh_ids() -> None:
    body = b"_:b0 <https://e.org/p> _:b1 ."
    first = parse_upload(body, "application/n-triples", GRAPH).triples[0]
    second = parse_upload(body, "application/n-triples", GRAPH).triples[0]
    assert first.subject != second.subject


@pytest.mark.parametrize(
    ("media_type", "body", "where"),
    [
        (
            "text/turtle",
            f'@prefix mig: <{prefixes.MIG}> .\n<{PROGRAMME}> a mig:Practice ;\n  mig:name "x .\n',
            "line 3",
        ),
        ("application/n-triples", f"<{PROGRAMME}> <{prefixes.MIG}p> .\n", "line 1 column"),
        ("application/ld+json", '{"@id": "https://e.org/a",\n "https://e.org/p": 1', "line 2"),
        (
            "application/rdf+xml",
            f'<rdf:RDF xmlns:rdf="{prefixes.RDF}">\n<rdf:Description>\n</rdf:RDF>',
            "line 3, column",
        ),
    ],
)
def test_parse_upload_bad_rdf_says_where(media_type: str, body: str, where: str) -> None:
    with pytest.raises(UploadError, match="does not parse") as raised:
        parse_upload(body.encode(), media_type, GRAPH)
    assert raised.value.status == 400
    assert where in str(raised.value)


def test_parse_upload_trig_with_two_graphs_is_refused() -> None:
    body = (
        f"<{GRAPH}> {{ <https://e.org/a> <https://e.org/p> 1 }} "
        "<https://e.org/g> { <https://e.org/b> <https://e.org/p> 2 }"
    )
    with pytest.raises(UploadError, match="holds 2 graphs") as raised:
        parse_upload(body.encode(), "application/trig", GRAPH)
    assert raised.value.status == 400


def test_parse_upload_nquads_in_another_graph_than_the_request_names_is_refused() -> None:
    body = b"<https://e.org/a> <https://e.org/p> <https://e.org/b> <https://e.org/other> ."
    with pytest.raises(UploadError, match="but the request writes"):
        parse_upload(body, "application/n-quads", GRAPH)


def test_parse_upload_remote_jsonld_context_is_refused_not_fetched() -> None:
    body = json.dumps({"@context": "https://schema.org/", "@id": PROGRAMME, "name": "x"}).encode()
    with pytest.raises(UploadError, match="never fetched"):
        parse_upload(body, "application/ld+json", GRAPH)


def test_parse_upload_triple_terms_are_refused() -> None:
    body = b"<https://e.org/a> <https://e.org/p> <<( <https://e.org/a> <https://e.org/p> <https://e.org/b> )>> ."
    with pytest.raises(UploadError, match=r"RDF 1\.2 triple terms"):
        parse_upload(body, "text/turtle", GRAPH)


@pytest.mark.parametrize(
    ("content_type", "encoding", "status"),
    [
        (None, None, 415),
        ("text/html", None, 415),
        ("text/turtle; charset=iso-8859-1", None, 415),
        ("text/turtle", "br", 415),
        ("text/turtle", "gzip", 400),  # not gzip at all
    ],
)
def test_parse_upload_unsupported_request_gets_its_status(
    content_type: str | None, encoding: str | None, status: int
) -> None:
    with pytest.raises(UploadError) as raised:
        parse_upload(TURTLE.encode(), content_type, GRAPH, content_encoding=encoding)
    assert raised.value.status == status


def test_parse_upload_larger_than_the_limit_once_decompressed_is_413() -> None:
    bomb = gzip.compress(b"#" * 2_000_000)
    with pytest.raises(UploadError, match="larger than 1000000 bytes") as raised:
        parse_upload(bomb, "text/turtle", GRAPH, content_encoding="gzip", max_bytes=1_000_000)
    assert raised.value.status == 413


def test_parse_upload_truncated_gzip_is_400() -> None:
    with pytest.raises(UploadError, match="truncated"):
        parse_upload(gzip.compress(TURTLE.encode())[:-12], "text/turtle", GRAPH, content_encoding="gzip")
