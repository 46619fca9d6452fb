"""Partner graphs where readers look — in process, over the repository's own built release with a partner storage
beside it, written straight through ``PartnerStorage`` (tests/partner_graphs.py): conditional requests, the Service
Description, VoID, the partner dump, search, browse facets, entity pages and the agencies' pages."""

from __future__ import annotations

import gzip
import hashlib
import re
import warnings
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
from partner_graphs import GIVES_EFFECT, ITEM, LABEL, ONM, PROGRAMME, PROGRAMMES, TOPIC, publish, withdraw

from server import prefixes
from server.partners.storage import PartnerStorage
from server.release import Release
from server.settings import Settings
from server.store.embedded import EmbeddedStore
from server.web.app import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.build

ITEM_PAGE = "/doc/" + ITEM.removeprefix(prefixes.ID)
AGENT = ox.NamedNode(ONM.iri)
SD, VOID, DCTERMS = prefixes.SD, prefixes.VOID, prefixes.DCTERMS
HOSTILE = f"""
<javascript:alert(1)> a <{prefixes.MIG}Practice> ;
    <{prefixes.RDFS}label> "<script>alert(1)</script>" ;
    <{prefixes.MIG}givesEffectTo> <{ITEM}> .
<{ITEM}> <{prefixes.RDFS}seeAlso> <javascript:alert(2)> ;
    <{prefixes.RDFS}comment> "<img src=x onerror=alert(3)>"@en .
"""


