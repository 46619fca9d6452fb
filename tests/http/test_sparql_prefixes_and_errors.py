"""Predeclared prefixes and errors a person can act on, over real HTTP (a uvicorn process serving the fixture release).

Every prefix of ``server.prefixes`` may be used undeclared, in every query form and by every request form; a query's
own PREFIX wins. A malformed query is answered 400 with the line, a caret under the column and a hint, as plain text
(curl, the default) or JSON (a client asking for JSON or SPARQL JSON results); a query that parses but names a
``mig:`` term the ontology does not have is answered with a ``Warning`` header naming the nearest terms.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
import rdflib
from uvicorn_server import Server

from server import prefixes

pytestmark = [
    pytest.mark.http,
    pytest.mark.backends,
    pytest.mark.xdist_group("http"),
]  # the session's `server`, as the protocol tests

ECU = prefixes.ID + "country/ecu"
CUENCA = prefixes.ID + "place/cuenca"
TEXT = {"Accept": "text/plain"}
JSON = {"Accept": "application/json"}
SPARQL_JSON = {"Accept": "application/sparql-results+json, */*;q=0.5"}
Send = Callable[[Server, str, dict[str, str]], httpx.Response]


def by_get(server: Server, query: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.get(server.sparql, params={"query": query}, headers=headers, timeout=30)


def by_form(server: Server, query: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(server.sparql, data={"query": query}, headers=headers, timeout=30)


def by_body(server: Server, query: str, headers: dict[str, str]) -> httpx.Response:
    direct = {**headers, "Content-Type": "application/sparql-query"}
    return httpx.post(server.sparql, content=query.encode(), headers=direct, timeout=30)


SENDS = pytest.mark.parametrize("send", [by_get, by_form, by_body], ids=["get", "form-post", "direct-post"])


def values(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return sorted(term["value"] for row in response.json()["results"]["bindings"] for term in row.values())


# --- predeclared prefixes --------------------------------------------------------------------------------------


@SENDS
def test_answer_query_using_every_predeclared_prefix_undeclared(server: Server, send: Send) -> None:
    names = " ".join(f"({name}:)" for name in prefixes.PREFIXES)
    response = send(server, f"SELECT ?namespace WHERE {{ VALUES (?namespace) {{ {names} }} }}", SPARQL_JSON)
    assert values(response) == sorted(prefixes.PREFIXES.values())


@SENDS
def test_answer_select_with_our_predeclared_prefixes(server: Server, send: Send) -> None:
    query = "SELECT ?place WHERE { event:fibemyd-2008 mig:heldIn ?place . ?place mig:inCountry country:ecu }"
    assert values(send(server, query, SPARQL_JSON)) == [CUENCA]


@SENDS
def test_answer_ask_with_excerpt_and_web_annotation_prefixes(server: Server, send: Send) -> None:
    query = (
        "ASK { GRAPH excerpt:fibemyd-2008-held-in { event:fibemyd-2008 mig:heldIn place:cuenca } "
        "excerpt:fibemyd-2008-held-in oa:hasSource source:segib-2008-fibemyd-report . "
        "source:segib-2008-fibemyd-report dcterms:title ?title }"
    )
    response = send(server, query, SPARQL_JSON)
    assert response.status_code == 200 and response.json()["boolean"] is True, response.text


@SENDS
def test_answer_construct_with_vocabulary_prefixes(server: Server, send: Send) -> None:
    query = (
        "CONSTRUCT { ?c skos:prefLabel ?l } WHERE { ?c rdf:type mig:Country ; skos:notation ?code ; rdfs:label ?l "
        'FILTER(?code = "ECU"^^xsd:string && lang(?l) = "fr") }'
    )
    response = send(server, query, {"Accept": "text/turtle"})
    assert response.status_code == 200, response.text
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    assert {(str(s), str(o)) for s, o in graph.subject_objects()} == {(ECU, "Équateur")}


def test_keep_the_query_own_iri_for_a_redefined_prefix(server: Server) -> None:
    own = "http://example.org/own#"
    query = f"PREFIX mig: <{own}> SELECT ?x ?y WHERE {{ BIND(mig:heldIn AS ?x) BIND(rdfs: AS ?y) }}"
    response = by_get(server, query, {})
    assert values(response) == [own + "heldIn", prefixes.RDFS]
    found = by_get(server, f"PREFIX mig: <{own}> ASK {{ ?event mig:heldIn ?place }}", {})
    assert found.status_code == 200 and found.json()["boolean"] is False  # our mig:heldIn is not theirs


def test_describe_predeclared_prefixes_as_shacl_declarations(server: Server) -> None:
    response = httpx.get(server.sparql, headers={"Accept": "text/turtle"}, timeout=30)
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    declared = graph.query(
        f"""PREFIX sh: <{prefixes.SH}> PREFIX sd: <{prefixes.SD}>
        SELECT ?prefix ?namespace WHERE {{ ?service a sd:Service ; sh:declare [ a sh:PrefixDeclaration ;
            sh:prefix ?prefix ; sh:namespace ?namespace ] }}"""
    )
    assert {str(row[0]): str(row[1]) for row in declared} == prefixes.PREFIXES  # type: ignore[index]


def test_serve_the_ontology_terms_for_completion(server: Server) -> None:
    response = httpx.get(server.url + "/api/vocabulary", timeout=30)
    terms = {term["term"]: term for term in response.json()["terms"]}
    assert terms["mig:heldIn"] == {
        "term": "mig:heldIn", "name": "heldIn", "iri": prefixes.MIG + "heldIn", "kind": "property",
        "label": "held in", "comment": "",
    }  # fmt: skip
    assert list(terms)[:3] == ["mig:Country", "mig:Event", "mig:Place"]  # classes first
    assert httpx.get(server.url + "/api/prefixes", timeout=30).json() == prefixes.PREFIXES


# --- errors a person can act on --------------------------------------------------------------------------------

MIG = f"mig: <{prefixes.MIG}>"
# name → (query, line, column, words of the message, words of the hint)
BROKEN = {
    "unknown-prefix": (
        "SELECT * WHERE { ?s mgi:heldIn ?o }", 1, 21, ["prefix mgi: is not declared"], [f"Did you mean {MIG}?"],
    ),
    "missing-brace": (
        "SELECT * WHERE {\n  ?s mig:heldIn ?o .\n", 2, 21, ["} is missing"], ["{ at line 1, column 16 is never closed"],
    ),
    "misspelt-term-in-a-broken-query": (
        "SELECT * WHERE { ?s mig:heldin ?o", 1, 34, ["} is missing"],
        ["mig:heldin is not a term of the ontology; did you mean mig:heldIn?"],
    ),
    "keyword-typo": ("SELCT * WHERE { ?s mig:heldIn ?o }", 1, 1, ["SELCT is not a SPARQL keyword"], ["SELECT?"]),
    "unterminated-string": (
        'SELECT * WHERE { ?s ?p "Cuenca }', 1, 24, ["string is never closed"], ['End it with "'],
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", BROKEN)
def test_explain_malformed_query_as_plain_text(server: Server, name: str) -> None:
    query, line, column, message, hint = BROKEN[name]
    response = by_get(server, query, TEXT)
    assert response.status_code == 400
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    text = response.text
    assert text.startswith(f"Malformed query at line {line}, column {column}: ")
    quoted = query.splitlines()[line - 1]
    assert f"{line:>3} | {quoted}\n    | {' ' * (column - 1)}^\n" in text  # the line, a caret under the column
    for words in [*message, *hint]:
        assert words in text
    assert "\\u{" not in text and "..=" not in text  # never the parser's character ranges
    server.assert_serving()


@pytest.mark.parametrize("name", BROKEN)
@pytest.mark.parametrize("accept", [JSON, SPARQL_JSON], ids=["json", "sparql-json"])
def test_explain_malformed_query_as_json(server: Server, name: str, accept: dict[str, str]) -> None:
    query, line, column, message, hint = BROKEN[name]
    response = by_form(server, query, accept)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    explained = response.json()
    assert (explained["line"], explained["column"]) == (line, column)
    assert all(words in explained["message"] for words in message)
    assert all(words in explained["hint"] for words in hint)
    assert explained["excerpt"].endswith(" " * (column - 1) + "^")
    assert "\\u{" not in response.text and "..=" not in response.text
    server.assert_serving()


def test_explain_malformed_query_as_text_to_curl(server: Server) -> None:
    response = by_get(server, "SELECT * WHERE { ?s mgi:heldIn ?o }", {"Accept": "*/*"})
    assert response.status_code == 400 and response.headers["content-type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize(
    "accept", [{"Accept": "*/*"}, {"Accept": "text/csv"}, JSON, SPARQL_JSON], ids=["curl", "csv", "json", "srj"]
)
def test_warn_about_misspelt_term_of_a_query_that_parses(server: Server, accept: dict[str, str]) -> None:
    response = by_get(server, "SELECT * WHERE { ?s mig:heldin ?o }", accept | {"Origin": "https://elsewhere.example"})
    assert response.status_code == 200, response.text
    assert response.headers["warning"] == ('299 - "mig:heldin is not a term of the ontology; did you mean mig:heldIn?"')
    assert "warning" in response.headers["access-control-expose-headers"].lower()


def test_send_no_warning_for_terms_the_ontology_has(server: Server) -> None:
    response = by_get(server, f"SELECT * WHERE {{ ?s mig:heldIn ?o ; <{prefixes.MIG}heldIn> ?p }}", {})
    assert response.status_code == 200 and "warning" not in response.headers


def test_explain_malformed_query_on_the_editor_page(server: Server) -> None:
    response = httpx.get(server.url + "/query", params={"query": "SELECT * WHERE { ?s mgi:heldIn ?o }"}, timeout=30)
    assert response.status_code == 400
    assert 'class="query-excerpt">  1 | SELECT * WHERE { ?s mgi:heldIn ?o }\n    |                     ^</pre>' in (
        response.text
    )
    assert "Hint: Did you mean mig: &lt;https://w3id.org/migkg/def#&gt;?" in response.text
