"""Disagreements in plain sight and inferences told apart, over the repository's own built release: /discrepancies
lists every mig:Discrepancy with each claim's quote and source; the statements a disagreement touches are flagged on
entity pages and in "How do we know this?"; excerpt IRIs dereference to a local passage page; search shows the
disagreements about its hits; an inferred fact names the rule that produced it; matrix cells tell stated from
derived country links."""

from __future__ import annotations

import csv
import io
import re
import warnings

import pytest

from server import prefixes

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.build

HEAD = prefixes.sparql_header(("rdf", "rdfs", "mig", "graph"))
MADRID = "/doc/event/segib-2006-madrid"


def select(client: TestClient, query: str) -> list[dict[str, str]]:
    response = client.get("/sparql", params={"query": HEAD + query})
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in row.items()} for row in response.json()["results"]["bindings"]]


def discrepancy_claims(client: TestClient) -> set[tuple[str, str]]:
    rows = select(client, "SELECT ?d ?g WHERE { ?d a mig:Discrepancy ; mig:discrepancyClaim ?g }")
    return {(row["d"], row["g"]) for row in rows}


def dd_blocks(html: str) -> list[str]:
    """Each statement (``<dd>`` of the Statements list) up to its evidence."""
    return re.findall(r'<dd class="(?:stated|inferred)[^"]*">.*?</details>', html, re.S)


def test_discrepancies_page_lists_every_discrepancy_with_every_claim(client: TestClient) -> None:
    claims = discrepancy_claims(client)
    html = client.get("/discrepancies").text
    listed = set(re.findall(r'data-discrepancy="([^"]+)"', html))
    assert listed == {d for d, _ in claims} and len(listed) >= 19
    assert set(re.findall(r'<div class="claim" role="listitem" data-excerpt="([^"]+)"', html)) == {g for _, g in claims}
    assert html.count("<blockquote>") == len(claims)


def test_discrepancies_page_is_in_the_navigation(client: TestClient) -> None:
    nav = re.search(r'<nav aria-label="site">(.*?)</nav>', client.get("/").text, re.S)
    assert nav is not None and 'href="/discrepancies"' in nav.group(1)


def test_discrepancies_json_and_csv_hold_every_claim(client: TestClient) -> None:
    claims = discrepancy_claims(client)
    body = client.get("/discrepancies.json").json()
    assert {(d["iri"], c["excerpt"]) for d in body["discrepancies"] for c in d["claims"]} == claims
    assert all(c["quote"] for d in body["discrepancies"] for c in d["claims"])
    rows = list(csv.DictReader(io.StringIO(client.get("/discrepancies.csv").text)))
    assert {(row["discrepancy"], row["excerpt"]) for row in rows} == claims


