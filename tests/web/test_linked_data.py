"""Dereferenceable IRIs, entity pages with evidence, VoID, downloads and conditional GETs — in process, over
the repository's own built release."""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import re
import warnings
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
import pytest

from server import media, prefixes
from server.release import Release
from server.store.embedded import EmbeddedStore

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

pytestmark = [pytest.mark.build, pytest.mark.backends]

WORKSHOP = "event/gfmd-2011-san-salvador-workshop"


def test_id_iri_answers_303_to_its_document(client: TestClient) -> None:
    response = client.get(f"/id/{WORKSHOP}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/doc/{WORKSHOP}"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/html", media.HTML),
        ("text/turtle", "text/turtle"),
        ("application/n-triples", "application/n-triples"),
        ("application/ld+json", "application/ld+json"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("text/turtle;q=0.5, application/rdf+xml", "application/rdf+xml"),
        ("*/*", media.HTML),
    ],
)
def test_document_negotiates_its_format(client: TestClient, accept: str, expected: str) -> None:
    response = client.get(f"/doc/{WORKSHOP}", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(expected)
    assert "Accept" in response.headers["vary"]
    assert response.headers["content-location"].startswith("http://testserver/doc/" + WORKSHOP + ".")


@pytest.mark.parametrize(("suffix", "fmt"), [("ttl", ox.RdfFormat.TURTLE), ("nt", ox.RdfFormat.N_TRIPLES),
                                             ("rdf", ox.RdfFormat.RDF_XML)])  # fmt: skip
def test_document_suffix_gives_parseable_rdf_about_the_entity(
    client: TestClient, suffix: str, fmt: ox.RdfFormat
) -> None:
    response = client.get(f"/doc/{WORKSHOP}.{suffix}", headers={"Accept": "text/html"})
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(response.content, format=fmt)]
    entity = ox.NamedNode(prefixes.ID + WORKSHOP)
    place = ox.NamedNode(prefixes.ID + "place/san-salvador")
    assert ox.Triple(entity, ox.NamedNode(prefixes.MIG + "heldIn"), place) in triples
    assert any(t.subject == place and t.predicate.value == prefixes.RDFS + "label" for t in triples)


def test_document_advertises_every_variant_with_link_alternate(client: TestClient) -> None:
    link = client.get(f"/doc/{WORKSHOP}").headers["link"]
    for suffix, media_type in [("html", "text/html"), ("ttl", "text/turtle"), ("jsonld", "application/ld+json")]:
        assert f'<http://testserver/doc/{WORKSHOP}.{suffix}>; rel="alternate"; type="{media_type}"' in link


def test_jsonld_uses_the_published_context_and_keeps_language_tags(client: TestClient) -> None:
    document = client.get(f"/doc/{WORKSHOP}.jsonld").json()
    assert document["@context"] == "http://testserver" + media.JSON_LD_CONTEXT_PATH
    context = client.get(media.JSON_LD_CONTEXT_PATH).json()["@context"]
    assert context == prefixes.PREFIXES
    expanded = json.dumps(document)
    assert '"@language": "en"' in expanded and "event:gfmd-2011-san-salvador-workshop" in expanded


def test_document_of_unknown_entity_is_404(client: TestClient) -> None:
    for accept in ("text/html", "text/turtle"):
        assert client.get("/doc/event/no-such-event", headers={"Accept": accept}).status_code == 404


def test_document_with_unacceptable_type_is_406(client: TestClient) -> None:
    response = client.get(f"/doc/{WORKSHOP}", headers={"Accept": "image/png"})
    assert response.status_code == 406 and "text/turtle" in response.text


def test_entity_page_shows_each_fact_with_its_quote_and_source(client: TestClient) -> None:
    page = client.get(f"/doc/{WORKSHOP}", headers={"Accept": "text/html"}).text
    assert "<h1" in page and "Thematic Workshop on Cooperation Strategies" in page
    assert "How do we know this?" in page
    assert "&lt;i&gt;Organized and hosted by:&lt;/i&gt;\tGovernment of El Salvador" in page  # the quote, escaped
    assert "characters 270–327" in page
    assert 'href="/doc/organisation/slv-government"' in page