@pytest.fixture(scope="module")
def settings(repo_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return repo_settings.model_copy(update={"state_dir": tmp_path_factory.mktemp("partner-state")})


@pytest.fixture(scope="module")
def client(release: Release, settings: Settings) -> Iterator[TestClient]:
    store = EmbeddedStore(release.snapshot, settings.partner_graphs_dir)
    with TestClient(create_app(settings, store, release=release)) as test_client:
        yield test_client


@pytest.fixture
def partners(settings: Settings) -> Iterator[Path]:
    """The partner storage the app serves; every graph a test publishes is withdrawn after it."""
    root = settings.partner_graphs_dir
    yield root
    for graph in PartnerStorage(root).graphs():
        withdraw(root, graph)


def rdf(client: TestClient, path: str) -> ox.Store:
    response = client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 200, response.text
    store = ox.Store()
    store.load(response.content, format=ox.RdfFormat.TURTLE)
    return store


def objects(store: ox.Store, subject: ox.NamedNode | ox.BlankNode, predicate: str) -> list[ox.Term]:
    return [q.object for q in store.quads_for_pattern(subject, ox.NamedNode(predicate), None)]


def integer(term: ox.Term) -> int:
    assert isinstance(term, ox.Literal)
    return int(term.value)


# --- conditional requests ---------------------------------------------------------------------------------------


def test_revalidate_after_partner_write_gets_the_new_answer(client: TestClient, partners: Path) -> None:
    before = client.get(ITEM_PAGE)
    etag = before.headers["etag"]
    assert client.get(ITEM_PAGE, headers={"If-None-Match": etag}).status_code == 304
    publish(partners, GIVES_EFFECT)
    after = client.get(ITEM_PAGE, headers={"If-None-Match": etag})
    assert after.status_code == 200 and LABEL in after.text
    assert after.headers["etag"] != etag
    assert client.get(ITEM_PAGE, headers={"If-None-Match": after.headers["etag"]}).status_code == 304
    withdraw(partners)
    assert client.get(ITEM_PAGE, headers={"If-None-Match": after.headers["etag"]}).status_code == 200


def test_last_modified_moves_to_the_last_partner_write(client: TestClient, partners: Path, release: Release) -> None:
    """HTTP dates count whole seconds: a write in the release's second cannot be told from it by date alone (the
    ETag tells them apart), so the dates asked about are the commit's and the second before it."""
    publish(partners, GIVES_EFFECT)
    committed = PartnerStorage(partners).committed_at()
    assert committed is not None
    modified = max(committed, datetime.fromisoformat(release.metadata.created))
    response = client.get(ITEM_PAGE)
    assert response.headers["last-modified"] == format_datetime(modified, usegmt=True)
    earlier = format_datetime(committed - timedelta(seconds=1), usegmt=True)
    assert client.get(ITEM_PAGE, headers={"If-Modified-Since": earlier}).status_code == 200
    same = {"If-Modified-Since": response.headers["last-modified"]}
    assert client.get(ITEM_PAGE, headers=same).status_code == 304


# --- Service Description, VoID, dumps ---------------------------------------------------------------------------


def test_service_description_lists_partner_graph_with_size_agency_and_date(client: TestClient, partners: Path) -> None:
    publish(partners, GIVES_EFFECT)
    sd = rdf(client, "/sparql")
    (named,) = [q.subject for q in sd.quads_for_pattern(None, ox.NamedNode(SD + "name"), ox.NamedNode(PROGRAMMES))]
    assert objects(sd, named, prefixes.RDF + "type") == [ox.NamedNode(SD + "NamedGraph")]
    (graph,) = objects(sd, named, SD + "graph")
    assert isinstance(graph, ox.BlankNode)
    assert [integer(n) for n in objects(sd, graph, VOID + "triples")] == [4]
    assert objects(sd, graph, DCTERMS + "publisher") == [AGENT]
    assert objects(sd, AGENT, prefixes.RDFS + "label") == [ox.Literal(ONM.name)]
    assert [t.value for t in objects(sd, graph, DCTERMS + "modified")] == ["2026-03-14T09:26:53Z"]
    names = {q.object for q in sd.quads_for_pattern(None, ox.NamedNode(SD + "name"), None)}
    assert ox.NamedNode(prefixes.GRAPH_PARTNER_PROVENANCE) in names


def test_void_counts_partner_graphs_in_totals_and_lists_each_as_subset(
    client: TestClient, partners: Path, release: Release
) -> None:
    dataset = ox.NamedNode(prefixes.BASE + "dataset")
    before = integer(objects(rdf(client, "/.well-known/void"), dataset, VOID + "triples")[0])
    assert before == release.metadata.triples
    publish(partners, GIVES_EFFECT)
    void = rdf(client, "/.well-known/void")
    sizes = {g: n.triples for g, n in PartnerStorage(partners).graphs().items()}
    provenance = len({q.triple for q in PartnerStorage(partners).quads() if q.graph_name.value.endswith("provenance")})
    assert integer(objects(void, dataset, VOID + "triples")[0]) == before + sizes[PROGRAMMES] + provenance
    subset = ox.NamedNode(PROGRAMMES)
    assert subset in objects(void, dataset, VOID + "subset")
    assert [integer(n) for n in objects(void, subset, VOID + "triples")] == [4]
    assert objects(void, subset, DCTERMS + "publisher") == [AGENT]
    assert ox.NamedNode("http://testserver/download/partners.trig.gz") in objects(void, dataset, VOID + "dataDump")
    (modified,) = objects(void, dataset, DCTERMS + "modified")  # the release's: the partner graph is older
    assert datetime.fromisoformat(modified.value) == datetime.fromisoformat(release.metadata.created)


def test_download_page_lists_partner_dump_with_size_and_checksum(
    client: TestClient, partners: Path, settings: Settings
) -> None:
    assert "No partner agency publishes" in client.get("/download").text
    commit = publish(partners, GIVES_EFFECT)
    page = client.get("/download").text
    dump = client.get("/download/partners.trig.gz")
    assert dump.status_code == 200 and dump.headers["x-migkg-partner-generation"] == str(commit.generation)
    assert f"<td>{len(dump.content)}</td>" in page
    assert f"<code>{hashlib.sha256(dump.content).hexdigest()}</code>" in page
    assert f"partner graphs of generation {commit.generation}" in page
    served = ox.Dataset(ox.parse(gzip.decompress(dump.content), format=ox.RdfFormat.TRIG))
    stored = ox.Dataset(PartnerStorage(partners).quads())
    stored.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    served.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    assert served == stored
    assert list((settings.partner_cache_dir / "dumps").glob(f"partners-{commit.generation:08d}.trig.gz"))


# --- search and facets ------------------------------------------------------------------------------------------


def test_search_finds_partner_entity_by_label_until_withdrawn(client: TestClient, partners: Path) -> None:
    assert client.get("/api/search", params={"q": "retorno asistido"}).json()["total"] == 0
    publish(partners, GIVES_EFFECT)
    body = client.get("/api/search", params={"q": "retorno asistido"}).json()
    assert [(hit["iri"], hit["label"], hit["page"]) for hit in body["results"]] == [(PROGRAMME, LABEL, PROGRAMME)]
    assert {t["type"]: t["count"] for t in body["types"]} == {prefixes.MIG + "Practice": 1}
    assert LABEL in client.get("/search", params={"q": "retorno"}).text
    withdraw(partners)
    assert client.get("/api/search", params={"q": "retorno asistido"}).json()["total"] == 0


def test_search_adds_partner_names_to_our_entity(client: TestClient, partners: Path) -> None:
    publish(partners, f'<{ITEM}> <{prefixes.SKOS}altLabel> "retorno voluntario asistido"@es .')
    body = client.get("/api/search", params={"q": "retorno voluntario asistido"}).json()
    assert [hit["iri"] for hit in body["results"]] == [ITEM]


def test_browse_facets_include_partner_practice(client: TestClient, partners: Path) -> None:
    params = {"type": "mig:Practice", "topic": TOPIC}
    before = client.get("/api/browse", params=params).json()
    publish(partners, GIVES_EFFECT)
    after = client.get("/api/browse", params=params).json()
    assert after["total"] == before["total"] + 1
    assert PROGRAMME in {hit["iri"] for hit in after["results"]}


# --- entity pages, agencies' pages ------------------------------------------------------------------------------


def test_item_page_lists_partner_programme_referring_to_it_with_badge(client: TestClient, partners: Path) -> None:
    publish(partners, GIVES_EFFECT)
    page = client.get(ITEM_PAGE).text
    referred = page[page.index('id="in"') :]
    assert re.search(
        rf'<dd><a href="{PROGRAMME}">{LABEL}</a> <a class="badge partner" href="/partners/onm#graph-programmes" '
        rf'title="stated by {ONM.name} on 2026-03-14">{ONM.name}</a></dd>',
        referred,
    ), referred[:3000]


def test_partner_statement_about_our_entity_says_who_stated_it_and_when(client: TestClient, partners: Path) -> None:
    publish(partners, f'<{ITEM}> <{prefixes.RDFS}comment> "Puesto en práctica por el programa 1"@es .')
    page = client.get(ITEM_PAGE).text
    fact = page[page.index("Puesto en práctica") :]
    fact = fact[: fact.index("</dd>")]
    assert 'class="badge partner" href="/partners/onm#graph-programmes"' in fact
    assert (
        f'Stated by <a href="/partners/onm#graph-programmes">{ONM.name}</a> on '
        '<time datetime="2026-03-14T09:26:53Z">2026-03-14</time>'
    ) in fact
    assert f'<a href="/graph-store?graph={PROGRAMMES.replace(":", "%3A")}">' in fact
    assert "<blockquote>" not in fact


def test_partners_page_describes_each_graph_with_its_provenance(client: TestClient, partners: Path) -> None:
    publish(partners, GIVES_EFFECT)
    stored = PartnerStorage(partners).graphs()[PROGRAMMES]
    page = client.get("/partners/onm")
    assert page.status_code == 200
    assert ONM.name in page.text and 'id="graph-programmes"' in page.text and "<td>4</td>" in page.text
    sha = next(q.object.value for q in PartnerStorage(partners).quads() if q.predicate.value.endswith("checksumValue"))
    assert sha in page.text and stored.triples == 4
    assert '<a href="/partners/onm">' in client.get("/partners").text
    assert client.get("/partners/nobody").status_code == 404


def test_partner_literals_are_escaped_and_javascript_iris_never_linked(client: TestClient, partners: Path) -> None:
    publish(partners, HOSTILE)
    pages = {
        "entity": client.get(ITEM_PAGE).text,
        "search": client.get("/search", params={"q": "script alert"}).text,
        "browse": client.get("/browse", params={"type": "mig:Practice", "topic": TOPIC}).text
        + client.get("/browse", params={"type": "mig:Practice"}).text,
        "partners": client.get("/partners/onm").text,
        "commitments": client.get("/commitments").text,
    }
    for name, html in pages.items():
        assert "<script>alert" not in html and "<img src=x" not in html, name
        assert not re.search(r"""href\s*=\s*["']?\s*javascript:""", html, re.IGNORECASE), name
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["entity"]
    assert "&lt;img src=x onerror=alert(3)&gt;" in pages["entity"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["search"]


def test_partitions_at_the_endpoint_count_a_partner_graph_from_its_commit(client: TestClient, partners: Path) -> None:
    """graph/void is computed again when the partner graphs change: a partner's practice and its property count."""
    practice, gives_effect = prefixes.MIG + "Practice", prefixes.MIG + "givesEffectTo"

    def counts() -> dict[str, int]:
        query = prefixes.sparql_header(("void",)) + (
            f"SELECT ?term ?n WHERE {{ GRAPH <{prefixes.GRAPH_VOID}> {{ {{ <{prefixes.DATASET}> void:classPartition "
            "?c . ?c void:class ?term ; void:entities ?n } UNION "
            f"{{ <{prefixes.DATASET}> void:propertyPartition ?p . ?p void:property ?term ; void:triples ?n }} }} "
            f"FILTER(?term IN (<{practice}>, <{gives_effect}>)) }}"
        )
        response = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
        return {term: int(n) for term, n in (line.split(",") for line in response.text.split()[1:])}

    before = counts()
    publish(partners, GIVES_EFFECT)
    after = counts()
    assert after[practice] == before[practice] + 1
    assert after[gives_effect] == before.get(gives_effect, 0) + 1
    withdraw(partners)
    assert counts() == before
