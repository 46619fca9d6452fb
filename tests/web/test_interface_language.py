"""The interface in English and Spanish (issue 13 item 7), over the repository's own built release: the language
follows ``?lang=`` first, then Accept-Language, else English, like the labels; pages say which (``<html lang>``,
Content-Language, ``Vary: Accept-Language``) and link the same page in the other language; the Spanish catalogue
translates every string the templates hold, keeping their placeholders and markup, so it cannot drift."""

from __future__ import annotations

import re
import warnings
from urllib.parse import parse_qs, urlsplit

import pytest

from server.web import i18n
from tools import messages

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.build

SPANISH = {"accept-language": "es-MX,es;q=0.9,en;q=0.5"}
NAVIGATION = re.compile(r'<nav aria-label="([^"]+)">(.*?)</nav>', re.S)
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
TAG = re.compile(r"</?([a-z]+)")


def site_navigation(html: str) -> str:
    return next(links for label, links in NAVIGATION.findall(html) if label in ("site", "sitio"))


def html_lang(html: str) -> str:
    found = re.search(r'<html lang="([a-z]+)">', html)
    assert found, "no <html lang>"
    return found.group(1)


def forms(message_id: str | tuple[str, ...], string: str | tuple[str, ...]) -> list[tuple[str, str]]:
    """(English, Spanish) pairs of a message: one, or each plural form against the English plural."""
    if isinstance(message_id, str):
        return [(message_id, str(string))]
    return [(message_id[0], string[0]), *((message_id[1], s) for s in string[1:])]


# The catalogue


def test_catalogue_translates_every_template_string() -> None:
    missing = messages.untranslated(messages.extract(), i18n.catalogue("es"))
    assert not missing, (
        f"{len(missing)} interface string(s) have no Spanish: run `make messages`, then translate the empty "
        f"msgstr in server/web/locale/es/LC_MESSAGES/messages.po: {missing[:5]}"
    )


def test_catalogue_keeps_placeholders_and_markup_of_every_string() -> None:
    wrong = []
    for message in i18n.catalogue("es"):
        if not message.id:
            continue
        for english, spanish in forms(message.id, message.string):
            if sorted(PLACEHOLDER.findall(english)) != sorted(PLACEHOLDER.findall(spanish)):
                wrong.append(f"placeholders differ: {english!r}")
            if sorted(TAG.findall(english)) != sorted(TAG.findall(spanish)):
                wrong.append(f"markup differs: {english!r}")
    assert not wrong, "\n".join(wrong)


def test_catalogue_is_read_into_translations_without_compiled_files() -> None:
    assert i18n.translations("es").gettext("Browse") == "Explorar"
    assert not list(i18n.LOCALE.rglob("*.mo")), "compiled catalogues are built in memory, never kept"


# The language a page is in


def test_page_defaults_to_english_without_a_choice(client: TestClient) -> None:
    page = client.get("/")
    assert html_lang(page.text) == "en" and page.headers["content-language"] == "en"
    assert ">Browse</a>" in site_navigation(page.text)


def test_page_speaks_spanish_when_accept_language_prefers_it(client: TestClient) -> None:
    page = client.get("/browse", headers=SPANISH)
    assert html_lang(page.text) == "es" and page.headers["content-language"] == "es"
    navigation = site_navigation(page.text)
    assert ">Explorar</a>" in navigation and ">Discrepancias</a>" in navigation and ">Browse</a>" not in navigation
    assert "<summary>Menú</summary>" in page.text


def test_lang_parameter_wins_over_accept_language(client: TestClient) -> None:
    english = client.get("/matrix", params={"lang": "en"}, headers=SPANISH).text
    spanish = client.get("/matrix", params={"lang": "es"}).text
    assert html_lang(english) == "en" and "<h1>Countries × topics</h1>" in english
    assert html_lang(spanish) == "es" and "<h1>Países × temas</h1>" in spanish


def test_labels_follow_lang_parameter_beside_the_interface(client: TestClient) -> None:
    spanish = client.get("/matrix", params={"lang": "es"}).text
    assert "Migración laboral" in spanish and "Labour migration" not in spanish