def test_entity_page_label_follows_accept_language_and_lang_switch(client: TestClient) -> None:
    english = client.get("/doc/country/nld", headers={"Accept": "text/html", "Accept-Language": "en"}).text
    spanish = client.get("/doc/country/nld", headers={"Accept": "text/html", "Accept-Language": "es-ES,en;q=0.5"}).text
    french = client.get("/doc/country/nld?lang=fr", headers={"Accept": "text/html", "Accept-Language": "es"}).text
    assert '<h1 lang="en">Netherlands</h1>' in english
    assert '<h1 lang="es">Países Bajos</h1>' in spanish
    assert '<h1 lang="fr">Pays-Bas</h1>' in french


def test_entity_page_lists_incoming_relations_with_counts(client: TestClient) -> None:
    page = client.get("/doc/organisation/iom", headers={"Accept": "text/html"}).text
    assert "Referred to by" in page and "with collaboration from" in page


def test_revalidation_with_the_etag_answers_304(client: TestClient, release: Release) -> None:
    first = client.get(f"/doc/{WORKSHOP}.ttl")
    etag = first.headers["etag"]
    assert release.id in etag and first.headers["last-modified"]
    again = client.get(f"/doc/{WORKSHOP}.ttl", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other = client.get(f"/doc/{WORKSHOP}.nt", headers={"If-None-Match": etag})
    assert other.status_code == 200


def test_revalidation_with_if_modified_since_answers_304(client: TestClient) -> None:
    modified = client.get("/.well-known/void").headers["last-modified"]
    assert client.get("/.well-known/void", headers={"If-Modified-Since": modified}).status_code == 304


def test_void_describes_partitions_linksets_dumps_endpoint_and_licence(client: TestClient, release: Release) -> None:
    response = client.get("/.well-known/void", headers={"Accept": "application/n-triples"})
    triples = list(ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))
    void = prefixes.VOID

    def objects(predicate: str) -> set[str]:
        return {str(t.object.value) for t in triples if t.predicate.value == void + predicate}

    assert objects("sparqlEndpoint") == {"http://testserver/sparql"}
    assert objects("dataDump") == {"http://testserver/download/migkg.trig.gz", "http://testserver/download/migkg.nq.gz"}
    assert prefixes.MIG + "Workshop" in objects("class")
    assert prefixes.MIG + "organisedBy" in objects("property")
    assert {prefixes.WD, prefixes.GEONAMES} <= objects("objectsTarget")
    assert str(release.metadata.triples) in objects("triples")
    assert any(t.predicate.value == prefixes.DCTERMS + "license" for t in triples)


def test_download_serves_dumps_matching_their_published_checksums(client: TestClient, release: Release) -> None:
    listing = client.get("/download").text
    for name in ("migkg.trig.gz", "migkg.nq.gz"):
        info = release.metadata.files[f"dumps/{name}"]
        assert info.sha256 in listing
        body = client.get(f"/download/{name}").content
        assert hashlib.sha256(body).hexdigest() == info.sha256
        assert gzip.decompress(body)
    assert client.get("/download/../snapshot.nq").status_code == 404
    assert client.get("/download/secrets.txt").status_code == 404


def test_ontology_namespace_serves_html_documentation_of_every_term(client: TestClient) -> None:
    page = client.get("/def", headers={"Accept": "text/html"}).text
    for term in ("Workshop", "organisedBy", "startDate", "roleObserver"):
        assert f'id="{term}"' in page
    assert "subclass of" in page and 'href="#Event"' in page
    spanish = client.get("/def?lang=es", headers={"Accept": "text/html"}).text
    assert "taller" in spanish


