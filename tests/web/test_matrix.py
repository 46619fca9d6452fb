"""The countries × topics matrix (/matrix) over the repository's own built release: a few cells hold exactly the
entities written out below from the curated data; each cell's number is the number of entities its /browse link
lists; the table is accessible; the source filter narrows."""

from __future__ import annotations

import html as html_lib
import re
import warnings
from urllib.parse import parse_qs, urlsplit

import pytest

from server import prefixes

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.build

CELL = re.compile(r'<td class="cell" data-count="(\d+)"><a href="([^"]+)"')
OAS_MAPPING = "source:oas-2008-migration-programmes-mapping"
TITLE = re.compile(
    r'<td class="cell" data-count="(\d+)"><a href="([^"]+)" title="[^:"]+: (\d+) practices?, (\d+) commitment'
)
SPLIT = re.compile(r'<span class="split"><a href="([^"]+)">\d+&nbsp;p</a> <a href="([^"]+)">')

# Hand-checked cells, read off data/curated/*.trig (not off the facet table the matrix is built from):
# (country, topic) → (practices, commitment items) that a source relates to both. Every entity below states
# mig:addressesTopic <topic> in the excerpt named in its comment; the comment says how the country comes in.
MEX_HEALTH = (
    {
        # (oasmap-reg-rc-gtm-humanitarian-chain runs in Guatemala only since issue 10: its row prints "the four
        # countries" and names no other, so Mexico, Honduras and El Salvador are no longer its places)
        # gfmd-2011-ws-health-windows-peoples-insurance (GFMD report): mig:implementedBy organisation:mex-government,
        # whose mig:jurisdiction is country:mex (gfmd-2011-ws-co-chaired)
        "practice/mex-health-windows",
        "practice/mex-peoples-insurance",
    },
    set(),
)
HND_HEALTH = (
    {
        # gfmd-2011-ws-health-windows-peoples-insurance: mig:implementedBy organisation:hnd-government (jurisdiction
        # country:hnd in gfmd-2011-ws-consular-networks)
        "practice/hnd-health-windows",
        # oasmap-reg-rc-hnd-el-amatillo (OAS mapping): mig:implementedIn country:hnd (and slv, El Amatillo)
        "practice/hnd-red-cross-el-amatillo-std-hiv-aids",
    },
    set(),
)
URY_CHILDREN = (
    {"practice/arg-chl-ury-trafficking-study"},  # oasmap-ibero-trafficking-study-arg-chl-ury: implementedIn ury
    # segib-montevideo-p17, -p19, -p24, -p25j, -p25n (FIBEMYD report): items of commitment:montevideo-2006, which
    # mig:adoptedAt the 16th Ibero-American Summit, mig:heldIn place:montevideo, mig:locatedIn country:ury
    # (segib-montevideo-adoption)
    {f"commitment/montevideo-2006/{item}" for item in ("p17", "p19", "p24", "p25j", "p25n")},
)
COL_CHILDREN = (
    # oasmap-gs-dec-tendencies-project (OAS mapping): mig:implementedIn country:col (and bra, chl, ecu, per, ven)
    {"practice/tendencies-in-transition-policies-project"},
    set(),
)
EXPECTED_CELLS = {
    ("country:mex", "topic:health"): MEX_HEALTH,
    ("country:hnd", "topic:health"): HND_HEALTH,
    ("country:ury", "topic:children"): URY_CHILDREN,
    ("country:col", "topic:children"): COL_CHILDREN,
}
# Only what the OAS mapping states: the GFMD report's health windows and the Montevideo items drop out (and Mexico ×
# health has no cell: the mapping states no health practice in Mexico).
EXPECTED_FROM_OAS_MAPPING = {
    ("country:hnd", "topic:health"): (HND_HEALTH[0] - {"practice/hnd-health-windows"}, set()),
    ("country:ury", "topic:children"): (URY_CHILDREN[0], set()),
    ("country:col", "topic:children"): COL_CHILDREN,
}


def cells(page: str) -> list[tuple[int, str]]:
    return [(int(n), html_lib.unescape(url)) for n, url in CELL.findall(page)]


