"""Pages with data in every representation (``web.representations``): ``/search``, ``/browse``, ``/commitments`` and
``/matrix`` answer HTML to browsers, JSON and CSV to ``Accept`` or a suffix, advertise each with ``Link``, say
``Vary: Accept`` and refuse other types with 406 — in process, over the repository's own built release."""

from __future__ import annotations

import csv
import io
import warnings

import pytest

from server import media

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.build

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
# Each page with a request that has data, and a column whose values the JSON also holds.
PAGES = {
    "search": ("/search", "q=cuenca", "iri"),
    "browse": ("/browse", "type=mig:Workshop", "iri"),
    "commitments": ("/commitments", "only=unlinked", "item"),
    "matrix": ("/matrix", "", "country"),
}


def table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize(("path", "query", "column"), PAGES.values(), ids=PAGES.keys())
def test_page_answers_json_and_csv_to_accept_and_html_to_browsers(
    client: TestClient, path: str, query: str, column: str
) -> None:
    url = f"{path}?{query}"
    page = client.get(url, headers={"Accept": BROWSER})
    assert page.headers["content-type"].startswith(media.HTML) and "<main" in page.text
    data = client.get(url, headers={"Accept": media.JSON})
    assert data.status_code == 200 and data.headers["content-type"] == media.JSON
    as_csv = client.get(url, headers={"Accept": media.CSV})
    assert as_csv.headers["content-type"].startswith(media.CSV)
    rows = table(as_csv.text)
    assert rows and all(row[column].startswith("https://w3id.org/migkg/") for row in rows)
    assert {row[column] for row in rows} <= set(_iris(data.json()))
    for response in (page, data, as_csv):
        assert "Accept" in response.headers["vary"]


def _iris(body: object) -> list[str]:
    """Every string value anywhere in a JSON body."""
    if isinstance(body, dict):
        return [s for v in body.values() for s in _iris(v)]
    if isinstance(body, list):
        return [s for v in body for s in _iris(v)]
    return [body] if isinstance(body, str) else []


@pytest.mark.parametrize(("path", "query", "column"), PAGES.values(), ids=PAGES.keys())
def test_page_links_each_representation_which_its_suffix_serves(
    client: TestClient, path: str, query: str, column: str
) -> None:
    link = client.get(f"{path}?{query}").headers["link"]
    for suffix, media_type in media.PAGE_TYPES.items():
        target = f"{path}.{suffix}" + (f"?{query}" if query else "")
        assert f'<{target}>; rel="alternate"; type="{media_type}"' in link
        response = client.get(target, headers={"Accept": "image/png"})  # a suffix names the type: Accept is moot
        assert response.status_code == 200 and response.headers["content-type"].startswith(media_type)
    negotiated = client.get(f"{path}?{query}", headers={"Accept": media.JSON}).json()
    assert client.get(f"{path}.json?{query}").json() == negotiated


@pytest.mark.parametrize("path", [p for p, _, _ in PAGES.values()])
def test_page_refuses_a_type_it_has_not_with_406_listing_its_types(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"Accept": "application/rdf+xml, image/*"})
    assert response.status_code == 406
    assert "Accept" in response.headers["vary"]
    assert all(media_type in response.text for media_type in media.PAGE_TYPES.values())


def test_search_json_is_what_api_search_answers(client: TestClient) -> None:
    params = {"q": "migración", "limit": "5", "offset": "2"}
    api = client.get("/api/search", params=params)
    assert api.status_code == 200 and len(api.json()["results"]) == 5
    assert client.get("/search", params=params, headers={"Accept": media.JSON}).json() == api.json()


def test_bad_parameter_in_json_request_is_400_as_text(client: TestClient) -> None:
    response = client.get("/commitments.json", params={"only": "everything"})
    assert response.status_code == 400 and response.headers["content-type"].startswith(media.TEXT_PLAIN)
    assert "only must be 'unlinked'" in response.text


def test_openapi_states_each_representation_of_each_page(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path, _, _ in PAGES.values():
        responses = paths[path]["get"]["responses"]
        assert set(responses["200"]["content"]) == set(media.PAGE_TYPES.values())
        assert "406" in responses
        for suffix, media_type in media.PAGE_TYPES.items():
            assert set(paths[f"{path}.{suffix}"]["get"]["responses"]["200"]["content"]) == {media_type}