@pytest.mark.parametrize("path", ["/def", "/def/0.1.0", "/def.ttl"])
def test_ontology_namespace_serves_the_ontology_graph_as_rdf(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"Accept": "text/turtle"})
    triples = {(q.subject.value, q.predicate.value) for q in ox.parse(response.content, format=ox.RdfFormat.TURTLE)}
    assert (prefixes.ONTOLOGY_IRI, prefixes.OWL + "versionIRI") in triples
    assert (prefixes.MIG + "Workshop", prefixes.RDFS + "subClassOf") in triples


def test_home_page_offers_the_search_box(client: TestClient) -> None:
    page = client.get("/").text
    assert 'action="/search"' in page and 'name="q"' in page


def test_search_api_finds_entities_by_label_acronym_and_quote_without_accents(client: TestClient) -> None:
    senami = client.get("/api/search", params={"q": "secretaria nacional migrante"}).json()
    assert senami["results"][0]["iri"].endswith("/organisation/ecu-senami")
    assert senami["results"][0]["page"] == "/doc/organisation/ecu-senami"
    by_acronym = client.get("/api/search", params={"q": "PICUM"}).json()
    assert by_acronym["results"][0]["iri"].endswith("/organisation/picum")
    by_quote = client.get("/api/search", params={"q": "genetic information bank"}).json()
    assert by_quote["total"] >= 1


def test_search_api_filters_by_type_with_counts(client: TestClient) -> None:
    everything = client.get("/api/search", params={"q": "migration"}).json()
    laws = client.get("/api/search", params={"q": "migration", "type": prefixes.MIG + "Law"}).json()
    law_count = next(t["count"] for t in everything["types"] if t["type"] == prefixes.MIG + "Law")
    assert 0 < laws["total"] == law_count < everything["total"]


def test_search_page_works_without_javascript_and_highlights_matches(client: TestClient) -> None:
    page = client.get("/search", params={"q": "health windows"}).text
    assert "<mark>" in page and 'href="/doc/practice/' in page


