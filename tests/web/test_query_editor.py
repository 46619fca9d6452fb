"""The query editor: ``/query`` (the searchable catalogue, a form answered server-side in one results area with its
downloads and a link to share it, YASQE's scripts), ``/api/queries`` and ``/api/prefixes``.

Tests marked ``build`` run over the repository's own built release and its ``queries/``; the others over the
small fixture release and a catalogue written for the test.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlencode

import pytest

from server import media, prefixes
from server.release import Release
from server.settings import REPO_ROOT, Settings
from server.store.base import Dataset, QueryOutcome, QueryTimeout, StoreUnavailable
from server.store.embedded import EmbeddedStore
from server.web.app import create_app
from server.web.views import catalogue, recipes
from server.web.views.editor import ROW_LIMIT

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

QUERIES = sorted((REPO_ROOT / "queries").glob("*.rq"))
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "release"
EDITOR_JS = REPO_ROOT / "server" / "web" / "static" / "query-editor.js"
SCRIPT = "<script>alert('x')</script>"
TEST_QUERIES = {
    "01-script": (
        f'# title: A <b>bold</b> title\n# description: Returns {SCRIPT}\nSELECT ?x {{ BIND("{SCRIPT}"@en AS ?x) }}\n'
    ),
    "02-count": "# title: Count\n# description: Triples in the union.\nSELECT (COUNT(*) AS ?n) { ?s ?p ?o }\n",
}


# --- a small DOM over html.parser -----------------------------------------------------------------------


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def all(self, tag: str | None = None, **attrs: str) -> Iterator[Node]:
        for child in self.children:
            if isinstance(child, Node):
                if (tag is None or child.tag == tag) and all(child.has(k, v) for k, v in attrs.items()):
                    yield child
                yield from child.all(tag, **attrs)

    def one(self, tag: str | None = None, **attrs: str) -> Node | None:
        return next(self.all(tag, **attrs), None)

    def has(self, name: str, value: str) -> bool:
        name = name.rstrip("_").replace("_", "-")
        if name == "class":
            return value in self.attrs.get("class", "").split()
        return self.attrs.get(name) == value


class TreeBuilder(HTMLParser):
    VOID: ClassVar = {"meta", "link", "input", "br", "hr", "img", "source", "col", "area", "base", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def dom(html: str) -> Node:
    builder = TreeBuilder()
    builder.feed(html)
    return builder.root


def cell_value(td: Node) -> str:
    """What a result cell stands for: an IRI's full form (its link title), a literal's lexical form."""
    link = td.one("a")
    if link is not None:
        return link.attrs["title"]
    literal = td.one("span", class_="literal")
    return literal.text() if literal is not None else td.text().strip()


def result_rows(page: Node) -> list[list[str]]:
    table = page.one("table", id="results")
    assert table is not None, "no results table"
    head = [th.text().removeprefix("?") for th in table.all("th")]
    body = table.one("tbody")
    assert body is not None
    return [head, *([cell_value(td) for td in tr.all("td")] for tr in body.all("tr"))]


def error_text(page: Node) -> str:
    error = page.one(id="query-error")
    assert error is not None, "no error shown"
    return error.text()


# --- fixtures ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built_client(release: Release, repo_settings: Settings) -> Iterator[TestClient]:
    app = create_app(repo_settings, EmbeddedStore(release.snapshot), release=release)
    with TestClient(app) as test_client:
        yield test_client


def fixture_settings(tmp: Path) -> Settings:
    (tmp / "queries").mkdir(exist_ok=True)
    for name, text in TEST_QUERIES.items():
        (tmp / "queries" / f"{name}.rq").write_text(text, encoding="utf-8")
    return Settings(repo_dir=tmp, build_dir=tmp / "build")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = fixture_settings(tmp_path_factory.mktemp("repo"))
    app = create_app(settings, EmbeddedStore(FIXTURE / "snapshot.nq"), release=Release.open(FIXTURE))
    with TestClient(app) as test_client:
        yield test_client


class FailingStore:
    """Fails every query with the given error."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def query(
        self, sparql: str, *, accept: str | None, base_iri: str | None = None, dataset: Dataset | None = None
    ) -> QueryOutcome:
        raise self.error

    def graphs(self) -> dict[str, int]:
        return {}

    def ready(self) -> bool:
        return True

    def close(self) -> None:
        pass


