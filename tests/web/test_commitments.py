"""The commitments tracker (/commitments) over the repository's own built release: every item of every
commitment document in position order, what links to it, and the items nothing is linked to flagged consistently, in the
graph's own terms (never "unaddressed")."""

from __future__ import annotations

import re
import warnings

import pytest

from server import prefixes

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.build

HEAD = prefixes.sparql_header(("mig", "commitment", "excerpt"))
MONTEVIDEO = "commitment:montevideo-2006"
ITEM = re.compile(
    r'<li class="item[^"]*" data-unlinked="(true|false)" data-item="([^"]+)">(.*?)</li>\s*(?=<li class="item|</ol>)',
    re.S,
)


def select(client: TestClient, query: str) -> list[str]:
    response = client.get("/sparql", params={"query": HEAD + query})
    assert response.status_code == 200, response.text
    return [row["item"]["value"] for row in response.json()["results"]["bindings"]]


def section(html: str, key: str) -> str:
    start = html.index(f'data-document="{key}"')
    end = html.find('<section class="commitment-document"', start)
    return html[start : end if end > 0 else len(html)]


def items(html: str) -> list[tuple[str, bool, str]]:
    """(item IRI, flagged as nothing linked, its markup) in page order."""
    return [(iri, flag == "true", body) for flag, iri, body in ITEM.findall(html)]


def test_tracker_lists_every_montevideo_item_in_position_order(client: TestClient) -> None:
    html = client.get("/commitments").text
    listed = [iri for iri, _, _ in items(section(html, MONTEVIDEO))]
    expected = select(client, f"SELECT ?item (MIN(?p) AS ?pos) WHERE {{ ?item mig:itemOf {MONTEVIDEO} ; "
                              "mig:position ?p } GROUP BY ?item ORDER BY ?pos")  # fmt: skip
    assert len(expected) > 40
    assert listed == expected


def test_tracker_flags_exactly_the_items_nothing_outside_their_document_links_to(client: TestClient) -> None:
    html = section(client.get("/commitments").text, MONTEVIDEO)
    unlinked = select(client, (
        f"SELECT DISTINCT ?item WHERE {{ ?item mig:itemOf {MONTEVIDEO} . "
        "FILTER NOT EXISTS { GRAPH ?g { ?x ?p ?item } "
        f"FILTER(STRSTARTS(STR(?g), STR(excerpt:)) && ?x != {MONTEVIDEO}) "
        f"FILTER NOT EXISTS {{ ?x mig:itemOf {MONTEVIDEO} }} }} }}"
    ))  # fmt: skip
    listed = items(html)
    assert {iri for iri, flagged, _ in listed if flagged} == set(unlinked)
    for iri, flagged, body in listed:
        assert flagged == ('class="links"' not in body), iri
        assert flagged == ('class="flag unlinked">nothing linked in these sources<' in body), iri
    assert 0 < len(unlinked) < len(listed)


def test_action_line_citing_a_paragraph_is_listed_under_it(client: TestClient) -> None:
    html = section(client.get("/commitments").text, MONTEVIDEO)
    body = dict((iri, body) for iri, _, body in items(html))[prefixes.ID + "commitment/montevideo-2006/p25d"]
    assert "action line" in body and "/doc/commitment/cuenca-2008-action-plan/training-regarding-human-rights" in body


def test_only_unlinked_lists_only_flagged_items_and_counts_them(client: TestClient) -> None:
    everything = items(client.get("/commitments").text)
    html = client.get("/commitments", params={"only": "unlinked"}).text
    shown = items(html)
    assert shown and all(flagged for _, flagged, _ in shown)
    assert len(shown) == sum(flagged for _, flagged, _ in everything)
    totals = re.search(r"<strong>(\d+)</strong> items in <strong>\d+</strong> commitment documents; "
                       r"<strong>(\d+)</strong> linked \(<strong>\d+</strong> with a linked practice\), "
                       r"<strong>(\d+)</strong> with nothing linked in these sources", html)  # fmt: skip
    assert totals is not None
    assert [int(n) for n in totals.groups()] == [len(everything), len(everything) - len(shown), len(shown)]


def test_document_filter_shows_one_document(client: TestClient) -> None:
    html = client.get("/commitments", params={"document": MONTEVIDEO}).text
    assert html.count('<section class="commitment-document"') == 1 and f'data-document="{MONTEVIDEO}"' in html


@pytest.mark.parametrize(
    "params", [{"only": "yes"}, {"only": "unaddressed"}, {"document": "montevideo"}, {"document": "commitment:a b"}]
)
def test_tracker_bad_parameter_answers_a_readable_400(client: TestClient, params: dict[str, str]) -> None:
    response = client.get("/commitments", params=params)
    assert response.status_code == 400 and "Bad request" in response.text


def test_tracker_has_stable_hooks_and_a_get_form(client: TestClient) -> None:
    html = client.get("/commitments").text
    assert 'id="tracker"' in html and 'data-unlinked="true"' in html and 'data-unlinked="false"' in html
    assert '<form method="get" action="/commitments"' in html and "<script" not in html


@pytest.mark.parametrize("suffix", ["", ".json", ".csv"])
def test_tracker_says_linked_never_unaddressed_in_any_representation(client: TestClient, suffix: str) -> None:
    text = client.get(f"/commitments{suffix}").text
    assert "unaddressed" not in text.lower() and "linked" in text


def test_oas_forum_recommendations_say_nothing_linked_in_these_sources(client: TestClient) -> None:
    html = section(client.get("/commitments").text, "commitment:oas-2008-special-forum-recommendations")
    listed = items(html)
    assert listed and all(flagged for _, flagged, _ in listed)
    assert f"{len(listed)} items · 0 linked · {len(listed)} with nothing linked in these sources" in html


def test_tracker_shows_what_counts_as_a_link(client: TestClient) -> None:
    html = client.get("/commitments").text
    rule = html[html.index('id="link-rule"') : html.index("</details>", html.index('id="link-rule"'))]
    assert "mig:cites" in rule and "mig:partOf" in rule and "infer" in rule