@pytest.mark.parametrize(
    ("path", "params", "expected"),
    [
        ("/search", {"q": "x" * 201}, "Invalid query parameter 'q': String should have at most 200 characters"),
        ("/map", {"role": "tourist"}, "Invalid query parameter 'role'"),
        ("/doc/" + WORKSHOP, {"page": "0"}, "Invalid query parameter 'page'"),
    ],
)
def test_a_parameter_of_the_wrong_form_is_a_400_saying_what_to_fix(
    client: TestClient, path: str, params: dict[str, str], expected: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert expected in response.text


def test_reader_lists_sources_with_their_passage_counts(client: TestClient) -> None:
    page = client.get("/source").text
    assert 'href="/source/gfmd-2011-san-salvador-workshop-report"' in page and "quoted passages" in page


def test_reader_highlights_every_passage_and_links_it_to_its_facts(
    client: TestClient, source_texts: dict[str, str]
) -> None:
    page = client.get("/source/gfmd-2011-san-salvador-workshop-report").text
    assert 'id="excerpt-gfmd-2011-ws-organised-hosted"' in page
    assert 'href="#facts-gfmd-2011-ws-organised-hosted"' in page
    assert 'id="facts-gfmd-2011-ws-organised-hosted"' in page and 'href="/doc/organisation/slv-government"' in page
    assert "<mark>" in page and "Thursday, October 13, 2011" in page  # the whole text is there


def test_reader_of_unknown_source_is_404(client: TestClient) -> None:
    assert client.get("/source/no-such-report").status_code == 404


def test_entity_evidence_links_to_the_passage_in_the_reader(client: TestClient) -> None:
    page = client.get(f"/doc/{WORKSHOP}", headers={"Accept": "text/html"}).text
    assert 'href="/source/gfmd-2011-san-salvador-workshop-report#excerpt-gfmd-2011-ws-organised-hosted"' in page


def test_entity_page_links_properties_to_the_ontology_documentation(client: TestClient) -> None:
    page = client.get(f"/doc/{WORKSHOP}", headers={"Accept": "text/html"}).text
    assert 'href="/def#organisedBy"' in page


def test_entity_page_lists_every_passage_that_mentions_it(client: TestClient, release: Release) -> None:
    """SEGIB is named in passages where it is only the object of a fact; the page lists each one, by source."""
    segib = prefixes.ID + "organisation/segib"
    query = f"""SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE {{
      {{ GRAPH ?g {{ <{segib}> ?p ?o }} }} UNION {{ GRAPH ?g {{ ?s ?q <{segib}> }} }}
      FILTER (STRSTARTS(STR(?g), "{prefixes.EXCERPT}")) }}"""
    outcome = EmbeddedStore(release.snapshot).query(query, accept="application/sparql-results+json")
    expected = int(json.loads(outcome.body)["results"]["bindings"][0]["n"]["value"])
    page = client.get("/doc/organisation/segib").text
    section = page.split('id="mentioned-in"', 1)[1].split("</section>", 1)[0]
    assert expected > 1
    assert section.count("read in context") == expected
    assert "/source/segib-2008-fibemyd-report#excerpt-" in section


@pytest.mark.parametrize(
    ("typed", "expected_first"),
    [
        ("SEGIB", "organisation/segib"),
        ("oim", "organisation/iom"),
        ("Montevideo Commitment", "commitment/montevideo-2006"),
    ],
)
def test_search_ranks_an_exact_name_or_acronym_first(client: TestClient, typed: str, expected_first: str) -> None:
    hits = client.get("/api/search", params={"q": typed}).json()["results"]
    assert hits[0]["iri"] == prefixes.ID + expected_first


def test_search_ranks_a_commitment_above_the_paragraphs_that_name_it(client: TestClient) -> None:
    hits = [h["iri"] for h in client.get("/api/search", params={"q": "montevideo", "limit": 5}).json()["results"]]
    document = prefixes.ID + "commitment/montevideo-2006"
    assert document in hits
    paragraphs = [h for h in hits if h.startswith(document + "/")]
    assert all(hits.index(document) < hits.index(p) for p in paragraphs)


def test_incoming_relations_are_the_stated_ones_not_the_builds_inverses(client: TestClient) -> None:
    """Paragraph 25.q is cited by two studies (stated); that its commitment "has item" it is the build's inverse of
    its own "item of", shown once, under its statements."""
    page = client.get("/doc/commitment/montevideo-2006/p25q", headers={"Accept": "text/html"}).text
    incoming = page.split('id="in"', 1)[1].split("</section>", 1)[0]
    statements = page.split('id="out"', 1)[1].split("</section>", 1)[0]
    assert 'href="/def#cites"' in incoming
    assert 'href="/def#hasItem"' not in incoming and 'href="/def#itemOf"' in statements


# --- the vocabulary, discovered from the endpoint (graph/void) and /def ---------------------------------------------


def sparql_rows(client: TestClient, query: str) -> list[dict[str, str]]:
    response = client.get("/sparql", params={"query": query}, headers={"Accept": media.SPARQL_JSON.media_type})
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in row.items()} for row in response.json()["results"]["bindings"]]


def test_endpoint_serves_class_partitions_that_count_what_a_query_counts(client: TestClient) -> None:
    void = prefixes.sparql_header(("void", "mig"))
    partitions = sparql_rows(client, void + (
        f"SELECT ?c ?n WHERE {{ GRAPH <{prefixes.GRAPH_VOID}> {{ <{prefixes.DATASET}> void:classPartition ?part . "
        "?part void:class ?c ; void:entities ?n } FILTER(?c IN (mig:Workshop, mig:Practice)) } ORDER BY ?c"
    ))  # fmt: skip
    counted = sparql_rows(client, void + (
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER(?c IN (mig:Workshop, mig:Practice)) } "
        "GROUP BY ?c ORDER BY ?c"
    ))  # fmt: skip
    assert len(counted) == 2 and int(counted[0]["n"]) > 0
    assert partitions == counted