# --- the catalogue, over the repository's queries/ ----------------------------------------------------------


@pytest.mark.build
def test_query_page_lists_every_catalogue_query_on_disk(built_client: TestClient) -> None:
    page = dom(built_client.get("/query").text)
    entries = list(page.all("li", class_="catalogue-entry"))
    assert [e.attrs["data-name"] for e in entries] == [p.stem for p in QUERIES]
    for entry, path in zip(entries, QUERIES, strict=True):
        title = catalogue.header(path.read_text(encoding="utf-8"), "title")
        heading = entry.one("h3")
        assert heading is not None and heading.text() == title
        run = entry.one("a", href=f"/query?name={path.stem}")
        assert run is not None and run.text() == "Open in the editor and run"


@pytest.mark.build
@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_catalogue_query_by_name_renders_its_expected_answer(built_client: TestClient, path: Path) -> None:
    response = built_client.get("/query", params={"name": path.stem})
    assert response.status_code == 200
    page = dom(response.text)
    expected = list(csv.reader(io.StringIO(path.with_suffix(".csv").read_text(encoding="utf-8"))))
    textarea = page.one("textarea", id="query-text")
    assert textarea is not None and textarea.text() == path.read_text(encoding="utf-8")
    if expected[0] == ["boolean"]:
        boolean = page.one(id="results")
        assert boolean is not None and boolean.text().startswith("Yes" if expected[1] == ["true"] else "No")
        return
    got = result_rows(page)
    assert got[0] == expected[0]
    assert len(got) - 1 == min(len(expected) - 1, ROW_LIMIT)
    query = path.read_text(encoding="utf-8")
    if re.search(r"\bORDER\s+BY\b", query, re.IGNORECASE):
        assert got[1:] == expected[1 : ROW_LIMIT + 1]
    else:
        assert sorted(got[1:]) == sorted(expected[1:])


@pytest.mark.build
def test_api_queries_lists_the_catalogue_as_json(built_client: TestClient) -> None:
    response = built_client.get("/api/queries")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    entries = response.json()["queries"]
    assert [e["name"] for e in entries] == [p.stem for p in QUERIES]
    for entry, path in zip(entries, QUERIES, strict=True):
        text = path.read_text(encoding="utf-8")
        assert entry["query"] == text
        assert entry["title"] == catalogue.header(text, "title") and entry["title"]
        assert entry["description"] == catalogue.header(text, "description") and entry["description"]
        assert entry["link"] == f"/query?name={path.stem}"


# --- the form, over the fixture release ---------------------------------------------------------------------


def test_query_page_without_query_shows_the_form_and_no_result(client: TestClient) -> None:
    response = client.get("/query")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = dom(response.text)
    form = page.one("form", id="query-form")
    assert form is not None and form.attrs["method"] == "get" and form.attrs["action"] == "/query"
    textarea = form.one("textarea", name="query")
    assert textarea is not None and "SELECT" in textarea.text()
    assert form.one("label", for_=textarea.attrs["id"]) is not None
    assert page.one(id="yasqe") is not None
    assert page.one(id="results") is None and page.one(id="query-error") is None


def test_submitted_select_renders_a_table_linking_our_iris_to_their_pages(client: TestClient) -> None:
    ecu = f"<{prefixes.ID}country/ecu>"
    query = f"SELECT ?c ?l {{ BIND({ecu} AS ?c) {ecu} <{prefixes.RDFS}label> ?l }}"
    page = dom(client.get("/query", params={"query": query}).text)
    rows = result_rows(page)
    assert rows[0] == ["c", "l"] and len(rows) > 1
    link = page.one("table", id="results").one("a")  # type: ignore[union-attr]
    assert link is not None and link.attrs["href"] == "/doc/country/ecu"
    assert {lang.text() for lang in page.all("span", class_="term-lang")} >= {"@en", "@es"}


