"""SERVICE blocks found in query text, the query each sends, the VALUES that replace it, and the answers
turned into VALUES (server/federation/blocks.py, client.values_from; the lexer in store/sparql_text.py)."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from server import prefixes
from server.federation import blocks
from server.federation.blocks import SILENT_EMPTY, TermError
from server.federation.client import Answer, values_from
from server.federation.errors import ServiceRefused
from server.store import sparql_text

BASE = prefixes.BASE
XSD = prefixes.XSD
REMOTE = "http://remote.example/sparql"


def calls(sparql: str) -> list[tuple[str, str | None, bool, str]]:
    """(target, endpoint, silent, pattern) of each top-level call."""
    return [(c.target, c.endpoint, c.silent, c.pattern) for c in blocks.plan(sparql, BASE).calls]


def evaluate(sparql: str) -> list[dict[str, ox.NamedNode | ox.Literal | None]]:
    result = ox.Store().query(sparql)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [{name: row[name] for name in names} for row in result]  # type: ignore[misc]


# --- finding the blocks -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sparql", "expected"),
    [
        (f"SELECT * {{ SERVICE <{REMOTE}> {{ ?s ?p ?o }} }}", [(f"<{REMOTE}>", REMOTE, False, "{ ?s ?p ?o }")]),
        (f"select * {{ service silent <{REMOTE}> {{}} }}", [(f"<{REMOTE}>", REMOTE, True, "{}")]),
        (f"SELECT * {{ ?s ?p ?o .SERVICE<{REMOTE}>{{?s ?q ?r}} }}", [(f"<{REMOTE}>", REMOTE, False, "{?s ?q ?r}")]),
        (f"SELECT * {{ ?s ?p true.SERVICE <{REMOTE}> {{}} }}", [(f"<{REMOTE}>", REMOTE, False, "{}")]),
    ],
    ids=["plain", "silent-lower-case", "no-spaces", "after-a-word-and-a-dot"],
)
def test_find_service_block_with_its_endpoint_and_pattern(
    sparql: str, expected: list[tuple[str, str | None, bool, str]]
) -> None:
    assert calls(sparql) == expected


def test_keep_braces_inside_strings_iris_and_comments_in_the_block() -> None:
    pattern = '{ ?s ?p "}" , \'{\' , """}\n}""" , <http://x/{}> # } comment\n FILTER(?o != "{") }'
    assert calls(f"SELECT * {{ SERVICE <{REMOTE}> {pattern} }}")[0][3] == pattern


def test_send_nested_service_to_the_remote_as_written() -> None:
    inner = "SERVICE <http://other.example/sparql> { ?o ?q ?r }"
    found = calls(f"SELECT * {{ SERVICE <{REMOTE}> {{ ?s ?p ?o {{ {inner} }} }} }}")
    assert len(found) == 1 and inner in found[0][3]


def test_find_service_inside_optional_minus_graph_and_subquery() -> None:
    sparql = f"""SELECT * {{
      OPTIONAL {{ SERVICE <{REMOTE}/1> {{ ?s ?p ?o }} }}
      MINUS {{ SERVICE SILENT <{REMOTE}/2> {{ ?s ?p ?o }} }}
      GRAPH ?g {{ SERVICE <{REMOTE}/3> {{ ?s ?p ?o }} }}
      {{ SELECT ?s {{ SERVICE <{REMOTE}/4> {{ ?s ?p ?o }} }} }}
    }}"""
    assert [endpoint for _, endpoint, _, _ in calls(sparql)] == [f"{REMOTE}/{n}" for n in (1, 2, 3, 4)]


def test_ignore_service_in_comments_strings_iris_variables_and_prefixed_names() -> None:
    sparql = """PREFIX service: <http://x/> # SERVICE <http://a/> { }
    SELECT ?service { ?service service:p "SERVICE <http://b/> {}" , <http://c/#SERVICE> , service:SERVICE }"""
    assert calls(sparql) == []


def test_expand_prefixed_endpoint_and_resolve_relative_ones_against_the_base() -> None:
    sparql = """PREFIX r: <http://remote.example/>
    PREFIX : <http://empty.example/ns/>
    BASE <http://base.example/dir/>
    PREFIX rel: <sub/>
    SELECT * { SERVICE r:sparql {} SERVICE :a\\-b {} SERVICE <endpoint> {} SERVICE rel:x {}
               SERVICE <//h.example/s> {} }"""
    assert [endpoint for _, endpoint, _, _ in calls(sparql)] == [
        "http://remote.example/sparql",
        "http://empty.example/ns/a-b",
        "http://base.example/dir/endpoint",
        "http://base.example/dir/sub/x",
        "http://h.example/s",
    ]


def test_resolve_relative_endpoint_against_the_service_base_without_base() -> None:
    assert calls("SELECT * { SERVICE <sparql> {} }")[0][1] == BASE + "sparql"


def test_take_variable_endpoint_as_no_endpoint() -> None:
    assert calls("SELECT * { SERVICE ?e { ?s ?p ?o } }") == [("?e", None, False, "{ ?s ?p ?o }")]


@pytest.mark.parametrize(
    ("sparql", "words"),
    [
        ("SELECT * { SERVICE <http://a/\\u0062> {} }", "without escapes"),
        ("SELECT * { SERVICE {} }", "without escapes"),
        ('SELECT * { SERVICE "http://a/" {} }', "without escapes"),
        ("SELECT * { SERVICE <http://a/> ?s }", "without escapes"),
        ("SELECT * {\n  SERVICE <http://a/> { ?s ?p ?o ", "no closing brace"),
        ("SELECT * { SERVICE undeclared:x {} }", "prefix undeclared: is not declared"),
    ],
    ids=["escaped-iri", "no-endpoint", "string-endpoint", "no-pattern", "unclosed", "undeclared-prefix"],
)
def test_refuse_malformed_service_with_its_position(sparql: str, words: str) -> None:
    with pytest.raises(ServiceRefused) as refused:
        blocks.plan(sparql, BASE)
    assert words in str(refused.value) and str(refused.value).startswith("SERVICE ")


def test_report_line_and_column_of_a_malformed_service() -> None:
    with pytest.raises(ServiceRefused, match="at line 3, column 5,"):
        blocks.plan("SELECT *\n{\n    SERVICE <http://a/> ?s\n}", BASE)


# --- the query sent, and the rewrite ----------------------------------------------------------------------------


def test_send_block_under_the_query_prologue_and_our_base() -> None:
    sparql = f"""PREFIX ex: <http://ex.example/> # a comment
    BASE <http://base.example/>
    SELECT * {{ ?s ?p ?o SERVICE <{REMOTE}> {{ ?s ex:p <rel> }} }}"""
    plan = blocks.plan(sparql, BASE)
    assert plan.remote_query(plan.calls[0], BASE) == (
        f"BASE <{BASE}>\nPREFIX ex: <http://ex.example/> # a comment\n    BASE <http://base.example/>\n"
        "SELECT * WHERE { ?s ex:p <rel> }"
    )


def test_send_block_without_prologue_under_our_base() -> None:
    plan = blocks.plan(f"SELECT * {{ SERVICE <{REMOTE}> {{ ?s ?p ?o }} }}", BASE)
    assert plan.remote_query(plan.calls[0], BASE) == f"BASE <{BASE}>\nSELECT * WHERE {{ ?s ?p ?o }}"


def test_replace_each_block_and_keep_the_rest_and_its_lines() -> None:
    sparql = (
        f"SELECT * {{\n  ?s ?p ?o\n  SERVICE <{REMOTE}> {{\n ?s ?q ?r\n }}\n"
        f"  OPTIONAL {{ SERVICE <{REMOTE}> {{}} }}\n}}"
    )
    rewritten = blocks.plan(sparql, BASE).rewrite(["VALUES ?r { 1 }", SILENT_EMPTY])
    assert "SERVICE" not in rewritten
    assert rewritten.count("\n") == sparql.count("\n")
    assert rewritten.splitlines()[-2] == "  OPTIONAL {  VALUES () { () }  }"
    assert not sparql_text.uses_service(rewritten)


def test_return_query_without_service_untouched_by_the_cheap_look() -> None:
    assert not blocks.mentions_service("SELECT * { ?s ?p ?o }")
    assert blocks.mentions_service("select * { ?s ?p 'Service' }")  # the lexer decides after that


def test_join_silent_failure_as_the_identity() -> None:
    """W3C service07: a failed SERVICE SILENT leaves the other solutions as they are."""
    sparql = f"SELECT ?x {{ VALUES ?x {{ 1 2 }} SERVICE SILENT <{REMOTE}> {{ ?x ?p ?o }} }}"
    rewritten = blocks.plan(sparql, BASE).rewrite([SILENT_EMPTY])
    assert [row["x"].value for row in evaluate(rewritten)] == ["1", "2"]  # type: ignore[union-attr]


# --- terms and VALUES ---------------------------------------------------------------------------------------------

TERMS = [
    ox.NamedNode("http://example.org/a#b"),
    ox.NamedNode("http://example.org/é?q=1&r=2"),
    ox.Literal("plain"),
    ox.Literal(""),
    ox.Literal('She said "hola" \\ then\nleft\r\tfor { SERVICE <http://x/> } # not a comment'),
    ox.Literal("nul \x00 bell \x07 del \x7f"),
    ox.Literal("'single' '''triple'''"),
    ox.Literal("Équateur", language="fr"),
    ox.Literal("colour", language="en-GB"),
    ox.Literal("x", language="es-419"),
    ox.Literal("2008-04-10", datatype=ox.NamedNode(XSD + "date")),
    ox.Literal("1.5", datatype=ox.NamedNode(XSD + "decimal")),
    ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean")),
    ox.Literal("odd", datatype=ox.NamedNode("http://example.org/dt")),
]


def sparql_term(term: ox.NamedNode | ox.Literal) -> str:
    if isinstance(term, ox.NamedNode):
        return blocks.iri(term.value)
    return blocks.literal(term.value, term.language, term.datatype.value)


@pytest.mark.parametrize("term", TERMS, ids=[str(i) for i in range(len(TERMS))])
def test_round_trip_term_through_values(term: ox.NamedNode | ox.Literal) -> None:
    clause = blocks.values_clause(["t"], [[sparql_term(term)]])
    assert evaluate(f"SELECT ?t {{ {clause} }}") == [{"t": term}]


def test_write_unbound_as_undef_and_no_variables_as_one_empty_solution() -> None:
    clause = blocks.values_clause(["a", "b"], [[blocks.iri("http://x/"), None], [None, blocks.literal("y")]])
    assert clause == 'VALUES (?a ?b) { (<http://x/> UNDEF) (UNDEF "y") }'
    assert evaluate(f"SELECT * {{ {clause} }}") == [
        {"a": ox.NamedNode("http://x/"), "b": None},
        {"a": None, "b": ox.Literal("y")},
    ]
    assert blocks.values_clause([], [[]]) == SILENT_EMPTY
    assert evaluate(f"SELECT * {{ {blocks.values_clause([], [])} }}") == []


@pytest.mark.parametrize(
    "make",
    [
        lambda: blocks.iri("http://x/> } ; DROP ALL ; <"),
        lambda: blocks.iri("http://x/ y"),
        lambda: blocks.literal("x", language="en } DROP"),
        lambda: blocks.literal("x", datatype="http://x/> . <y"),
        lambda: blocks.literal("x", datatype=prefixes.RDF + "langString"),
        lambda: blocks.variable("x) { } DROP ALL #"),
    ],
    ids=["iri-closing-bracket", "iri-space", "language", "datatype", "lang-string-without-tag", "variable"],
)
def test_refuse_term_that_would_escape_its_place(make: object) -> None:
    with pytest.raises(TermError):
        make()  # type: ignore[operator]


def test_skolemise_blank_nodes_per_call() -> None:
    assert blocks.skolem(BASE, "c1", "b0") == f"<{BASE}.well-known/genid/c1/b0>"
    assert blocks.skolem(BASE, "c1", "b0") != blocks.skolem(BASE, "c2", "b0")


# --- answers into VALUES ---------------------------------------------------------------------------------------

JSON_TYPE = "application/sparql-results+json"


def answer(document: dict, content_type: str = JSON_TYPE) -> Answer:
    return Answer(content_type, json.dumps(document).encode())


def test_turn_json_answer_into_values() -> None:
    document = {
        "head": {"vars": ["s", "l", "b"]},
        "results": {
            "bindings": [
                {
                    "s": {"type": "uri", "value": "http://x/1"},
                    "l": {"type": "literal", "value": 'a"b', "xml:lang": "en"},
                },
                {"b": {"type": "bnode", "value": "n1"}},
            ]
        },
    }
    assert values_from(answer(document), 10, BASE, "call") == (
        f'VALUES (?s ?l ?b) {{ (<http://x/1> "a\\"b"@en UNDEF) (UNDEF UNDEF <{BASE}.well-known/genid/call/n1>) }}'
    )


def test_turn_xml_answer_into_values() -> None:
    body = (
        b'<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#"><head><variable name="n"/>'
        b'</head><results><result><binding name="n"><literal datatype="http://www.w3.org/2001/XMLSchema#integer">'
        b"7</literal></binding></result></results></sparql>"
    )
    assert values_from(Answer("application/sparql-results+xml; charset=utf-8", body), 10, BASE, "c") == (
        f'VALUES (?n) {{ ("7"^^<{XSD}integer>) }}'
    )


@pytest.mark.parametrize(
    ("given", "words"),
    [
        (
            answer({"head": {"vars": ["n"]}, "results": {"bindings": [{"n": {"type": "literal", "value": "1"}}] * 3}}),
            "more than 2 rows",
        ),
        (answer({"head": {}, "boolean": True}), "boolean"),
        (answer({"head": {"vars": ["n"]}, "results": {"bindings": []}}, "text/html"), "text/html, not SPARQL"),
        (answer({"head": {"vars": ["n"]}, "results": {"bindings": []}}, ""), "without a Content-Type"),
        (Answer(JSON_TYPE, b"{not json"), "not valid SPARQL results"),
        (
            answer(
                {"head": {"vars": ["n"]}, "results": {"bindings": [{"n": {"type": "uri", "value": "http://x/> y"}}]}}
            ),
            "not valid",
        ),
        (answer({"head": {"vars": ["a b"]}, "results": {"bindings": []}}), "not valid"),
    ],
    ids=["too-many-rows", "boolean", "html", "no-content-type", "not-json", "bad-iri", "bad-variable"],
)
def test_refuse_unusable_answer(given: Answer, words: str) -> None:
    with pytest.raises(TermError, match=words):
        values_from(given, 2, BASE, "c")


# --- the lexer stays linear on text anyone can send --------------------------------------------------------------


@pytest.mark.parametrize("separator", [".", "-"])
def test_split_run_of_words_into_words_in_one_pass(separator: str) -> None:
    """A run like ``a.a.a…`` is read once and split: the former lexer re-read it to the end after every
    separator, looking for the ``:`` of a prefixed name (quadratic: 20 kB took 2.5 s, 40 kB 7.6 s)."""
    assert sparql_text.keywords(("a" + separator) * 50_000) == ["A"] * 50_000


@pytest.mark.parametrize("text", ['"""' + '\\"""' * 20_000, "'''" + "\\'''" * 20_000, '"""' + "x" * 100_000])
def test_lex_unterminated_long_string_as_one_token_to_the_end(text: str) -> None:
    assert [(token.kind, token.end) for token in sparql_text.tokens(text)] == [("string", len(text))]


def test_lex_unterminated_short_string_to_the_end_of_its_line() -> None:
    text = 'ASK { ?s ?p "open\\" SERVICE <http://x/> {}\n} # done'
    strings = [token.text for token in sparql_text.tokens(text) if token.kind == "string"]
    assert strings == ['"open\\" SERVICE <http://x/> {}'] and not sparql_text.uses_service(text)
