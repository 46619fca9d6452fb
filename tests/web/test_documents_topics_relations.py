"""Entity pages that read like what they are, over the repository's own built release: a commitment document's
items in printed order with their text and whom each asks; a topic as a thesaurus entry (scheme, mappings, what
addresses it by kind); an agent's partners grouped by relation; and classes and properties always named, never
shown as raw IRIs. Expected values come from SPARQL on the same release, not from the page under test."""

from __future__ import annotations

import re
import warnings

import pytest

from server import prefixes
from server.web.labels import EXTERNAL_LABELS
from server.web.views import relations
from server.web.views.document import natural_key

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.build

HEAD = prefixes.sparql_header()
MONTEVIDEO = prefixes.ID + "commitment/montevideo-2006"
TOPIC = prefixes.ID + "topic/migration-policy"
MINISTRY = prefixes.ID + "organisation/slv-foreign-affairs-ministry"


def select(client: TestClient, query: str) -> list[dict[str, str]]:
    response = client.get("/sparql", params={"query": HEAD + query})
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in row.items()} for row in response.json()["results"]["bindings"]]


def section(page: str, section_id: str) -> str:
    return page.split(f'id="{section_id}"', 1)[1].split("</section>", 1)[0]


def test_document_page_lists_items_in_printed_order(client: TestClient) -> None:
    rows = select(client, f"SELECT ?item ?pos WHERE {{ ?item mig:itemOf <{MONTEVIDEO}> ; mig:position ?pos }}")
    paragraphs = select(
        client,
        f"SELECT ?item WHERE {{ ?item mig:itemOf <{MONTEVIDEO}> FILTER NOT EXISTS {{ ?item mig:partOf ?p . "
        f"?p mig:itemOf <{MONTEVIDEO}> }} }}",
    )
    top = {r["item"] for r in paragraphs}
    expected = [r["item"] for r in sorted(rows, key=lambda r: int(r["pos"])) if r["item"] in top]
    page = client.get("/doc/commitment/montevideo-2006").text
    items = section(page, "document-items")
    shown = re.findall(r'<details class="document-item" id="item-([^"]+)"', items)
    assert len(shown) == len(rows) == 48
    numbers = re.findall(r'<nav class="toc".*?</nav>', items, re.S)[0]
    printed = re.findall(r'<span class="item-number">([^<]+)</span>', numbers)
    assert printed[:12] == [f"{n}." for n in range(1, 13)]  # never 1, 10, 11, 2
    top_shown = [s for s in shown if not re.fullmatch(r"p25[a-z]", s)]
    assert ["item-" + i.rsplit("/", 1)[-1] for i in expected] == ["item-" + s for s in top_shown]
    # the lettered sub-items of paragraph 25 are inside it, a) to w)
    p25 = items.split('id="item-p25"', 1)[1]
    assert re.findall(r'id="item-(p25[a-z])"', p25) == [f"p25{c}" for c in "abcdefghijklmnopqrstuvw"]


def test_document_item_shows_its_text_and_whom_it_asks(client: TestClient) -> None:
    asked = select(
        client,
        f"SELECT ?p ?who WHERE {{ <{MONTEVIDEO}/p25q> ?p ?who . ?p rdfs:subPropertyOf* mig:callsOn }}",
    )
    page = client.get("/doc/commitment/montevideo-2006").text
    item = page.split('id="item-p25q"', 1)[1].split("</details>", 1)[0]
    assert "Establish and organize in 2008 an Ibero-American Forum on Migration and Development" in item
    asks = item.split('class="item-relations asks"', 1)[1].split("</dl>", 1)[0]
    assert {r["who"] for r in asked} == {
        prefixes.ID + h.removeprefix("/doc/") for h in re.findall(r'href="(/doc/[^"]+)"', asks)
    }
    assert 'href="/def#entrusts"' in asks and 'href="/def#cooperationOf"' in asks


def test_document_page_leaves_its_item_lists_out_of_the_statements(client: TestClient) -> None:
    page = client.get("/doc/commitment/montevideo-2006").text
    assert 'href="/def#hasItem"' not in section(page, "out")
    assert 'href="/def#itemOf"' not in page.split('id="in"', 1)[1]


def test_natural_key_orders_printed_numbers_as_numbers() -> None:
    assert sorted(["10", "2", "1", "11", "25.q", "25.b", "3"], key=natural_key) == [
        "1", "2", "3", "10", "11", "25.b", "25.q",
    ]  # fmt: skip


