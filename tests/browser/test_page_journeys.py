"""The pages in Chromium: from a search to an entity, its evidence and the passage in the reader; the other page
kinds; axe-core on each; a screenshot of each in build/artefacts/screenshots/. Expected values come from the
graph (SPARQL on the same server), not from the page under test."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from browsing import assert_accessible, shoot
from playwright.sync_api import Page, expect

from tools.loopback import Server

pytestmark = [pytest.mark.browser, pytest.mark.build, pytest.mark.xdist_group("browser")]

ID = "https://w3id.org/migkg/id/"
COMMITMENT = ID + "commitment/montevideo-2006"
ITEM = COMMITMENT + "/p25q"
SEGIB = ID + "organisation/segib"
MEXICO = ID + "country/mex"
PREFIXES = """PREFIX mig: <https://w3id.org/migkg/def#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


def select(served: Server, query: str) -> list[dict[str, str]]:
    response = httpx.post(served.sparql, data={"query": PREFIXES + query}, timeout=60)
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in row.items()} for row in response.json()["results"]["bindings"]]


def label(served: Server, iri: str, lang: str = "en") -> str:
    rows = select(served, f'SELECT ?l WHERE {{ <{iri}> rdfs:label ?l FILTER(lang(?l) = "{lang}") }}')
    assert len(rows) == 1, rows
    return rows[0]["l"]


def doc(iri: str) -> str:
    return "/doc/" + iri.removeprefix(ID)


def squash(text: str) -> str:
    return " ".join(text.split())


HIGHLIGHTED_FROM = """([name, length]) => {
  // The highlighted text that starts at the passage's anchor: consecutive highlighted segments whose covering
  // passages include ``name``, until ``length`` characters are gathered.
  let text = "";
  let node = document.getElementById("excerpt-" + name);
  while (node && node.nextSibling && text.length < length) {
    node = node.nextSibling;
    if (node.nodeType === Node.ELEMENT_NODE && node.classList.contains("anchor")) continue;
    if (node.nodeType !== Node.ELEMENT_NODE || !node.matches("a.passage") || !node.querySelector("mark")) break;
    if (!node.title.split(", ").includes(name)) break;
    text += node.textContent;
  }
  return text;
}"""


def test_search_to_commitment_item_evidence_in_the_reader_and_on_to_segib(page: Page, served: Server) -> None:
    """The issue's path: home → search "montevideo" → the Montevideo Commitment → its item 25.q → how do we know
    this → the passage highlighted in the reader → SEGIB, whom the item entrusts."""
    commitment, item, segib = label(served, COMMITMENT), label(served, ITEM), label(served, SEGIB)
    facts = select(
        served,
        f"""SELECT ?p ?g ?quote WHERE {{
              GRAPH ?g {{ <{ITEM}> ?p <{SEGIB}> }}
              ?g oa:hasSelector [ oa:exact ?quote ] }}""",
    )
    assert len(facts) == 1, facts  # the item links SEGIB through one quoted fact (mig:entrusts)
    prop, excerpt, quote = facts[0]["p"], facts[0]["g"].rsplit("/", 1)[-1], facts[0]["quote"]

    page.goto("/")
    page.get_by_role("searchbox").fill("montevideo")
    page.get_by_role("searchbox").press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=montevideo"))
    result = page.locator("ol.results").get_by_role("link", name=commitment, exact=True)
    for _ in range(10):  # the commitment is not necessarily on the first page of results
        if result.count():
            break
        page.get_by_role("link", name="next", exact=True).click()
        page.wait_for_load_state()
    result.click()

    page.wait_for_url(re.compile(re.escape(doc(COMMITMENT)) + "$"))
    expect(page.locator("h1")).to_have_text(commitment)
    # the document lists its items in printed order, each collapsed: its contents open the item, then its page
    page.locator(f'#document-items nav.toc a[href="#item-{ITEM.rsplit("/", 1)[-1]}"]').click()
    page.locator(f"#item-{ITEM.rsplit('/', 1)[-1]}").get_by_role("link", name=item, exact=True).first.click()

    page.wait_for_url(re.compile(re.escape(doc(ITEM)) + "$"))
    expect(page.locator("h1")).to_have_text(item)
    statement = page.locator(f'dt:has(a[href="/def#{prop.rsplit("#", 1)[-1]}"]) + dd')
    expect(statement.locator(f'a[href="{doc(SEGIB)}"]').first).to_have_text(segib)
    evidence = statement.locator("details.evidence")
    pointer = evidence.locator('.shared-pointer a[href^="#"]')  # the shared passage, not its page
    expect(pointer).to_be_hidden()
    evidence.get_by_text("How do we know this?").click()
    # The passage states several of the item's facts: quoted once, below the statements, with each fact it supports.
    expect(pointer).to_be_visible()
    pointer.click()
    shared = page.locator(f"#passage-{excerpt}")
    expect(shared.locator("blockquote")).to_be_in_viewport()
    assert squash(shared.locator("blockquote").inner_text()) == squash(quote)
    expect(shared.locator(f'ul.supported a[href="{doc(SEGIB)}"]')).to_have_count(1)
    shoot(page, "entity-commitment-item")
    shared.get_by_role("link", name="read in context").click()

    page.wait_for_url(re.compile(r"/source/[^/#]+#excerpt-" + re.escape(excerpt) + "$"))
    passage = page.locator(f"#excerpt-{excerpt} + a.passage")
    expect(passage.locator("mark")).to_be_in_viewport()
    highlighted = page.evaluate(HIGHLIGHTED_FROM, [excerpt, len(quote)])
    assert squash(quote) in squash(highlighted), highlighted[:300]
    # the passage leads to the facts it states, among them the item's link to SEGIB
    page.locator(f'#facts-{excerpt} a[href="{doc(SEGIB)}"]').first.wait_for(state="attached")

    page.go_back()
    page.wait_for_url(re.compile(re.escape(doc(ITEM)) + "(#passage-[^/]*)?$"))
    statement.locator(f'a[href="{doc(SEGIB)}"]').first.click()
    page.wait_for_url(re.compile(re.escape(doc(SEGIB)) + "$"))
    expect(page.locator("h1")).to_have_text(segib)
    expect(page.locator("p.iri code")).to_have_text(SEGIB)
    # and back: SEGIB's page says what entrusts it, linking the item
    expect(page.locator('section[aria-labelledby="in"]').locator(f'a[href="{doc(ITEM)}"]').first).to_be_visible()