def find_cell(page: str, country: str, topic: str) -> tuple[int, str, int, int, tuple[str, str] | None]:
    """The cell of ``country`` × ``topic``: count, link, practices and items in its title, its split links."""
    for row in page.split("<td")[1:]:
        found = TITLE.match("<td" + row)
        if found:
            query = parse_qs(urlsplit(html_lib.unescape(found.group(2))).query)
            if query["country"] == [country] and query["topic"] == [topic]:
                split = SPLIT.search(row)
                links = (html_lib.unescape(split.group(1)), html_lib.unescape(split.group(2))) if split else None
                return int(found.group(1)), html_lib.unescape(found.group(2)), int(found[3]), int(found[4]), links
    raise AssertionError(f"no cell for {country} × {topic}")


def browse_iris(client: TestClient, url: str) -> set[str]:
    response = client.get("/api" + url)
    assert response.status_code == 200, response.text
    assert response.json()["total"] <= response.json()["page_size"], "a hand-checked cell fits on one page"
    return {entity["iri"].removeprefix(prefixes.ID) for entity in response.json()["results"]}


@pytest.mark.parametrize(
    ("params", "expected"),
    [({}, EXPECTED_CELLS), ({"source": OAS_MAPPING}, EXPECTED_FROM_OAS_MAPPING)],
    ids=["all", "oas"],
)
def test_matrix_cells_hold_the_hand_checked_entities(
    client: TestClient, params: dict[str, str], expected: dict[tuple[str, str], tuple[set[str], set[str]]]
) -> None:
    page = client.get("/matrix", params=params).text
    for (country, topic), (practices, items) in expected.items():
        count, url, in_practices, in_items, split = find_cell(page, country, topic)
        assert (count, in_practices, in_items) == (len(practices | items), len(practices), len(items)), (country, topic)
        assert browse_iris(client, url) == practices | items, (country, topic)
        if practices and items:
            assert split is not None and [browse_iris(client, link) for link in split] == [practices, items]


def browse_total(client: TestClient, url: str) -> int:
    assert url.startswith("/browse?")
    response = client.get("/api" + url)
    assert response.status_code == 200, response.text
    total: int = response.json()["total"]
    return total


@pytest.mark.parametrize("params", [{}, {"source": OAS_MAPPING}])
def test_matrix_cell_count_equals_entities_at_its_browse_link(client: TestClient, params: dict[str, str]) -> None:
    found = cells(client.get("/matrix", params=params).text)
    assert len(found) > 20
    sample = sorted(found, reverse=True)[:5] + found[:: max(1, len(found) // 15)]
    for count, url in sample:
        assert browse_total(client, url) == count, url
        assert "country=" in url and "topic=" in url
        assert ("source=" in url) == bool(params)


def test_source_filter_never_adds_to_a_cell(client: TestClient) -> None:
    every = dict((url, n) for n, url in cells(client.get("/matrix").text))
    only = cells(client.get("/matrix", params={"source": OAS_MAPPING}).text)
    assert only
    for n, url in only:
        assert n <= every[url.replace("&source=" + OAS_MAPPING.replace(":", "%3A"), "")]


def test_matrix_is_an_accessible_table_with_a_get_form(client: TestClient) -> None:
    page = client.get("/matrix").text
    assert '<table id="matrix">' in page and "<caption" in page
    assert '<th scope="col" class="topic">' in page and '<th scope="row">' in page
    assert '<form method="get" action="/matrix"' in page and "<script" not in page
    assert "related to the country" in page


@pytest.mark.parametrize("source", ["oas", "source:a b", "https://x/<y>"])
def test_matrix_bad_source_answers_a_readable_400(client: TestClient, source: str) -> None:
    response = client.get("/matrix", params={"source": source})
    assert response.status_code == 400 and "Bad request" in response.text


def test_matrix_unknown_source_says_so(client: TestClient) -> None:
    page = client.get("/matrix", params={"source": "source:no-such-report"}).text
    assert "No source" in page and not cells(page)
