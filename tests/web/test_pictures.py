"""The timeline, network and map — their JSON checked against the graph (by SPARQL on the same release), their
no-JavaScript tables, bad focus answers, and assets served only from /static/ — over the built release."""

from __future__ import annotations

import re
import warnings
from urllib.parse import quote

import pycountry
import pytest

from server import prefixes
from server.settings import REPO_ROOT
from server.web.views import country_map

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.build

SEGIB = prefixes.ID + "organisation/segib"
UN_DESA = prefixes.ID + "organisation/un-desa"
HEAD = prefixes.sparql_header(("mig", "xsd"))
PRECISION = {prefixes.XSD + "gYear": "year", prefixes.XSD + "gYearMonth": "month", prefixes.XSD + "date": "day"}


def select(client: TestClient, query: str) -> list[dict[str, dict[str, str]]]:
    response = client.get(
        "/sparql", params={"query": HEAD + query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200, response.text
    bindings: list[dict[str, dict[str, str]]] = response.json()["results"]["bindings"]
    return bindings


def values(client: TestClient, query: str, var: str) -> set[str]:
    return {row[var]["value"] for row in select(client, query)}


# Timeline


def test_timeline_lists_every_dated_event_once(client: TestClient) -> None:
    events = client.get("/api/timeline").json()["events"]
    dated = values(
        client, "SELECT ?e WHERE { ?e a mig:Event { ?e mig:startDate ?d } UNION { ?e mig:endDate ?d } }", "e"
    )
    assert [e["iri"] for e in events].count(events[0]["iri"]) == 1
    assert {e["iri"] for e in events} == dated
    assert [e["from"] for e in events] == sorted(e["from"] for e in events)


def test_timeline_keeps_the_precision_the_source_gives(client: TestClient) -> None:
    given: dict[str, dict[str, str]] = {}
    for row in select(client, "SELECT ?e ?d WHERE { ?e a mig:Event ; mig:startDate ?d }"):
        given.setdefault(row["e"]["value"], {})[row["d"]["value"]] = PRECISION[row["d"]["datatype"]]
    assert set(PRECISION.values()) <= {p for dates in given.values() for p in dates.values()}
    for event in client.get("/api/timeline").json()["events"]:
        start = event["start"]
        assert given[event["iri"]][start["value"]] == start["precision"]
        assert event["from"].startswith(start["value"])  # no day invented: a year starts on 1 January, etc.
        if start["precision"] == "year":
            assert event["until"] >= f"{int(start['value']) + 1}-01-01"


def test_segib_timeline_includes_the_events_segib_organised(client: TestClient) -> None:
    organised = values(client, f"SELECT ?e WHERE {{ ?e mig:organisedBy <{SEGIB}> ; mig:startDate ?d }}", "e")
    assert organised
    body = client.get("/api/timeline", params={"focus": SEGIB}).json()
    assert body["focus"]["iri"] == SEGIB and body["focus"]["page"] == "/doc/organisation/segib"
    events = {e["iri"]: e for e in body["events"]}
    assert organised <= set(events)
    for event in organised:
        assert prefixes.MIG + "organisedBy" in {r["relation"]["iri"] for r in events[event]["related_by"]}
    assert len(events) < len(client.get("/api/timeline").json()["events"])


def test_timeline_focused_on_a_country_includes_the_events_held_there(client: TestClient) -> None:
    ecuador = prefixes.ID + "country/ecu"
    held = values(client, f"SELECT ?e WHERE {{ ?e mig:heldIn/mig:locatedIn? <{ecuador}> ; mig:startDate ?d }}", "e")
    assert held
    assert held <= {e["iri"] for e in client.get("/api/timeline", params={"focus": ecuador}).json()["events"]}


def test_timeline_table_renders_every_event_without_javascript(client: TestClient) -> None:
    events = client.get("/api/timeline").json()["events"]
    html = client.get("/timeline").text
    table = html[html.index('id="timeline-table"') : html.index("</table>")]
    assert table.count("<tr>") == len(events) + 1  # the header row
    for event in events:
        assert f'href="{event["page"]}"' in table
    assert 'id="timeline"' in html


# Network


def test_network_around_un_desa_has_its_parent_and_co_organisers(client: TestClient) -> None:
    """UN DESA has a parent (the UN Secretariat) and a co-organiser (Foundation Rosselli, of the 2006 Turin
    symposium)."""
    direct = (
        f"SELECT ?p WHERE {{ <{UN_DESA}> mig:subOrganisationOf ?p FILTER NOT EXISTS {{ "
        f"<{UN_DESA}> mig:subOrganisationOf ?m . ?m mig:subOrganisationOf ?p }} }}"
    )
    parents = values(client, direct, "p")
    co = values(client, f"SELECT ?o WHERE {{ ?e mig:organisedBy <{UN_DESA}> , ?o FILTER(?o != <{UN_DESA}>) }}", "o")
    assert parents and co
    body = client.get("/api/network", params={"focus": UN_DESA}).json()
    edges = {(e["source"], e["relation"], e["target"]) for e in body["edges"]}
    for parent in parents:
        assert (UN_DESA, prefixes.MIG + "subOrganisationOf", parent) in edges
    pairs = {frozenset((s, t)) for s, r, t in edges if r == "co-organiser"}
    assert all(frozenset((UN_DESA, o)) in pairs for o in co)
    nodes = {n["iri"]: n for n in body["nodes"]}
    assert nodes[UN_DESA]["focus"] and all(n["label"] and n["page"] for n in nodes.values())
    assert all(e["source"] in nodes and e["target"] in nodes and e["label"] for e in body["edges"])


def test_network_memberships_carry_their_role(client: TestClient) -> None:
    rows = select(client, "SELECT ?a ?o WHERE { ?m mig:memberAgent ?a ; mig:membershipOrganisation ?o ; "
                          "mig:membershipRole mig:roleObserver } LIMIT 1")  # fmt: skip
    agent, organisation = rows[0]["a"]["value"], rows[0]["o"]["value"]
    body = client.get("/api/network", params={"focus": organisation}).json()
    assert {"source": agent, "target": organisation, "relation": prefixes.MIG + "observerOf"}.items() <= next(
        e for e in body["edges"] if e["source"] == agent and e["target"] == organisation
    ).items()


def test_network_depth_two_grows_but_stays_under_the_cap(client: TestClient) -> None:
    one = client.get("/api/network", params={"focus": SEGIB}).json()
    two = client.get("/api/network", params={"focus": SEGIB, "depth": 2}).json()
    assert len(two["nodes"]) > len(one["nodes"])
    assert len(two["nodes"]) <= two["node_cap"]
    assert {n["depth"] for n in two["nodes"]} == {0, 1, 2}


def test_network_lists_render_every_edge_without_javascript(client: TestClient) -> None:
    body = client.get("/api/network", params={"focus": SEGIB}).json()
    html = client.get("/network", params={"focus": SEGIB}).text
    section = html[html.index('id="network-table"') :]
    assert section.count("<li data-relation=") == len(body["edges"])
    assert 'id="network"' in html


def test_network_without_focus_offers_a_form_of_organisations(client: TestClient) -> None:
    response = client.get("/network")
    assert response.status_code == 200
    assert '<select id="focus" name="focus"' in response.text and f'value="{SEGIB}"' in response.text


# Bad focus


@pytest.mark.parametrize("path", ["/timeline", "/api/timeline", "/network", "/api/network"])
@pytest.mark.parametrize(
    ("focus", "status"),
    [
        ("organisation/segib", 400),
        ("https://w3id.org/migkg/id/org> } } SELECT * WHERE { ?s ?p ?o", 400),
        ('https://w3id.org/migkg/id/x"', 400),
        (prefixes.ID + "organisation/no-such-thing", 404),
    ],
)
def test_bad_focus_gets_a_readable_answer(client: TestClient, path: str, focus: str, status: int) -> None:
    response = client.get(path, params={"focus": focus})
    assert response.status_code == status
    if path.startswith("/api/"):
        assert response.json()["error"]
    else:
        assert response.headers["content-type"].startswith("text/html") and "<h1>" in response.text


# Map


def test_map_host_counts_match_the_events_held_in_each_country(client: TestClient) -> None:
    hosts = (
        "SELECT ?c (COUNT(DISTINCT ?e) AS ?n) WHERE { ?c a mig:Country . { ?e a mig:Event ; "
        "mig:heldIn/mig:locatedIn? ?c } UNION { ?e mig:hostedBy/mig:jurisdiction ?c } } GROUP BY ?c"
    )
    rows = select(client, hosts)
    expected = {r["c"]["value"]: int(r["n"]["value"]) for r in rows}
    got = {c["iri"]: c["counts"]["host"] for c in client.get("/api/map").json()["countries"] if c["counts"]["host"]}
    assert got == expected


def test_map_numeric_codes_cover_every_country_with_counts(client: TestClient) -> None:
    body = client.get("/api/map").json()
    assert body["countries"]
    drawn = country_map.drawn_codes()
    for country in body["countries"]:
        assert country["iri"] == prefixes.ID + "country/" + country["iso3"].lower()
        assert country["numeric"] == pycountry.countries.get(alpha_3=country["iso3"]).numeric
        assert country["drawn"] == (country["numeric"] in drawn)
        if country["drawn"]:
            assert body["atlas_codes"][country["numeric"]] == country["iso3"]
        assert country["counts"]["all"] == sum(country["counts"][r] for r in ("implementer", "host", "member")) > 0
    assert body["max"]["all"] == max(c["counts"]["all"] for c in body["countries"])


def test_map_table_renders_every_country_without_javascript(client: TestClient) -> None:
    countries = client.get("/api/map").json()["countries"]
    html = client.get("/map", params={"role": "host"}).text
    table = html[html.index('id="map-table"') : html.index("</table>")]
    assert table.count("<tr data-iso3=") == len(countries)
    assert all(f'href="/doc/country/{c["iso3"].lower()}"' in table for c in countries)
    for role in ("Implementer", "Host", "Member"):
        assert f"<dt>{role}</dt>" in html  # each count is defined on the page
    assert 'id="map"' in html


# Assets and links


@pytest.mark.parametrize("path", ["/timeline", f"/timeline?focus={quote(SEGIB)}", f"/network?focus={quote(SEGIB)}",
                                  "/network", "/map"])  # fmt: skip
def test_picture_pages_load_only_local_assets(client: TestClient, path: str) -> None:
    html = client.get(path).text
    assets = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/static/") for a in assets)
    for asset in assets:
        assert client.get(asset).status_code == 200


def test_picture_scripts_fetch_nothing_from_another_host() -> None:
    for script in (REPO_ROOT / "server" / "web" / "static" / "pictures").glob("*.js"):
        assert not re.search(r"https?://", script.read_text(encoding="utf-8")), script.name


def test_entity_pages_link_to_their_pictures(client: TestClient) -> None:
    html = client.get("/doc/organisation/segib").text
    assert f'href="/network?focus={quote(SEGIB, safe="/")}"' in html
    assert f'href="/timeline?focus={quote(SEGIB, safe="/")}"' in html
