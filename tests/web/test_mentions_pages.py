"""What the mention index, the context passages and coined names add to the pages: "Mentioned in" on every entity
page, context passages beside the quotes of "How do we know this?", coined names marked in titles and search, and
section pages — in process, over a release built from the complete shape fixture (tests/context_release.py), and
for the sections of the repository's own release."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from context_release import write

from server.settings import Settings
from server.store.embedded import EmbeddedStore
from server.web import labels
from server.web.app import create_app
from server.web.views import entity as entity_view
from server.web.views.mentions import COLLAPSE_AFTER

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def fixture_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("context-release")
    release = write(root / "releases")
    settings = Settings(build_dir=root / "build", state_dir=root / "var")
    with TestClient(create_app(settings, EmbeddedStore(release.snapshot), release=release)) as client:
        yield client


def part(page: str, section_id: str) -> str:
    """The HTML of the page's ``<section id="…">``."""
    return page.split(f'id="{section_id}"', 1)[1].split("</section>", 1)[0]


def evidence_of(page: str, prop: str) -> str:
    """What "How do we know this?" shows for the statement of ``prop``: its quote, or, for a passage stating several
    statements (quoted once), the pointer's passage under "Passages behind several statements"."""
    statement = part(page, "out").split(f'href="/def#{prop}"', 1)[1].split("</dd>", 1)[0]
    pointer = re.search(r'class="shared-pointer">[^<]*<a href="#(passage-[^"]+)"', statement)
    if pointer is None:
        return statement
    return part(page, "shared-passages").split(f'id="{pointer.group(1)}"', 1)[1].split('class="shared-passage"')[0]


def test_entity_page_lists_the_documents_sections_and_passages_that_name_it(fixture_client: TestClient) -> None:
    named = part(fixture_client.get("/doc/organisation/segib", headers=HTML).text, "named-in")
    assert "Named in 1 source document, 2 sections and 3 quoted passages" in named
    assert 'href="/doc/source/test-report"' in named
    assert 'href="/doc/source/test-report/forum-report"' in named and "Report of the I Ibero-American Forum" in named
    assert 'href="/doc/source/test-report/montevideo-commitment"' in named
    for excerpt in ("test-forum-title", "test-forum-host", "test-montevideo-25q"):
        assert f'href="/source/test-report#excerpt-{excerpt}"' in named
    assert "q. To entrust SEGIB with promoting" in named


def test_what_names_an_entity_is_not_listed_again_as_referring_to_it(fixture_client: TestClient) -> None:
    page = fixture_client.get("/doc/organisation/segib", headers=HTML).text
    assert 'href="/def#mentions"' not in part(page, "in")


def test_a_long_list_of_passages_starts_collapsed(fixture_client: TestClient) -> None:
    """The annex of the fixture runs to the end of its text: more passages than are shown open."""
    page = fixture_client.get("/doc/source/test-report/montevideo-commitment", headers=HTML).text
    section = part(page, "section")
    assert section.count("read in the document") > COLLAPSE_AFTER
    assert '<details class="passages">' in section


def test_how_do_we_know_shows_the_context_passage_beside_the_quote(fixture_client: TestClient) -> None:
    page = fixture_client.get("/doc/event/test-fibemyd-2008", headers=HTML).text
    held_in = evidence_of(page, "heldIn")
    assert "The Forum was held in Cuenca, Ecuador" in held_in
    context = held_in.split('<ul class="context">', 1)[1]
    assert '<span class="badge context">context</span>' in context
    assert "Report of the I Ibero-American Forum on Migration and Development, organized by" in context
    assert 'href="/source/test-report#excerpt-test-forum-title"' in context


def test_context_passages_are_followed_from_context_to_context(fixture_client: TestClient) -> None:
    """Plan Retorno's passage depends on a heading with no graph of its own, which depends on the report's title."""
    page = fixture_client.get("/doc/practice/plan-retorno", headers=HTML).text
    presented_at = evidence_of(page, "presentedAt")
    contexts = presented_at.split('<ul class="context">', 1)[1].split("</ul>", 1)[0]
    assert contexts.count("badge context") == 2
    assert contexts.index("excerpt-test-forum-title") < contexts.index("excerpt-test-practices-heading")


def test_entity_page_title_says_when_its_name_is_coined(fixture_client: TestClient) -> None:
    coined = fixture_client.get("/doc/commitment/montevideo-2006/p25q", headers=HTML).text
    assert "<h1" in coined and "Commitment of Montevideo, item 25.q</h1>" in coined
    assert "Name coined by migkg" in coined
    printed = fixture_client.get("/doc/organisation/segib", headers=HTML).text
    assert "Name coined by migkg" not in printed