def test_non_http_iri_in_a_result_is_shown_as_text_never_as_a_link(client: TestClient) -> None:
    page = dom(client.get("/query", params={"query": "SELECT ?x { BIND(<javascript:alert(1)> AS ?x) }"}).text)
    assert result_rows(page)[1] == ["javascript:alert(1)"]
    assert page.one("table", id="results").one("a") is None  # type: ignore[union-attr]


def test_typed_literal_shows_its_value_with_its_datatype_on_hover(client: TestClient) -> None:
    page = dom(client.get("/query", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"}).text)
    assert result_rows(page)[1] == ["32"]
    cell = page.one("table", id="results").one("td")  # type: ignore[union-attr]
    assert cell is not None and cell.text().strip() == "32"  # the value alone: no quotes, no ^^, no IRI
    literal = cell.one("span", class_="literal")
    assert literal is not None and literal.attrs["title"] == "xsd:integer"
    assert literal.attrs["data-datatype"] == prefixes.XSD + "integer"


def download_links(page: Node) -> dict[str, Node]:
    """The result's downloads shown (not hidden), by format suffix."""
    downloads = page.one(id="downloads")
    assert downloads is not None, "no downloads"
    return {a.attrs["data-format"]: a for a in downloads.all("a", class_="download") if "hidden" not in a.attrs}


@pytest.mark.parametrize(
    ("query", "form"),
    [("SELECT ?s { ?s ?p ?o } LIMIT 1", "solutions"), ("ASK { ?s ?p ?o }", "boolean"),
     ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 1", "graph")],
)  # fmt: skip
def test_result_offers_a_download_in_every_format_the_endpoint_gives_for_its_form(
    client: TestClient, query: str, form: media.QueryForm
) -> None:
    page = dom(client.get("/query", params={"query": query}).text)
    shown = download_links(page)
    offered = {f.suffix: f.media_type for f in media.formats_for(form)}
    assert list(shown) == list(offered)
    for suffix, link in shown.items():
        assert link.attrs["href"] == "/sparql?" + urlencode({"query": query, "format": suffix})
        assert link.attrs["download"] == f"query.{suffix}"
        answer = client.get(link.attrs["href"])
        assert answer.status_code == 200
        assert media.parse_media_type(answer.headers["content-type"])[0] == offered[suffix]


def test_query_page_links_to_itself_with_the_query_text_to_share_it(client: TestClient) -> None:
    query = "SELECT ?s { ?s ?p ?o } LIMIT 2"
    page = dom(client.get("/query", params={"query": query}).text)
    share = page.one("a", id="share-link")
    assert share is not None and share.attrs["href"] == "/query?" + urlencode({"query": query})
    again = dom(client.get(share.attrs["href"]).text)
    assert again.one("textarea", id="query-text").text() == query  # type: ignore[union-attr]
    assert len(result_rows(again)) == 3


def test_catalogue_search_keeps_the_entries_whose_title_or_description_hold_every_word(client: TestClient) -> None:
    page = dom(client.get("/query", params={"find": "union TRIPLES"}).text)
    entries = {e.attrs["data-name"]: "hidden" not in e.attrs for e in page.all("li", class_="catalogue-entry")}
    assert entries == {"01-script": False, "02-count": True}
    count = page.one(id="catalogue-count")
    assert count is not None and count.text().split()[:3] == ["1", "of", "2"]


def test_ask_renders_yes_or_no(client: TestClient) -> None:
    yes = dom(client.get("/query", params={"query": "ASK { ?s ?p ?o }"}).text).one(id="results")
    no = dom(client.get("/query", params={"query": "ASK { <urn:x:nothing> ?p ?o }"}).text).one(id="results")
    assert yes is not None and yes.text().startswith("Yes")
    assert no is not None and no.text().startswith("No")


def test_construct_renders_turtle_with_our_prefixes(client: TestClient) -> None:
    query = f"CONSTRUCT {{ <{prefixes.ID}country/ecu> ?p ?o }} WHERE {{ <{prefixes.ID}country/ecu> ?p ?o }}"
    pre = dom(client.get("/query", params={"query": query}).text).one("pre", id="results")
    assert pre is not None
    assert f"@prefix country: <{prefixes.ID}country/> ." in pre.text() and "country:ecu" in pre.text()


def test_select_is_cut_at_the_row_limit_and_says_so(client: TestClient) -> None:
    values = " ".join(str(i) for i in range(ROW_LIMIT + 5))
    response = client.get("/query", params={"query": f"SELECT ?i {{ VALUES ?i {{ {values} }} }}"})
    page = dom(response.text)
    assert len(result_rows(page)) - 1 == ROW_LIMIT
    assert f"{ROW_LIMIT + 5:,} rows" in response.text and f"showing the first {ROW_LIMIT:,}" in response.text


def test_literal_markup_is_escaped(client: TestClient) -> None:
    response = client.get("/query", params={"query": f'SELECT ?x {{ BIND("{SCRIPT}" AS ?x) }}'})
    assert SCRIPT not in response.text
    assert result_rows(dom(response.text))[1] == [SCRIPT]


def test_catalogue_text_and_results_are_escaped(client: TestClient) -> None:
    response = client.get("/query", params={"name": "01-script"})
    assert response.status_code == 200
    assert SCRIPT not in response.text and "<b>bold</b>" not in response.text
    assert result_rows(dom(response.text))[1] == [SCRIPT]


def test_malformed_query_renders_the_parser_message_with_400(client: TestClient) -> None:
    bad = "SELECT * WHERE { ?s ?p }"
    endpoint = client.get("/sparql", params={"query": bad})
    response = client.get("/query", params={"query": bad})
    assert response.status_code == endpoint.status_code == 400
    assert endpoint.text.strip() in error_text(dom(response.text))
    textarea = dom(response.text).one("textarea", id="query-text")
    assert textarea is not None and textarea.text() == bad  # kept, to be corrected


@pytest.mark.parametrize(
    "params",
    [{"query": "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }"}, {"update": "DROP ALL"}],
    ids=["update-as-query", "update-parameter"],
)
def test_update_is_refused_with_403(client: TestClient, params: dict[str, str]) -> None:
    # The endpoint answers an update only to a POST (a GET is 405): the editor refuses as it refuses an anonymous one.
    endpoint = client.post("/sparql", data=params) if "update" in params else client.get("/sparql", params=params)
    response = client.get("/query", params=params)
    assert response.status_code == endpoint.status_code == 403
    assert endpoint.text.strip() in error_text(dom(response.text))


def test_unknown_catalogue_name_is_404(client: TestClient) -> None:
    response = client.get("/query", params={"name": "../../etc/passwd"})
    assert response.status_code == 404 and "no query called" in error_text(dom(response.text))


@pytest.mark.parametrize(
    ("error", "words"), [(QueryTimeout(0.5), "0.5 s"), (StoreUnavailable("still loading"), "still loading")]
)
def test_store_failure_is_503_with_its_message(tmp_path: Path, error: Exception, words: str) -> None:
    app = create_app(fixture_settings(tmp_path), FailingStore(error), release=Release.open(FIXTURE))
    response = TestClient(app).get("/query", params={"query": "ASK {}"})
    assert response.status_code == 503
    assert str(error) in error_text(dom(response.text)) and words in response.text


def test_api_queries_reads_the_catalogue_folder(client: TestClient) -> None:
    entries = client.get("/api/queries").json()["queries"]
    assert [e["name"] for e in entries] == list(TEST_QUERIES)
    assert entries[0]["title"] == "A <b>bold</b> title" and entries[0]["link"] == "/query?name=01-script"


def test_api_prefixes_is_the_prefix_table(client: TestClient) -> None:
    assert client.get("/api/prefixes").json() == prefixes.PREFIXES


# --- scripts: only ours, YASGUI kept off outside services ---------------------------------------------------


def test_query_page_loads_scripts_and_styles_only_from_static(client: TestClient) -> None:
    page = dom(client.get("/query").text)
    scripts = list(page.all("script"))
    assert scripts and all(s.attrs.get("src", "").startswith("/static/") for s in scripts)
    sheets = [link.attrs["href"] for link in page.all("link", rel="stylesheet")]
    assert sheets and all(href.startswith("/static/") for href in sheets)
    editor = page.one(id="yasqe")
    assert editor is not None and editor.attrs["data-endpoint"] == "/sparql"


def test_editor_script_restricts_autocompleters_before_creating_the_editor() -> None:
    script = EDITOR_JS.read_text(encoding="utf-8")
    # YASGUI's own class/property completers ask an outside service; ours ("migkgTerms") reads /api/vocabulary.
    restrict = script.index('Yasqe.defaults.autocompleters = ["prefixes", "variables", "migkgTerms"]')
    assert restrict < script.index("new Yasqe(")
    assert not re.search(r"https?://", script), "the editor script must not name an outside URL"


# --- /sparql without a query: the editor for a browser, the Service Description for everyone else -----------

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
DESCRIPTION_TYPES = {"text/turtle", "application/rdf+xml", "application/ld+json", "application/n-triples"}


@pytest.mark.parametrize("accept", [BROWSER, "text/html", "text/html, */*;q=0.5"])
def test_browser_asking_sparql_without_query_is_sent_to_the_editor(client: TestClient, accept: str) -> None:
    response = client.get("/sparql", headers={"Accept": accept}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/query"
    assert "Accept" in response.headers["vary"]


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "text/turtle"),
        ("*/*", "text/turtle"),  # curl, python-requests, httpx
        ("text/*", "text/turtle"),
        ("text/turtle", "text/turtle"),
        ("application/turtle,text/turtle", "text/turtle"),  # SPARQLWrapper, TURTLE
        ("application/rdf+xml", "application/rdf+xml"),  # SPARQLWrapper, RDF/XML
        ("application/ld+json,application/x-json+ld", "application/ld+json"),  # SPARQLWrapper, JSON-LD
        ("text/rdf+n3,application/rdf+xml,text/turtle,application/turtle", "text/turtle"),  # SPARQLWrapper, N3
        ("text/html;q=0.5, text/turtle", "text/turtle"),
        ("text/html, text/turtle", "text/turtle"),  # a tie goes to the description
    ],
)
def test_client_asking_sparql_without_query_still_gets_the_service_description(
    client: TestClient, accept: str | None, media_type: str
) -> None:
    response = client.get("/sparql", headers={"Accept": accept} if accept else {}, follow_redirects=False)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type and media_type in DESCRIPTION_TYPES


def test_sparql_format_parameter_overrides_a_browser_accept(client: TestClient) -> None:
    response = client.get("/sparql", params={"format": "ttl"}, headers={"Accept": BROWSER}, follow_redirects=False)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")


def test_sparql_results_accept_without_query_is_still_406(client: TestClient) -> None:
    response = client.get("/sparql", headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 406


def test_browser_query_to_sparql_is_still_answered(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")


def test_recipes_page_shows_every_recipe_written_for_the_url_used(client: TestClient) -> None:
    page = client.get("/recipes").text
    for path in recipes.files():
        assert f'id="{path.name}"' in page
    assert "http://testserver/sparql" in page and recipes.PLACEHOLDER not in page
    assert 'href="/recipes"' in client.get("/query").text