def test_country_page_switches_label_language(page: Page, served: Server) -> None:
    english, spanish = label(served, MEXICO), label(served, MEXICO, "es")
    page.goto(doc(MEXICO))
    expect(page.locator("h1")).to_have_text(english)
    expect(page.locator("dl.facts dd").first).to_be_visible()
    shoot(page, "entity-country")
    page.locator("nav.lang").get_by_role("link", name="es", exact=True).click()
    page.wait_for_url(re.compile(r"\?lang=es$"))
    expect(page.locator("h1")).to_have_text(spanish)
    expect(page.locator("h1")).to_have_attribute("lang", "es")


def test_organisation_page_lists_what_the_graph_says_with_evidence(page: Page, served: Server) -> None:
    facts = select(
        served,
        f"""SELECT DISTINCT ?p WHERE {{
              GRAPH ?g {{ <{SEGIB}> ?p ?o }}
              FILTER(STRSTARTS(STR(?g), "https://w3id.org/migkg/excerpt/") && ?p != rdf:type) }}""",
    )
    page.goto(doc(SEGIB))
    expect(page.locator("h1")).to_have_text(label(served, SEGIB))
    shown = page.locator('section[aria-labelledby="out"] dt a').evaluate_all("as => as.map(a => a.href)")
    for row in facts:
        name = row["p"].rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        assert any(href.endswith(("#" + name, "/" + name)) for href in shown), (row["p"], shown)
    first = page.locator("details.evidence").first
    first.locator("summary").click()
    expect(first).to_have_attribute("open", "")
    shoot(page, "entity-organisation")


def test_reader_highlights_every_passage_and_links_it_to_its_facts(page: Page, served: Server) -> None:
    source = "https://w3id.org/migkg/id/source/gfmd-2011-san-salvador-workshop-report"
    rows = select(served, f"SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE {{ ?g a mig:Excerpt ; oa:hasSource <{source}> }}")
    page.goto("/source/gfmd-2011-san-salvador-workshop-report")
    expect(page.locator("ol.passages > li")).to_have_count(int(rows[0]["n"]))
    shoot(page, "reader")
    mark = page.locator("a.passage").nth(3)
    target = mark.get_attribute("href")
    assert target and target.startswith("#facts-")
    mark.click()
    # With JavaScript the passage's facts open right after it (without, the link leads to them in the list below).
    page.wait_for_url(re.compile("#excerpt-" + re.escape(target.removeprefix("#facts-")) + "$"))
    facts = page.locator("#passage-facts")
    expect(facts).to_be_in_viewport()
    assert squash(facts.locator(".passage-facts-body").inner_text()) == squash(
        page.locator(target).evaluate(
            "li => [...li.children].filter(c => c.tagName !== 'A').map(c => c.innerText).join(' ')"
        )
    )