def test_endpoint_serves_properties_a_class_uses_with_their_triples(client: TestClient) -> None:
    used = sparql_rows(client, prefixes.sparql_header(("void", "mig")) + (
        f"SELECT ?n WHERE {{ GRAPH <{prefixes.GRAPH_VOID}> {{ ?part void:class mig:Event ; "
        "void:propertyPartition ?pp . ?pp void:property mig:heldIn ; void:triples ?n } }"
    ))  # fmt: skip
    counted = sparql_rows(
        client, prefixes.sparql_header(("mig",)) + "SELECT (COUNT(*) AS ?n) { ?e a mig:Event ; mig:heldIn ?p }"
    )
    assert used == counted and int(used[0]["n"]) > 0


def test_void_document_states_the_partitions_the_endpoint_serves(client: TestClient) -> None:
    response = client.get("/.well-known/void", headers={"Accept": "application/n-triples"})
    published = {t for t in ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES) if t.predicate.value in (
        prefixes.VOID + "class", prefixes.VOID + "entities", prefixes.VOID + "property")}  # fmt: skip
    rows = sparql_rows(client, f"SELECT ?s ?p ?o {{ GRAPH <{prefixes.GRAPH_VOID}> {{ ?s ?p ?o }} }}")
    served = {(r["s"], r["p"], r["o"]) for r in rows if r["p"] in (prefixes.VOID + "class", prefixes.VOID + "property")}
    assert {
        (t.subject.value, t.predicate.value, t.object.value)
        for t in published
        if t.predicate.value != prefixes.VOID + "entities"
    } == served
    assert any(t.subject.value.endswith("#class-" + hashlib.md5((prefixes.MIG + "Workshop").encode()).hexdigest())
               for t in published)  # fmt: skip


def test_ontology_page_links_the_partitions_and_each_term_page_with_its_count(client: TestClient) -> None:
    page = client.get("/def", headers={"Accept": "text/html"}).text
    assert 'href="/.well-known/void"' in page and "graph/void" in page
    assert 'href="/def/Workshop"' in page and 'href="/def/heldIn"' in page
    assert re.search(
        r'href="/def/Practice"><code>mig:Practice</code></a> — [^<]+ <span class="count">\(\d+ instances\)', page
    )


def test_class_page_shows_instances_properties_examples_and_a_ready_query(client: TestClient) -> None:
    response = client.get("/def/Practice")
    assert response.status_code == 200
    page = response.text
    (count,) = sparql_rows(
        client, prefixes.sparql_header(("mig",)) + "SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s a mig:Practice }"
    )
    assert f"<strong>{int(count['n']):,}</strong> instances" in page
    examples = page.split('<ul id="examples">', 1)[1].split("</ul>", 1)[0]
    assert examples.count('<a href="/doc/practice/') == 3
    used = page.split('<table id="properties-used">', 1)[1].split("</table>", 1)[0]
    assert re.search(r'<a href="/def/implementedBy">mig:implementedBy</a></td><td>\d+</td>', used)
    (link,) = re.findall(r'<a id="query-this" href="([^"]+)"', page)
    ready = parse_qs(urlsplit(html.unescape(link)).query)["query"][0]
    assert "?entity a mig:Practice" in ready
    assert len(sparql_rows(client, ready)) == min(100, int(count["n"]))


def test_property_page_shows_triples_example_pairs_and_a_ready_query(client: TestClient) -> None:
    page = client.get("/def/heldIn").text
    (count,) = sparql_rows(client, prefixes.sparql_header(("mig",)) + "SELECT (COUNT(*) AS ?n) { ?s mig:heldIn ?o }")
    assert f"<strong>{int(count['n']):,}</strong> triples" in page
    examples = page.split('<ul id="examples">', 1)[1].split("</ul>", 1)[0]
    assert (
        len(
            re.findall(
                r'<li><a href="/doc/event/[^"]+">[^<]+</a> → <a href="/doc/place/[^"]+">[^<]+</a></li>', examples
            )
        )
        == 3
    )
    assert "mig%3AheldIn" in page


def test_version_iri_under_def_still_serves_the_ontology(client: TestClient) -> None:
    response = client.get("/def/0.1.0", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and "owl:Ontology" in response.text
