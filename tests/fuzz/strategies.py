"""Hypothesis strategies for hostile input: SPARQL text, RDF uploads, header values and request paths.

Each strategy mixes what a grammar-aware attacker sends (fragments that almost parse, deep nesting, very long
tokens) with what a careless client sends (odd Unicode, control characters, wrong encodings).
"""

from __future__ import annotations

import json
from urllib.parse import quote

from hypothesis import strategies as st

# Tokens of SPARQL 1.1 and of what is often pasted into it; several are refused by the endpoint on purpose.
SPARQL_TOKENS = (
    "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "{", "}", "(", ")", ".", ";", ",", "*", "a",
    "?s", "?p", "?o", "$x", "FILTER", "OPTIONAL", "UNION", "MINUS", "GRAPH", "SERVICE", "BIND", "AS", "VALUES",
    "UNDEF", "LIMIT 1", "OFFSET 2", "ORDER BY", "GROUP BY", "HAVING", "COUNT", "DISTINCT", "REGEX", "STR", "LANG",
    "IRI", "PREFIX x: <http://example.org/>", "BASE <http://example.org/>", "<http://example.org/x>", "<>", "<#a>",
    "mig:Event", "rdfs:label", "x:", '"x"', '"x"@en', "'y'", '"""z"""', "1", "1.5e3", "-0", "true",
    "^^xsd:integer", "!", "||", "&&", "=", "!=", "<", ">", "+", "-", "/", "|", "^", "?", "INSERT DATA",
    "DELETE WHERE", "LOAD <http://example.org/>", "CLEAR ALL", "DROP ALL", "# comment\n", "\\u0041", "%00", "@@",
    "<<", ">>", "{|", "|}", "<< ?s ?p ?o >>", "EXISTS", "NOT", "IN", "SUBSTR", "NOW()", "RAND()", "UUID()",
)  # fmt: skip
QUERY_HEADS = ("", "SELECT * WHERE {", "ASK {", "CONSTRUCT WHERE {", "DESCRIBE ", "SELECT (COUNT(*) AS ?n) {")

# Characters that break naive code: NUL and other controls, right-to-left override, zero-width and byte-order marks,
# combining marks, non-characters, astral plane, a lone backslash.
ODD_CHARACTERS = "\x00\x01\x1b\x7f\u0085\u00a0\u200b\u200d\u202e\u2028\ufeff\ufffe\uffff\u0301\U0001d518\U0001f600\\"

odd_text = st.text(st.one_of(st.sampled_from(ODD_CHARACTERS), st.characters(exclude_categories=("Cs",))), max_size=120)


def nested(depth: int, opening: str, closing: str, core: str = "") -> str:
    return opening * depth + core + closing * depth


sparql_fragments = st.builds(
    lambda head, tokens, close: " ".join((head, *tokens)) + close,
    st.sampled_from(QUERY_HEADS),
    st.lists(st.one_of(st.sampled_from(SPARQL_TOKENS), odd_text), max_size=40),
    st.sampled_from(("", "}", " } LIMIT 5")),
)
sparql_nesting = st.one_of(
    st.integers(1, 300).map(lambda n: "ASK " + nested(n, "{ ", "} ")),
    st.integers(1, 300).map(lambda n: f"ASK {{ FILTER({nested(n, '(', ')', '1')}) }}"),
    st.integers(1, 300).map(lambda n: "SELECT * WHERE { " + nested(n, "OPTIONAL { ", " } ", "?s ?p ?o") + " }"),
    st.integers(1, 300).map(lambda n: "ASK { " * n),  # unbalanced
)
sparql_long_tokens = st.builds(
    lambda n, template: template.replace("@", "a" * n),
    st.integers(1_000, 200_000),
    st.sampled_from((
        'SELECT * WHERE { ?s ?p "@" }', "SELECT ?@ WHERE { ?@ ?p ?o }", "ASK { <http://example.org/@> ?p ?o }",
        "PREFIX @: <http://example.org/> ASK { @:x ?p ?o }", "ASK { ?s ?p ?o } # @", "@",
    )),
)  # fmt: skip
sparql_text = st.one_of(sparql_fragments, sparql_nesting, sparql_long_tokens, odd_text)

# --- RDF uploads ---------------------------------------------------------------------------------------------