def test_ontology_page_is_reached_from_a_type_link(page: Page) -> None:
    page.goto(doc(COMMITMENT))
    page.locator("p.types a").first.click()
    page.wait_for_url(re.compile(r"/def#\w+$"))
    term = urlsplit(page.url).fragment
    expect(page.locator(f"#{term}")).to_be_in_viewport()
    expect(page.locator(f"#{term}")).to_contain_text(f"mig:{term}")
    shoot(page, "def")


def test_term_page_shows_its_use_and_opens_the_editor_with_a_ready_query(page: Page, served: Server) -> None:
    (count,) = select(served, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a mig:Practice }")
    page.goto("/def")
    page.locator('a[href="/def/Practice"]').click()
    page.wait_for_url(re.compile(r"/def/Practice$"))
    expect(page.locator("#term-count")).to_contain_text(f"{int(count['n']):,} instances")
    expect(page.locator("#examples li a")).to_have_count(3)
    expect(page.locator("#properties-used a", has_text="mig:implementedBy")).to_have_count(1)
    shoot(page, "def-class")
    page.locator("#examples li a").first.click()
    page.wait_for_url(re.compile(r"/doc/practice/"))
    page.go_back()
    page.locator("#query-this").click()
    page.wait_for_url(re.compile(r"/query\?query="))
    expect(page.locator(".CodeMirror")).to_contain_text("?entity a mig:Practice")


def test_recipes_page_shows_each_snippet_written_for_this_server(page: Page, served: Server) -> None:
    page.goto("/query")
    page.locator("main").get_by_role("link", name="use it from your tools", exact=True).click()
    page.wait_for_url(re.compile(r"/recipes$"))
    expect(page.locator("section.recipe")).to_have_count(8)
    expect(page.locator("section.recipe pre").first).to_contain_text(f"{served.url}/sparql")
    shoot(page, "recipes")


def test_download_serves_the_dumps_it_lists_with_their_checksums(page: Page) -> None:
    page.goto("/download")
    rows = page.locator("tbody tr")
    expect(rows).not_to_have_count(0)
    shoot(page, "download")
    row = rows.filter(has_text=".trig.gz").first
    listed = row.locator("code").inner_text()
    with page.expect_download() as download:
        row.get_by_role("link").click()
    path = download.value.path()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == listed


def test_search_type_filter_narrows_the_results(page: Page) -> None:
    page.goto("/search?q=remittances")
    before = int(page.locator("p.summary").inner_text().split()[0])
    facet = page.locator("nav.facets").get_by_role("link", name="good practice", exact=True)
    facet.click()
    page.wait_for_url(re.compile(r"type="))
    assert parse_qs(urlsplit(page.url).query)["type"] == ["https://w3id.org/migkg/def#GoodPractice"]
    expect(page.locator("p.summary")).to_contain_text("of type good practice")
    after = int(page.locator("p.summary").inner_text().split()[0])
    assert 0 < after < before
    expect(page.locator("ol.results > li")).to_have_count(min(after, 20))
    for types in page.locator("ol.results > li .count").all_inner_texts():
        assert "good practice" in types.split(" · ")
    expect(facet).to_have_attribute("aria-current", "true")
    shoot(page, "search-filtered")


PAGE_KINDS = {
    "home": "/",
    "search": "/search?q=remittances",
    "entity-commitment": doc(COMMITMENT),
    "entity-event": "/doc/event/gfmd-2011-san-salvador-workshop",
    "entity-country": doc(MEXICO),
    "entity-organisation": doc(SEGIB),
    "entity-topic": "/doc/topic/remittances",
    "sources": "/source",
    "reader": "/source/gfmd-2011-san-salvador-workshop-report",
    "def": "/def",
    "def-class": "/def/Practice",
    "def-property": "/def/heldIn",
    "recipes": "/recipes",
    "download": "/download",
}


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_page_kind_has_no_serious_accessibility_violation(page: Page, kind: str) -> None:
    page.goto(PAGE_KINDS[kind])
    expect(page.locator("h1")).to_be_visible()
    shoot(page, kind)
    assert_accessible(page)