def test_lists_mark_coined_names_of_the_entities_they_link(fixture_client: TestClient) -> None:
    page = fixture_client.get("/doc/commitment/montevideo-2006", headers=HTML).text
    items = part(page, "document-items")  # a commitment document lists its items here, not under "Referred to by"
    item = items.split("Commitment of Montevideo, item 25.q", 1)[1].split("</p>", 1)[0]
    assert "(coined name)" in item


def test_reader_anchors_a_context_passage_that_states_no_fact(fixture_client: TestClient) -> None:
    page = fixture_client.get("/source/test-report").text
    assert 'id="excerpt-test-practices-heading"' in page
    listed = page.split('id="facts-test-practices-heading"', 1)[1].split("</li>", 1)[0]
    assert "context only" in listed


def test_section_iri_answers_303_to_its_page(fixture_client: TestClient) -> None:
    response = fixture_client.get("/id/source/test-report/montevideo-commitment", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/doc/source/test-report/montevideo-commitment"


def test_section_page_shows_heading_parent_passages_and_what_it_names(fixture_client: TestClient) -> None:
    page = fixture_client.get("/doc/source/test-report/montevideo-commitment", headers=HTML).text
    section = part(page, "section")
    assert "Commitment of Montevideo on Migrations and Development" in section
    parent = section.split("<dt>Part of</dt>", 1)[1].split("</dd>", 1)[0]
    assert 'href="/doc/source/test-report/forum-report"' in parent
    assert 'href="/source/test-report#excerpt-test-montevideo-25q"' in section
    named = section.split("What it names", 1)[1]
    for entity in ("organisation/segib", "organisation/eclac", "instrument/cmw", "commitment/montevideo-2006"):
        assert f'href="/doc/{entity}"' in named


def test_section_page_lists_its_subsections(fixture_client: TestClient) -> None:
    section = part(fixture_client.get("/doc/source/test-report/forum-report", headers=HTML).text, "section")
    subsections = section.split("Subsections", 1)[1].split("</dl>", 1)[0]
    assert 'href="/doc/source/test-report/montevideo-commitment"' in subsections


def test_section_is_rdf_like_any_entity(fixture_client: TestClient) -> None:
    turtle = fixture_client.get("/doc/source/test-report/montevideo-commitment.ttl").text
    assert "DocumentSection" in turtle or "Annex" in turtle
    assert "forum-report" in turtle


def test_search_results_mark_coined_names(fixture_client: TestClient) -> None:
    hits = fixture_client.get("/api/search", params={"q": "Remittances to Ecuador"}).json()["results"]
    by_iri = {h["iri"].rsplit("/", 1)[-1]: h for h in hits}
    assert by_iri["remittances-ecu-2006"]["coined"] is True
    printed = fixture_client.get("/api/search", params={"q": "SEGIB"}).json()["results"][0]
    assert printed["iri"].endswith("organisation/segib") and printed["coined"] is False
    page = fixture_client.get("/search", params={"q": "Remittances to Ecuador"}).text
    row = page.split("Remittances to Ecuador, 2006</a>", 1)[1].split("</li>", 1)[0]
    assert "(coined name)" in row


@pytest.mark.build
def test_a_section_of_the_repository_dereferences_to_a_section_page(client: TestClient) -> None:
    response = client.get("/id/source/segib-2008-fibemyd-report/action-plan", follow_redirects=False)
    assert response.headers["location"] == "/doc/source/segib-2008-fibemyd-report/action-plan"
    page = client.get(response.headers["location"], headers=HTML)
    assert page.status_code == 200
    section = part(page.text, "section")
    assert "ACTION PLAN OF CUENCA" in section
    assert 'href="/doc/source/segib-2008-fibemyd-report"' in section.split("<dt>Part of</dt>", 1)[1]


def test_fixture_release_source_text_has_every_quote_where_the_fixture_puts_it(tmp_path: Path) -> None:
    release = write(tmp_path / "releases")
    text = release.source_text("test-report.txt") or ""
    assert text[100:].startswith("Report of the I Ibero-American Forum")
    assert text[5000:].startswith("ECLAC estimates remittances to Ecuador")


@pytest.mark.build
def test_entity_page_is_the_same_with_what_names_it_asked_in_batches(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The passages naming an entity and stating its facts are asked in batches of VALUES (``labels.batches``: one
    VALUES block of thousands of IRIs made pyoxigraph's plan 2,000× slower): batches of one give the same page."""
    path = "/doc/organisation/iom"  # named by 141 passages, its facts stated by 92
    whole = client.get(path, headers={"Accept": "text/html"})
    cut: list[int] = []

    def batches_of_one(iris: Iterable[str]) -> list[list[str]]:
        found = labels.batches(iris, 1)
        cut.append(len(found))
        return found

    monkeypatch.setattr(entity_view, "batches", batches_of_one)
    assert client.get(path, headers={"Accept": "text/html"}).text == whole.text
    assert whole.status_code == 200 and len(cut) == 2 and min(cut) > 1