def test_excerpt_iri_answers_303_to_its_local_passage_page(client: TestClient) -> None:
    response = client.get("/excerpt/segib-montevideo-p2", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/passage/segib-montevideo-p2"
    page = client.get("/passage/segib-montevideo-p2")
    assert page.status_code == 200
    assert "We highlight the celebration in Madrid (Spain) during the 18th and 19th of July, 2006" in page.text
    assert 'href="/doc/event/segib-2006-madrid"' in page.text
    assert 'href="/discrepancies#madrid-2006-meeting-month"' in page.text


@pytest.mark.parametrize("key", ["no-such-passage", "a b"])
def test_unknown_passage_answers_404(client: TestClient, key: str) -> None:
    assert client.get(f"/passage/{key}").status_code == 404


def test_discrepancy_claims_link_to_local_passages_never_off_site(client: TestClient) -> None:
    html = client.get("/doc/discrepancy/madrid-2006-meeting-month").text
    assert 'href="/passage/eclac-2007-madrid-encounter"' in html
    assert not re.search(r'href="https?://[^"]*/excerpt/', html)


def test_event_with_disputed_date_flags_each_date_and_nothing_else(client: TestClient) -> None:
    blocks = dd_blocks(client.get(MADRID).text)
    flagged = [b for b in blocks if 'class="flag disputed"' in b.split("<details")[0]]
    dates = select(
        client, "SELECT ?d WHERE { <https://w3id.org/migkg/id/event/segib-2006-madrid> mig:startDate|mig:endDate ?d }"
    )
    assert dates and len(flagged) == len({row["d"] for row in dates})
    assert all('<span class="datatype">date</span>' in b for b in flagged)
    assert all('href="/discrepancies#madrid-2006-meeting-month"' in b for b in flagged)


def test_how_do_we_know_flags_the_passage_that_is_a_claim(client: TestClient) -> None:
    blocks = [b for b in dd_blocks(client.get(MADRID).text) if "2006-07-18" in b.split("<details")[0]]
    assert len(blocks) == 1
    evidence = blocks[0].split("<details", 1)[1]
    assert re.search(r'<li class="(shared-pointer )?disputed">', evidence)
    assert "one of the claims of a recorded disagreement" in evidence
    assert 'href="/passage/segib-montevideo-p2"' in evidence


def test_inferred_fact_names_its_rule_and_links_the_definition(client: TestClient) -> None:
    blocks = dd_blocks(client.get(MADRID).text)
    inferred = [b for b in blocks if b.startswith('<dd class="inferred')]
    assert inferred, "the Madrid meeting has facts only the build states"
    for block in inferred:
        assert '<span class="badge inferred"' in block and 'class="rule" data-rule="' in block
    reports = [b for b in inferred if "/doc/document/segib-unidos-por-las-migraciones" in b]
    assert len(reports) == 1 and 'data-rule="inverse"' in reports[0] and 'href="/def/reportsOn"' in reports[0]


def test_stated_fact_is_not_marked_inferred(client: TestClient) -> None:
    stated = [b for b in dd_blocks(client.get(MADRID).text) if b.startswith('<dd class="stated')]
    assert stated and not any('class="badge inferred"' in b for b in stated)


def test_every_inferred_statement_gets_a_rule_the_build_has(client: TestClient) -> None:
    html = client.get("/doc/organisation/segib").text
    rules = set(re.findall(r'data-rule="([^"]+)"', html))
    assert rules and rules <= {"inverse", "subproperty", "transitive", "subclass", "domain", "range", "membership",
                               "reasoner"}  # fmt: skip


def test_search_shows_every_discrepancy_when_searching_what_it_is_about(client: TestClient) -> None:
    rows = select(client, (
        "SELECT ?d (SAMPLE(?l) AS ?label) WHERE { ?d a mig:Discrepancy ; mig:discrepancyAbout ?a . "
        '?a rdfs:label ?l FILTER(LANGMATCHES(LANG(?l), "en")) } GROUP BY ?d'
    ))  # fmt: skip
    missed = []
    for row in rows:
        html = client.get("/search", params={"q": row["label"]}).text
        key = row["d"].rsplit("/", 1)[-1]
        if f"/discrepancies#{key}" not in html and f"/doc/discrepancy/{key}" not in html:
            missed.append((row["label"], key))
    assert len(rows) >= 19 and not missed


def test_search_for_discrepancy_finds_every_discrepancy(client: TestClient) -> None:
    claims = discrepancy_claims(client)
    body = client.get("/search.json", params={"q": "discrepancy", "limit": "100"}).json()
    assert {hit["iri"] for hit in body["results"]} >= {d for d, _ in claims}


def test_matrix_cells_count_stated_links_within_their_entities(client: TestClient) -> None:
    cells = client.get("/matrix.json").json()["cells"]
    assert all(set(c["stated"]) <= set(c["practices"]) | set(c["items"]) for c in cells)
    stated = {(row["e"], row["c"]) for row in select(client, (
        "SELECT DISTINCT ?e ?c WHERE { GRAPH ?g { ?e ?p ?c } FILTER(STRSTARTS(STR(?g), "
        f'"{prefixes.EXCERPT}")) ?c a mig:Country }}'
    ))}  # fmt: skip
    for cell in cells:
        for e in set(cell["practices"]) | set(cell["items"]):
            assert (e in cell["stated"]) == ((e, cell["country"]) in stated), (e, cell["country"])
    assert any(c["stated"] for c in cells) and any(len(c["stated"]) < len(c["practices"] + c["items"]) for c in cells)


def test_matrix_says_what_it_counts_and_never_unaddressed(client: TestClient) -> None:
    html = client.get("/matrix").text
    assert 'id="country-rule"' in html and "stated" in html and "derived" in html
    assert "unaddressed" not in html.lower() and "unaddressed" not in client.get("/matrix.csv").text.lower()


def test_browse_by_country_marks_each_result_stated_or_derived(client: TestClient) -> None:
    body = client.get("/browse.json", params={"country": "country:ury"}).json()
    stated = {row["e"] for row in select(client, (
        "SELECT DISTINCT ?e WHERE { GRAPH ?g { ?e ?p <https://w3id.org/migkg/id/country/ury> } "
        f'FILTER(STRSTARTS(STR(?g), "{prefixes.EXCERPT}")) }}'
    ))}  # fmt: skip
    marks = {hit["iri"]: hit["country_link"] for hit in body["results"]}
    assert marks and marks == {iri: "stated" if iri in stated else "derived" for iri in marks}
    assert set(marks.values()) == {"stated", "derived"}
    assert "country_link" not in client.get("/browse.json", params={"type": "mig:Practice"}).json()["results"][0]


def test_network_marks_relations_no_property_states_as_derived(client: TestClient) -> None:
    focus = {"focus": prefixes.ID + "organisation/segib"}
    edges = client.get("/api/network", params=focus).json()["edges"]
    derived = {e["relation"] for e in edges if e["derived"]}
    assert derived and derived <= {"co-organiser", "practice-partner"}
    assert all(e["derived"] == (e["relation"] in ("co-organiser", "practice-partner")) for e in edges)
    html = client.get("/network", params=focus).text
    assert html.count('<span class="badge inferred"') == sum(e["derived"] for e in edges)