def test_topic_page_groups_what_addresses_it_by_kind_with_counts(client: TestClient) -> None:
    stated = select(
        client,
        f"SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s mig:addressesTopic <{TOPIC}> }} FILTER(?g != graph:inferred) }}",
    )
    items = select(
        client,
        f"SELECT DISTINCT ?s WHERE {{ ?s mig:addressesTopic <{TOPIC}> ; a mig:CommitmentItem }}",
    )
    page = section(client.get("/doc/topic/migration-policy").text, "topic-members")
    counts = {
        name: int(n)
        for name, n in re.findall(r'<span class="family-name">([^<]+)</span> <span class="count">\((\d+)\)', page)
    }
    assert sum(counts.values()) == len(stated) > 50
    assert counts["commitment item"] == len(items)
    assert {"practice", "document", "event"} <= set(counts)


def test_topic_page_shows_its_scheme_and_mappings_like_a_thesaurus(client: TestClient) -> None:
    narrower = select(client, f"SELECT ?n WHERE {{ ?n skos:broader <{TOPIC}> }}")
    page = client.get("/doc/topic/migration-policy").text
    scheme = section(page, "topic-scheme")
    assert "Narrower topics" in scheme
    for row in narrower:
        assert f'href="/doc/topic/{row["n"].rsplit("/", 1)[-1]}"' in scheme
    assert '<a href="http://eurovoc.europa.eu/2509" rel="external">EuroVoc <span class="code">2509</span></a>' in scheme
    assert "Exactly matching concepts" in scheme
    assert 'href="/def#topicOf"' not in section(page, "out")  # not repeated as one untyped list


@pytest.mark.parametrize(
    "path",
    [
        "topic/migration-policy",
        "topic/scheme",
        "commitment/montevideo-2006",
        "commitment/oas-2008-special-forum-recommendations",
        "organisation/slv-government",
        "country/slv",
        "source/segib-2008-fibemyd-report",
        "event/gfmd-2011-san-salvador-workshop",
    ],
)
def test_entity_page_names_every_class_and_property(client: TestClient, path: str) -> None:
    page = client.get(f"/doc/{path}").text
    types = page.split('<p class="types">', 1)[1].split("</p>", 1)[0]
    shown = re.findall(r">([^<]+)</a>", types) + re.findall(r"<dt><a [^>]*>([^<]+)</a>", page)
    assert shown
    raw = [text for text in shown if re.match(r"\s*(https?|urn):", text)]
    assert not raw, f"raw IRIs shown as class or property names on /doc/{path}: {raw}"


def test_classes_and_properties_without_a_label_are_only_these(client: TestClient) -> None:
    """Terms that entity pages show with neither an rdfs:label nor a name in labels.EXTERNAL_LABELS get their local
    name humanised (labels.humanise). This lists which: today, none."""
    rows = select(
        client,
        f'SELECT DISTINCT ?t WHERE {{ {{ ?s a ?t }} UNION {{ ?s ?t ?o }} FILTER(STRSTARTS(STR(?s), "{prefixes.ID}"))'
        " FILTER NOT EXISTS { ?t rdfs:label ?l } }",
    )
    humanised = sorted(r["t"] for r in rows if r["t"] not in EXTERNAL_LABELS)
    assert humanised == []


def test_agent_page_lists_partners_of_its_practices_with_the_practice(client: TestClient) -> None:
    rows = select(
        client,
        f"SELECT DISTINCT ?x ?practice WHERE {{ ?practice a mig:Practice ; mig:implementedBy|mig:partner <{MINISTRY}> ;"
        f" mig:partner ?x FILTER(?x != <{MINISTRY}>) }}",
    )
    assert rows
    page = section(client.get("/doc/organisation/slv-foreign-affairs-ministry").text, "relations")
    for row in rows:
        vias = [entry.split("</ul>", 1)[0] for entry in page.split(f'data-partner="{row["x"]}"')[1:]]
        assert any(f'href="/doc/{row["practice"].removeprefix(prefixes.ID)}"' in via for via in vias), row


def test_country_page_lists_whom_its_government_worked_with_by_relation(client: TestClient) -> None:
    page = section(client.get("/doc/country/slv").text, "relations")
    groups = re.findall(r'<details class="relation-group" id="relation-([a-z-]+)"', page)
    assert groups[:2] == ["co-organiser", "co-implementer"]
    assert 'data-partner="https://w3id.org/migkg/id/organisation/mex-government"' in page
    # its own government bodies are not its partners
    assert 'data-partner="https://w3id.org/migkg/id/organisation/slv-labor-ministry"' not in page


def test_relation_is_named_from_both_roles() -> None:
    mig = prefixes.MIG
    assert relations.relation(False, {mig + "implementedBy"}, {mig + "implementedBy"}) == relations.CO_IMPLEMENTER
    assert relations.relation(False, {mig + "fundedBy"}, {mig + "implementedBy"}) == relations.FUNDED
    assert relations.relation(False, {mig + "partner"}, {mig + "implementedBy"}) == relations.PARTNER
    assert relations.relation(True, {mig + "organisedBy"}, {mig + "hostedBy"}) == relations.CO_ORGANISER
