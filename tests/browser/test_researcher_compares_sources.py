"""A researcher task of issue 13 (item 8), end to end in Chromium: compare what one source recommends with what
another reports — the OAS Special Forum's report and the OAS mapping of migration programmes, on human rights —
through the browse page's facets, clicking as a researcher would. The counts expected come from the graph (SPARQL on
the same server, with the source facet's stated rule), not from the page under test; screenshots at desktop and
phone width under build/screenshots/compare-sources-*-{desktop,phone}.png; axe-core clean on every page."""

from __future__ import annotations

import httpx
import pytest
from browsing import assert_accessible
from playwright.sync_api import Page, expect

from server import prefixes
from server.settings import REPO_ROOT
from tools.loopback import Server

pytestmark = [pytest.mark.browser, pytest.mark.build, pytest.mark.xdist_group("browser")]

SCREENSHOTS = REPO_ROOT / "build" / "screenshots"
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
TOPIC = "topic:human-rights"
RECOMMENDS = "source:oas-2008-special-forum-report"
REPORTS = "source:oas-2008-migration-programmes-mapping"
# The source facet's rule (views.facets): an entity typed with one of our classes that appears, as subject or
# object, in a passage quoted from the source; here, one that addresses the topic.
BY_SOURCE = """SELECT ?source ?kind (COUNT(DISTINCT ?e) AS ?n) WHERE {{ VALUES ?by {{ "all" "class" }}
  ?e mig:addressesTopic {topic} ; a ?class . FILTER(STRSTARTS(STR(?class), STR(mig:)) && ?class != mig:Excerpt)
  GRAPH ?g {{ {{ ?e ?p ?o }} UNION {{ ?s ?p ?e }} }} GRAPH graph:provenance {{ ?g oa:hasSource ?source }}
  VALUES ?source {{ {sources} }} BIND(IF(?by = "all", "all", ?class) AS ?kind)
}} GROUP BY ?source ?kind"""


def counts(served: Server) -> dict[str, dict[str, int]]:
    """Source → class (or "all") → how many entities addressing the topic it has (classes stated or inferred)."""
    query = prefixes.sparql_header() + BY_SOURCE.format(topic=TOPIC, sources=f"{RECOMMENDS} {REPORTS}")
    response = httpx.post(served.sparql, data={"query": query}, timeout=60)
    assert response.status_code == 200, response.text
    found: dict[str, dict[str, int]] = {}
    for row in response.json()["results"]["bindings"]:
        source = prefixes.compact(row["source"]["value"])
        found.setdefault(source, {})[prefixes.compact(row["kind"]["value"])] = int(row["n"]["value"])
    return found


def shoot_both(page: Page, task: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        path = SCREENSHOTS / f"{task}-{name}.png"
        page.screenshot(path=path, full_page=False)
        assert path.stat().st_size > 0
    page.set_viewport_size(DESKTOP)


def facet_value(page: Page, facet: str, key: str) -> tuple[str, int]:
    """A facet value's link text and its count, opening the facet's "more" list if the value is in it."""
    section = page.locator(f'section.facet[data-facet="{facet}"]')
    link = section.locator(f'a.facet-value[data-value="{key}"]')
    return link.inner_text(), int(link.locator("xpath=following-sibling::span[@class='count']").inner_text())


def choose(page: Page, facet: str, key: str) -> int:
    """Clicks a facet value (opening the facet's "more" list first when it hides it); the clicks it took."""
    section = page.locator(f'section.facet[data-facet="{facet}"]')
    link = section.locator(f'a.facet-value[data-value="{key}"]')
    clicks = 0
    if not link.is_visible():
        section.locator("details:not(.definition) > summary").first.click()
        clicks += 1
    link.click()
    return clicks + 1


def test_researcher_compares_what_one_source_recommends_with_what_another_reports(page: Page, served: Server) -> None:
    expected = counts(served)
    recommended, reported = expected[RECOMMENDS]["all"], expected[REPORTS]["all"]
    assert recommended and reported, expected
    page.set_viewport_size(DESKTOP)
    page.goto("/")
    page.get_by_role("navigation", name="site").get_by_role("link", name="Browse").click()  # click 1
    clicks = 1 + choose(page, "topic", TOPIC)  # the theme
    # One screen answers "how much does each source say on it": the source facet's counts under the topic.
    chosen = page.locator("#chips li.chip[data-facet='topic']")
    expect(chosen).to_have_count(1)
    for source in (RECOMMENDS, REPORTS):
        label, count = facet_value(page, "source", source)
        assert count == expected[source]["all"], (label, count, expected[source])
    assert_accessible(page)
    shoot_both(page, "compare-sources-topic")

    clicks += choose(page, "source", RECOMMENDS)  # what the Forum recommends on it
    expect(page.locator("#results p.count")).to_contain_text(f"of {recommended},")
    assert_accessible(page)
    shoot_both(page, "compare-sources-recommends")

    page.locator("#chips li.chip[data-facet='source'] a").click()  # the other source instead
    clicks += 1 + choose(page, "source", REPORTS)
    expect(page.locator("#results p.count")).to_contain_text(f"of {reported},")
    # What the mapping reports on the theme, by kind: the type facet's counts are the graph's.
    for kind, count in expected[REPORTS].items():
        if kind in ("mig:Practice", "mig:Programme"):
            assert facet_value(page, "type", kind)[1] == count, kind
    assert_accessible(page)
    shoot_both(page, "compare-sources-reports")
    assert clicks <= 6, f"{clicks} clicks"