def test_unknown_interface_language_falls_back_to_english(client: TestClient) -> None:
    page = client.get("/commitments", headers={"accept-language": "fr-FR, de;q=0.8"})
    assert html_lang(page.text) == "en" and "<h1>Commitments tracker</h1>" in page.text


def test_malformed_lang_parameter_is_ignored_for_accept_language(client: TestClient) -> None:
    page = client.get("/search", params={"lang": "<script>", "q": "iom"}, headers=SPANISH)
    assert page.status_code == 200 and html_lang(page.text) == "es" and "<script>" not in page.text


def test_html_answers_vary_by_accept_language(client: TestClient) -> None:
    for path in ("/", "/matrix", "/commitments", "/query", "/doc/organisation/iom"):
        vary = [v.strip().lower() for v in client.get(path).headers["vary"].split(",")]
        assert vary.count("accept-language") == 1, (path, vary)


def test_data_answers_carry_no_content_language(client: TestClient) -> None:
    answer = client.get("/matrix.json", params={"lang": "es"})
    assert answer.status_code == 200 and "content-language" not in answer.headers


def test_language_switch_keeps_path_and_query(client: TestClient) -> None:
    page = client.get("/search", params={"q": "remesas", "lang": "en"}).text
    switch = re.search(r'<nav class="language-switch" aria-label="[^"]+">(.*?)</nav>', page, re.S)
    assert switch, "no language switch"
    links = dict(re.findall(r'<a href="([^"]+)" hreflang="([a-z]+)"', switch.group(1)))
    assert sorted(links.values()) == ["en", "es"]
    for href, code in links.items():
        parts = urlsplit(href.replace("&amp;", "&"))
        assert parts.path == "/search" and parse_qs(parts.query) == {"q": ["remesas"], "lang": [code]}
    assert 'hreflang="en" lang="en" aria-current="true"' in switch.group(1)


# Spanish pages


@pytest.mark.parametrize(
    ("path", "spanish"),
    [
        ("/doc/organisation/iom", ['<h2 id="out">Declaraciones</h2>', "¿Cómo lo sabemos?", "Con quién trabajó"]),
        ("/commitments", ["Seguimiento de compromisos", "Qué cuenta como vínculo"]),
        ("/discrepancies", ["Dónde discrepan las fuentes", "Afirmación 1 de 2"]),
        ("/query", ["Ejecutar la consulta", "Abrir en el editor y ejecutar", "Prefijos predeclarados"]),
        ("/source", ["Documentos fuente", "pasajes citados"]),
        ("/def", ["La ontología de migkg", "Propiedades de objeto"]),
        ("/map", ["Mapa de países por función", "ejecutor"]),
        ("/timeline", ["Eventos en orden cronológico", "Cuándo", ">jul 1999</time>"]),
    ],
)
def test_spanish_page_shows_spanish_interface_strings(client: TestClient, path: str, spanish: list[str]) -> None:
    page = client.get(path, params={"lang": "es"})
    assert page.status_code == 200 and html_lang(page.text) == "es"
    for text in spanish:
        assert text in page.text, (path, text)


def test_error_page_speaks_the_chosen_language(client: TestClient) -> None:
    page = client.get("/browse", params={"country": "foo"}, headers=SPANISH)
    assert page.status_code == 400 and "Vuelva a empezar desde" in page.text
    missing = client.get("/doc/organisation/nothing-here", params={"lang": "es"})
    assert missing.status_code == 404 and "<h1>No encontrado</h1>" in missing.text


def test_navigation_keeps_a_language_chosen_with_lang(client: TestClient) -> None:
    chosen = site_navigation(client.get("/matrix", params={"lang": "es"}).text)
    assert 'href="/commitments?lang=es"' in chosen and 'href="/.well-known/void"' in chosen
    negotiated = site_navigation(client.get("/matrix", headers=SPANISH).text)
    assert 'href="/commitments"' in negotiated  # Accept-Language needs nothing carried along
