"""The countries × topics matrix (/matrix) over the repository's own built release: each cell's number is the
number of entities its /browse link lists; the table is accessible; the source filter narrows."""

from __future__ import annotations

import html as html_lib
import re
import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.build

CELL = re.compile(r'<td class="cell" data-count="(\d+)"><a href="([^"]+)"')
OAS_MAPPING = "source:oas-2008-migration-programmes-mapping"


def cells(page: str) -> list[tuple[int, str]]:
    return [(int(n), html_lib.unescape(url)) for n, url in CELL.findall(page)]


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
