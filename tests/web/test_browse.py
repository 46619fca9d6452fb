"""Browse with facets (/browse, /api/browse) over the repository's own built release: filters combine (AND
across facets, OR within one), counts agree with SPARQL and with what selecting a value gives, bad input is
a readable 400, and the page needs no JavaScript."""

from __future__ import annotations

import re
import warnings
from typing import Any

import pytest

from server import prefixes

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

pytestmark = [pytest.mark.build, pytest.mark.backends]

HEAD = prefixes.sparql_header(("mig", "country", "topic", "rdf"))


def api(client: TestClient, params: list[tuple[str, str]] | dict[str, str]) -> dict[str, Any]:
    response = client.get("/api/browse", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def sparql_count(client: TestClient, where: str) -> int:
    query = HEAD + f"SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE {{ {where} }}"
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def facet(body: dict[str, Any], name: str) -> list[dict[str, Any]]:
    values: list[dict[str, Any]] = next(f for f in body["facets"] if f["facet"] == name)["values"]
    return values


def test_facet_combination_narrows_results_to_the_sparql_count(client: TestClient) -> None:
    practices = api(client, {"type": "mig:Practice"})["total"]
    in_ecuador = api(client, [("type", "mig:Practice"), ("country", "country:ecu")])
    # A practice relates to a country when implemented in it (or a place in it), benefiting it, or implemented by a
    # body under its jurisdiction: the other country relations do not apply to practices.
    expected = sparql_count(client, (
        "?e a mig:Practice . { ?e mig:implementedIn ?place . ?place mig:locatedIn? country:ecu } "
        "UNION { ?e mig:beneficiaryCountry country:ecu } UNION { ?e mig:implementedBy ?body . "
        "?body mig:jurisdiction country:ecu }"
    ))  # fmt: skip
    assert 0 < in_ecuador["total"] == expected < practices
    assert len(in_ecuador["results"]) == min(expected, in_ecuador["page_size"])


def test_type_and_topic_together_give_the_sparql_count(client: TestClient) -> None:
    body = api(client, [("type", "mig:Practice"), ("topic", "topic:labour-migration")])
    expected = sparql_count(client, "?e a mig:Practice ; mig:addressesTopic topic:labour-migration")
    assert 0 < body["total"] == expected


def test_values_of_one_facet_widen_values_of_two_facets_narrow(client: TestClient) -> None:
    ecuador = api(client, {"country": "country:ecu"})["total"]
    colombia = api(client, {"country": "country:col"})["total"]
    either = api(client, [("country", "country:ecu"), ("country", "country:col")])["total"]
    both = api(client, [("country", "country:ecu"), ("type", "mig:GovernmentBody")])["total"]
    assert max(ecuador, colombia) <= either <= ecuador + colombia
    assert 0 < both < ecuador


@pytest.mark.parametrize(
    "start", [{}, {"type": "mig:Practice"}, {"source": "source:oas-2008-migration-programmes-mapping"}]
)
def test_facet_value_count_equals_results_when_selected(
    client: TestClient, backend: str, start: dict[str, str]
) -> None:
    body = api(client, start)
    for entry in body["facets"]:
        if entry["facet"] in start or not entry["values"]:
            continue
        sample = entry["values"][:2] + entry["values"][-1:]
        for value in sample:
            selected = api(client, [*start.items(), (entry["facet"], value["key"])])
            if selected["total"] != value["count"] and backend == "virtuoso":
                miscounted_once(client, start, entry["facet"], value, selected["total"])
            assert selected["total"] == value["count"], (entry["facet"], value["key"])


def miscounted_once(client: TestClient, start: dict[str, str], name: str, value: dict[str, Any], total: int) -> None:
    """An expected failure when Virtuoso, asked the same counts again, gives the number the selection gives: it
    answered one query with two numbers (once in CI: 741 where the selection gave 742; not reproduced here in 720
    queries, concurrent and under CPU load, nor after 5 fresh loads; openlink/virtuoso-opensource#575 is that
    defect, open). A count it repeats is ours: the test fails."""
    again = {v["key"]: v["count"] for v in facet(api(client, start), name)}.get(value["key"])
    if again == total:
        pytest.xfail(f"Virtuoso counted {name} {value['key']} as {value['count']}, then as {again} for the same "
                     f"query (openlink/virtuoso-opensource#575)")  # fmt: skip


def test_unknown_value_gives_no_results_and_says_so(client: TestClient) -> None:
    body = api(client, [("country", "country:zzz"), ("type", "mig:Practice")])
    assert body["total"] == 0 and body["results"] == []
    assert "No entity has country" in body["message"]
    page = client.get("/browse", params={"topic": "topic:no-such-topic"})
    assert page.status_code == 200 and "No entity has topic" in page.text


def test_empty_combination_of_known_values_says_so(client: TestClient) -> None:
    body = api(client, [("type", "mig:Person"), ("type", "mig:Country"), ("year", "1900")])
    assert body["total"] == 0 and "No entity has year 1900" in body["message"]


@pytest.mark.parametrize(
    "params",
    [
        {"country": "foo"},
        {"country": "ecu"},
        {"year": "20x8"},
        {"year": "2008.0"},
        {"page": "0"},
        {"page": "two"},
        {"type": "https://w3id.org/migkg/def#Practice> } UNION { ?e ?p ?o"},
        {"topic": "topic:x} UNION {?e ?p ?o"},
        {"organisation": "javascript:alert(1)"},
    ],
)
def test_malformed_parameter_answers_a_readable_400(client: TestClient, params: dict[str, str]) -> None:
    page = client.get("/browse", params=params)
    assert page.status_code == 400
    assert page.headers["content-type"].startswith("text/html")
    assert "Bad request" in page.text and "<script" not in page.text
    assert client.get("/api/browse", params=params).status_code == 400


def test_full_iri_and_compact_iri_select_the_same(client: TestClient) -> None:
    full = api(client, {"country": prefixes.ID + "country/ecu"})
    short = api(client, {"country": "country:ecu"})
    assert full["total"] == short["total"] > 0


def test_results_are_paged_by_name(client: TestClient) -> None:
    first = api(client, {"type": "mig:Place"})
    second = api(client, {"type": "mig:Place", "page": "2"})
    assert first["total"] > first["page_size"]
    assert not {r["iri"] for r in first["results"]} & {r["iri"] for r in second["results"]}
    names = [r["label"].lower() for r in first["results"]]
    assert names == sorted(names)


def test_labels_follow_accept_language(client: TestClient) -> None:
    response = client.get("/api/browse", params={"type": "mig:Topic"}, headers={"Accept-Language": "es"})
    labels = {r["iri"]: (r["label"], r["language"]) for r in response.json()["results"]}
    assert labels[prefixes.ID + "topic/labour-migration"] == ("Migración laboral", "es")


def test_browse_page_has_stable_hooks_and_needs_no_script(client: TestClient) -> None:
    html = client.get("/browse", params=[("type", "mig:Practice"), ("country", "country:ecu")]).text
    for hook in ('id="facets"', 'id="results"', 'class="facet" data-facet="country"', 'class="facet-value"',
                 'id="chips"'):  # fmt: skip
        assert hook in html
    assert "<script" not in html
    links = re.findall(r'class="facet-value" href="([^"]+)"', html)
    assert links and all(link.startswith("/browse") for link in links)
    removing = re.findall(r'<li class="chip"[^>]*>.*?<a href="([^"]+)"', html)
    assert "/browse?type=mig%3APractice" in removing
