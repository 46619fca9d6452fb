"""Spanish and mobile in Chromium, end to end (issue 13, item 7):

- read the site in Spanish: the language switch turns the page Spanish in place (same page, same query), the
  navigation keeps the choice, and a Spanish browser gets Spanish without choosing;
- navigate on a phone: at 390 px the navigation is one compact menu that opens (by touch or keyboard) and navigates;
- read the matrix on a phone: sticky topic headers and country names stay apart, the country column stays narrow;
- run a query on a phone: the Run button never covers the code; nothing but the matrix scrolls sideways.

Each saves screenshots at desktop (1280) and phone (390) width under build/screenshots/<task>-{desktop,phone}.png;
axe-core stays clean in both languages.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from browsing import assert_accessible, matrix_headers_on_top, wait_for_js
from playwright.sync_api import Page, expect

from server.settings import REPO_ROOT
from tools.loopback import Server

pytestmark = [pytest.mark.browser, pytest.mark.build, pytest.mark.xdist_group("browser")]

SCREENSHOTS = REPO_ROOT / "build" / "screenshots"
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
NO_SIDEWAYS_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth"
MAIN_PAGES = ("/", "/search?q=remesas", "/browse", "/commitments", "/discrepancies", "/query", "/timeline",
              "/network", "/map", "/source", "/def", "/doc/organisation/iom", "/download")  # fmt: skip
CATALOGUE_QUERY = "07-good-practices-per-government"
SPANISH_BROWSER = "es-ES,es;q=0.9"


def ask_for_spanish(page: Page) -> Page:
    """Every request of ``page`` asks for Spanish, as a browser set to Spanish does (the context's locale is fixed in
    conftest, en-GB); the loopback guard still sees every request."""
    page.route(
        "**/*", lambda route: route.fallback(headers={**route.request.headers, "accept-language": SPANISH_BROWSER})
    )
    return page


def screenshot(page: Page, task: str, width: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{task}-{width}.png"
    page.screenshot(path=path, full_page=False)
    return path


def site_links(page: Page, name: str) -> list[str]:
    return page.get_by_role("navigation", name=name).get_by_role("link").all_inner_texts()


def test_researcher_switches_the_interface_to_spanish_and_it_stays(page: Page, served: Server) -> None:
    page.set_viewport_size(DESKTOP)
    page.goto("/search?q=remesas")  # the browser asks for English (en-GB)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search")
    assert_accessible(page)

    page.get_by_role("navigation", name="Language of the interface").get_by_role("link", name="Español").click()  # 1
    expect(page.locator("html")).to_have_attribute("lang", "es")
    assert urlsplit(page.url).path == "/search" and parse_qs(urlsplit(page.url).query) == {
        "q": ["remesas"], "lang": ["es"]
    }  # fmt: skip
    expect(page.get_by_role("heading", level=1)).to_have_text("Buscar")
    expect(page.get_by_label("Nombres, siglas (en cualquier idioma), descripciones y pasajes citados")).to_have_value(
        "remesas"
    )
    assert "Explorar" in site_links(page, "sitio") and "Browse" not in site_links(page, "sitio")
    switch = page.get_by_role("navigation", name="Idioma de la interfaz")
    expect(switch.get_by_role("link", name="Español")).to_have_attribute("aria-current", "true")
    assert_accessible(page)
    screenshot(page, "spanish-interface", "desktop")

    page.get_by_role("navigation", name="sitio").get_by_role("link", name="Matriz").click()  # 2: the choice stays
    expect(page.get_by_role("heading", level=1)).to_have_text("Países × temas")
    expect(page.locator("#matrix thead")).to_contain_text("Migración laboral")  # the labels follow too
    assert_accessible(page)

    page.get_by_role("navigation", name="Idioma de la interfaz").get_by_role("link", name="English").click()  # 3
    expect(page.get_by_role("heading", level=1)).to_have_text("Countries × topics")
    expect(page.locator("#matrix thead")).to_contain_text("Labour migration")


def test_spanish_browser_gets_the_spanish_interface_without_choosing(page: Page, served: Server) -> None:
    ask_for_spanish(page).set_viewport_size(PHONE)
    page.goto("/commitments")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Seguimiento de compromisos")
    expect(page.locator("#link-rule summary")).to_have_text("Qué cuenta como vínculo")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    assert_accessible(page)
    screenshot(page, "spanish-interface", "phone")


def test_researcher_opens_the_compact_menu_on_a_phone_and_navigates(page: Page, served: Server) -> None:
    page.set_viewport_size(DESKTOP)
    page.goto("/?lang=es")
    menu = page.locator("header.site details.site-menu")
    expect(menu.locator("summary")).to_be_hidden()  # wide: the navigation as it is, every link in view
    expect(page.get_by_role("navigation", name="sitio").get_by_role("link", name="Discrepancias")).to_be_visible()
    screenshot(page, "mobile-menu", "desktop")

    page.set_viewport_size(PHONE)
    page.goto("/?lang=es")
    header = page.locator("header.site").bounding_box()
    assert header is not None and header["height"] < 70, header  # one line, not five
    links = page.get_by_role("navigation", name="sitio").get_by_role("link")
    expect(links.first).to_be_hidden()
    summary = menu.locator("summary")
    expect(summary).to_have_text("Menú")

    summary.focus()  # by keyboard: Enter opens, Enter closes
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    page.keyboard.press("Enter")
    expect(links.first).to_be_hidden()

    summary.click()  # 1
    expect(links.first).to_be_visible()
    for box in (links.nth(i).bounding_box() for i in range(links.count())):
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert_accessible(page)
    screenshot(page, "mobile-menu", "phone")
    page.get_by_role("navigation", name="sitio").get_by_role("link", name="Compromisos").click()  # 2
    expect(page.get_by_role("heading", level=1)).to_have_text("Seguimiento de compromisos")
    expect(page.get_by_role("navigation", name="sitio").get_by_role("link").first).to_be_hidden()  # closed again

    for path in MAIN_PAGES:
        page.goto(path)
        assert page.evaluate(NO_SIDEWAYS_SCROLL), f"{path} scrolls sideways at {PHONE['width']} px"


def test_researcher_reads_the_matrix_on_a_phone(page: Page, served: Server) -> None:
    for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        page.goto("/matrix?lang=es")
        table = page.locator("#matrix")
        expect(table.locator("caption")).to_contain_text("Prácticas y puntos de compromiso por país")
        country = page.locator("#matrix tbody th").first.bounding_box()
        assert country is not None and country["width"] <= 0.4 * viewport["width"], country
        top = table.bounding_box()
        assert top is not None
        page.evaluate("([x, y]) => window.scrollTo(x, y)", [300, top["y"] + 600])  # the page is the one scroller
        header = page.locator("#matrix thead th.topic").first.bounding_box()
        assert header is not None and abs(header["y"]) < 2, header
        country = page.locator("#matrix tbody th").first.bounding_box()
        assert country is not None and abs(country["x"]) < 2, country
        seen = matrix_headers_on_top(page)
        assert seen == {"under": True, "corner": True, "topic": True, "country": True}, (width, seen)
        title = page.locator("#matrix td.cell a").first.get_attribute("title") or ""
        assert "vinculados con el país por un pasaje" in title, title
        screenshot(page, "matrix-phone", width)
    assert_accessible(page)


def test_researcher_runs_a_catalogue_query_on_a_phone(page: Page, served: Server) -> None:
    ask_for_spanish(page)  # a Spanish browser: every page, catalogue links included, in Spanish
    for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        page.goto("/query")
        entry = page.locator(f'.catalogue-entry[data-name="{CATALOGUE_QUERY}"]')
        entry.get_by_role("link", name="Abrir en el editor y ejecutar").click()  # 1
        expect(page.locator("#answer #results tbody tr").first).to_be_visible()
        wait_for_js(page, "window.migkgYasqe !== undefined")
        run = page.get_by_role("button", name="Ejecutar la consulta")
        expect(run).to_be_visible()
        # No button of the form or of the editor covers a line of the code.
        covered = page.evaluate("""() => {
            const lines = [...document.querySelectorAll('#yasqe .CodeMirror-line')].map(l => l.getBoundingClientRect());
            const buttons = [...document.querySelectorAll('#query-form button, #yasqe button, #yasqe .yasqe_buttons *')]
                .filter(b => b.offsetParent !== null).map(b => b.getBoundingClientRect());
            return buttons.flatMap(b => lines.filter(l => b.left < l.right && l.left < b.right && b.top < l.bottom
                && l.top < b.bottom).map(() => [b.left, b.top]));
        }""")
        assert page.locator("#yasqe .CodeMirror-line").count() > 3 and covered == [], (width, covered)
        assert page.evaluate(NO_SIDEWAYS_SCROLL), f"the query page scrolls sideways at {viewport['width']} px"
        run.scroll_into_view_if_needed()
        screenshot(page, "editor-phone", width)
        run.click()  # 2
        expect(page.locator("#answer-heading")).to_have_text("Resultado")
        expect(page.locator("#answer .summary")).to_contain_text("filas en")
    assert_accessible(page)
