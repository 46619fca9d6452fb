"""Reading curated TriG: facts stay in excerpt graphs; anything else is an error naming file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.pipeline.errors import BuildError
from server.pipeline.load import minted_excerpt_iri, read_curated, read_sources

HEADER = """@prefix mig: <https://w3id.org/migkg/def#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix event: <https://w3id.org/migkg/id/event/> .
@prefix source: <https://w3id.org/migkg/id/source/> .
@prefix excerpt: <https://w3id.org/migkg/excerpt/> .
"""

GOOD = """excerpt:ws-label { event:ws a mig:Workshop ; rdfs:label "The workshop"@en . }
excerpt:ws-label a mig:Excerpt ; oa:hasSource source:doc ;
    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "The workshop" ] .
"""


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "doc.trig"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_read_curated_separates_facts_from_excerpt_description(tmp_path: Path) -> None:
    curated = read_curated(write(tmp_path, GOOD))
    assert len(curated.facts) == 2
    assert {q.graph_name.value for q in curated.facts} == {"https://w3id.org/migkg/excerpt/ws-label"}
    [excerpt] = curated.excerpts
    assert excerpt.selector.exact == "The workshop"
    assert excerpt.source == "https://w3id.org/migkg/id/source/doc"


def test_read_curated_fact_in_default_graph_is_an_error_with_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "event:ws mig:participantCount 73 .\n")
    with pytest.raises(BuildError) as e:
        read_curated(path)
    [problem] = e.value.problems
    assert f"{path}:" in problem and "outside any excerpt graph" in problem


def test_read_curated_graph_without_description_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + 'excerpt:orphan { event:ws rdfs:label "x"@en . }\n')
    with pytest.raises(BuildError, match="has no excerpt description"):
        read_curated(path)


def test_read_curated_excerpt_without_quote_selector_is_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path, 'excerpt:e { event:ws rdfs:label "x"@en . }\nexcerpt:e a mig:Excerpt ; oa:hasSource source:doc .\n'
    )
    with pytest.raises(BuildError, match="one oa:hasSource and one TextQuoteSelector"):
        read_curated(path)


def test_read_curated_blank_graph_name_gets_a_minted_stable_iri(tmp_path: Path) -> None:
    body = GOOD.replace("excerpt:ws-label", "_:g")
    first = read_curated(write(tmp_path, body))
    second = read_curated(write(tmp_path, body))
    [excerpt] = first.excerpts
    assert excerpt.graph == second.excerpts[0].graph
    assert excerpt.graph.value.startswith("https://w3id.org/migkg/excerpt/doc-")
    assert {q.graph_name for q in first.facts} == {excerpt.graph}
    assert excerpt.graph == minted_excerpt_iri(excerpt.source, excerpt.selector)


def test_read_curated_accepts_a_context_only_excerpt_without_a_graph(tmp_path: Path) -> None:
    heading = (
        "excerpt:heading a mig:Excerpt ; oa:hasSource source:doc ;\n"
        '    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "WORKSHOP" ] .\n'
        "excerpt:ws-label mig:hasContext excerpt:heading .\n"
    )
    curated = read_curated(write(tmp_path, GOOD + heading))
    described = {e.graph.value.rsplit("/", 1)[-1]: e for e in curated.excerpts}
    assert set(described) == {"ws-label", "heading"}
    assert described["heading"].selector.exact == "WORKSHOP"
    assert {q.graph_name.value.rsplit("/", 1)[-1] for q in curated.facts} == {"ws-label"}


def test_read_curated_syntax_error_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "excerpt:e { event:ws rdfs:label  }\n")
    with pytest.raises(BuildError) as e:
        read_curated(path)
    assert str(path) in e.value.problems[0]


def test_read_sources_altered_text_fails_its_checksum(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("original", encoding="utf-8")
    (tmp_path / "sources.ttl").write_text(
        "@prefix mig: <https://w3id.org/migkg/def#> .\n"
        '<https://w3id.org/migkg/id/source/a> a mig:SourceDocument ; mig:fileName "a.txt" ;\n'
        '  mig:sha256 "0000000000000000000000000000000000000000000000000000000000000000" .\n',
        encoding="utf-8",
    )
    with pytest.raises(BuildError, match="sha256 is"):
        read_sources(tmp_path / "sources.ttl")