UPLOAD_TYPES = (
    "text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml", "application/n-quads",
    "text/turtle; charset=latin-1", "text/plain", "application/json", "multipart/form-data; boundary=x", "",
)  # fmt: skip
BAD_IRIS = (
    "<http://exa mple.org/x>", "<javascript:alert(1)>", "<../../etc/passwd>", "<http://example.org/\x00>", "<>",
    "<http://[::1>", "<http://example.org/{x}>", "<\\u0000>", "<http://example.org/\U0001f600>", "<relative>",
    "<file:///etc/passwd>", "<http://example.org/" + "a" * 5000 + ">",
)  # fmt: skip
TURTLE_PIECES = (
    "@prefix ex: <http://example.org/> .", "ex:a", "ex:b", "a", ";", ",", ".", "[", "]", "(", ")", '"lit"',
    '"lit"@en', '"1"^^<http://www.w3.org/2001/XMLSchema#integer>', '"""long\nstring"""', "_:b0", "<<", ">>",
    "@base <http://example.org/> .", "PREFIX ex: <http://example.org/>", "GRAPH ex:g {", "}", "true", "1.0e",
)  # fmt: skip
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20) | st.sampled_from(("@id", "@context", "@graph")),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(("@id", "@type", "@context", "@graph", "@value", "@language", "@list", "http://x/p", "p")),
        inner, max_size=4),
    max_leaves=12,
)  # fmt: skip
turtle_like = st.lists(
    st.one_of(st.sampled_from(TURTLE_PIECES), st.sampled_from(BAD_IRIS), odd_text), min_size=1, max_size=30
).map(" ".join)
upload_bodies = st.one_of(
    turtle_like.map(str.encode),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=300),
    odd_text.map(str.encode),
    turtle_like.map(lambda t: t.encode("utf-16")),
)

# --- headers and paths -----------------------------------------------------------------------------------------

# A header value h11 will send: visible ASCII and obs-text, spaces inside; no control characters.
header_value = st.text(
    st.one_of(st.characters(min_codepoint=0x20, max_codepoint=0x7E), st.characters(min_codepoint=0x80,
                                                                                    max_codepoint=0xFF)),
    min_size=1, max_size=200,
).map(lambda v: v.strip().encode("latin-1")).filter(bool)  # fmt: skip
media_ranges = st.lists(
    st.builds(
        lambda t, s, q: f"{t}/{s}{q}",
        st.sampled_from(("*", "text", "application", "image", "x", "")),
        st.sampled_from(("*", "html", "turtle", "sparql-results+json", "ld+json", "csv", "", "x;y=z")),
        st.sampled_from(("", ";q=0", ";q=1", ";q=0.5", ";q=2", ";q=-1", ";q=abc", ";charset=utf-8", ";profile=\"x\"")),
    ),
    min_size=1, max_size=6,
).map(lambda ranges: ", ".join(ranges).encode())  # fmt: skip
accept_values = st.one_of(media_ranges, header_value)
HEADER_NAMES = ("Accept", "Accept-Language", "If-None-Match", "If-Modified-Since", "If-Match", "Host",
                "Content-Type", "Accept-Encoding", "Origin", "Range")  # fmt: skip

PATH_HEADS = ("/id/", "/doc/", "/def/", "/source/", "/partners/", "/static/", "/download/", "/graph-store/reports/",
              "/")  # fmt: skip
PATH_TAILS = ("", ".css", ".ttl", ".jsonld", ".html", ".rdf", ".nt", "/", "?x=1")
# Pieces of a request path that are plain ASCII once decoded, and (below) those that are not.
ASCII_PIECES = ("event", "organisation", "a", "..", "%2e%2e", ".", "%2F", "//", "x%3Cscript%3E", "%25", "~",
                "%3F", "%23", ";", "a=b")  # fmt: skip
HOSTILE_PIECES = (
    "%00",
    "%20",
    "%C0%AE",
    "%C0%AF",
    "%FF",
    "%E2%80%AE",
    "%F0%9F%98%80",
    "%ED%A0%80",
    "%0D%0ASet-Cookie:x=1",
)

ascii_paths = st.builds(
    lambda head, pieces, tail: head + "/".join(pieces) + tail,
    st.sampled_from(PATH_HEADS),
    st.lists(st.one_of(st.sampled_from(ASCII_PIECES), st.from_regex(r"[A-Za-z0-9._-]{1,20}", fullmatch=True)),
             max_size=6),
    st.sampled_from(PATH_TAILS),
)  # fmt: skip
hostile_paths = st.builds(
    lambda head, pieces, tail: head + "".join(pieces) + tail,
    st.sampled_from(PATH_HEADS),
    st.lists(
        st.one_of(st.sampled_from(ASCII_PIECES + HOSTILE_PIECES), odd_text.map(lambda t: quote(t, safe="/"))),
        min_size=1, max_size=6,
    ),
    st.sampled_from(PATH_TAILS),
)  # fmt: skip
