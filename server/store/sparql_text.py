"""What a SPARQL string says before it is evaluated, found by a small lexer.

pyoxigraph (0.5) does not expose its parsed algebra to Python, yet the endpoint must know about a query
without running it:

* whether it uses ``SERVICE``: the store refuses it (its own client has no timeout and no allowlist), and
  ``server.federation`` finds each ``SERVICE`` block to answer it with our own client first;
* whether it is an update: its first keyword after the prologue is ``INSERT``, ``DROP``… (no query
  starts so); that earns a 403 "read-only" rather than a syntax error.

The lexer skips comments, string literals, IRIs, variables, prefixed names, blank node labels and
language tags, so the words it reports are keywords: ``?service``, ``ex:SERVICE``, ``"drop"`` and
``<http://x/#SERVICE>`` are not.

It runs in the web process on text anyone can send, so it is linear in the length of the query: every
alternative either always matches (an unterminated string runs to the end of its line, or of the text for
a long one) or stops at a character that cannot start a new attempt of its own (an IRI at the next ``<``),
and a run of name characters is read once, then split into words, instead of being re-read after each
``.`` or ``-`` while looking for the ``:`` of a prefixed name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final, Literal, NamedTuple

Kind = Literal["space", "comment", "string", "iri", "var", "bnode", "lang", "pname", "word", "other"]

_LOCAL = r"""(?:[\w\-:]|%[0-9A-Fa-f]{2}|\\.|\.(?=[\w\-:%\\]))*"""  # the local part of a prefixed name
_TOKEN: Final = re.compile(
    rf"""
      (?P<space>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<string>
          '''(?:[^'\\]|\\.?|'(?!''))*(?:'''|\Z)                 # long strings
        | \"\"\"(?:[^"\\]|\\.?|"(?!""))*(?:\"\"\"|\Z)
        | '(?:[^'\\\n\r]|\\.)*'?                                # short strings
        | "(?:[^"\\\n\r]|\\.)*"?
      )
    | (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)                       # IRI reference
    | (?P<var>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+)
    | (?P<bnode>_:[\w.\-]*)
    | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    | (?P<name>[^\W\d_][\w.\-]*+)(?P<local>:{_LOCAL})?           # prefixed name, or a run of bare words
    | (?P<pname>:{_LOCAL})                                       # prefixed name with the empty prefix
    | (?P<word>[A-Za-z_]\w*)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_WORD: Final = re.compile(r"[A-Za-z_]\w*")

UPDATE_KEYWORDS: Final = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)
_PROLOGUE: Final = frozenset({"BASE", "PREFIX", "VERSION"})


class Token(NamedTuple):
    kind: Kind
    text: str
    start: int
    end: int


def tokens(sparql: str) -> Iterator[Token]:
    """The tokens of ``sparql`` in order; every character belongs to exactly one token, except the
    separators (``.``, ``-``, digits) inside a run of bare words such as ``true.SERVICE``."""
    for match in _TOKEN.finditer(sparql):
        kind = match.lastgroup
        if kind in ("name", "local"):
            if match.group("local") is not None:
                yield Token("pname", match.group(), match.start(), match.end())
                continue
            offset = match.start()
            for word in _WORD.finditer(match.group()):
                yield Token("word", word.group(), offset + word.start(), offset + word.end())
            continue
        yield Token(kind, match.group(), match.start(), match.end())  # type: ignore[arg-type]


def keywords(sparql: str) -> list[str]:
    """The bare words of ``sparql`` (keywords, ``a``, function names), upper-cased, in order.

    Read from the matches directly, without a ``Token`` each: a query carrying a large VALUES block (an
    answered SERVICE call) is mostly strings and IRIs, and this runs on every query.

    >>> keywords('SELECT ?s { ?s a <http://x/SERVICE> ; ?p "WHERE" } # LIMIT')
    ['SELECT', 'A']
    """
    words: list[str] = []
    for match in _TOKEN.finditer(sparql):
        if match.lastgroup == "name":
            words += (word.upper() for word in _WORD.findall(match.group()))
        elif match.lastgroup == "word":
            words.append(match.group().upper())
    return words


_OPENING: Final = frozenset("{([")
_CLOSING: Final = frozenset("})]")


def nesting_depth(sparql: str) -> int:
    """How deep the query nests at most: its brackets (``{``, ``(``, ``[``, ``<<`` of a triple term), plus a run of
    ``!`` (each negates what follows, one level further down), outside comments, strings and IRIs.

    pyoxigraph's parser recurses once per level: a few thousand levels overflow its stack and kill the process
    (``ASK`` followed by 3,000 ``{``, or ``FILTER(`` and 50,000 ``!``), so the endpoint refuses deep queries before
    any parser sees them. One pass of the lexer: linear in the length of the text.

    >>> nesting_depth('SELECT * { { ?s ?p "{{{" } FILTER((?s)) }')
    3
    >>> nesting_depth("ASK { FILTER(!!!true) } # ((((")
    5
    """
    depth = deepest = negations = 0
    previous = ""
    for match in _TOKEN.finditer(sparql):
        kind = match.lastgroup
        if kind in ("space", "comment"):
            continue
        char = match.group() if kind == "other" else ""
        negations = negations + 1 if char == "!" else 0
        if char in _OPENING or char == previous == "<":
            depth += 1
        elif char in _CLOSING or char == previous == ">":
            depth = max(depth - 1, 0)
        deepest = max(deepest, depth + negations)
        previous = "" if char == previous else char  # "<<<<" is two openings, not three
    return deepest


def graph_names(sparql: str) -> list[Token] | None:
    """The IRI or prefixed name after each ``GRAPH`` keyword, in order; None when one is followed by anything else
    (a variable: that pattern may reach any named graph).

    >>> [t.text for t in graph_names("SELECT * { GRAPH <http://x/g> { ?s ?p ?o } GRAPH ex:h { } }")]
    ['<http://x/g>', 'ex:h']
    >>> graph_names("SELECT * { GRAPH ?g { ?s ?p ?o } }") is None, graph_names("SELECT * { ?s <http://x/GRAPH> ?o }")
    (True, [])
    """
    found: list[Token] = []
    after_graph = False
    for token in tokens(sparql):
        if token.kind in ("space", "comment"):
            continue
        if after_graph:
            if token.kind not in ("iri", "pname"):
                return None
            found.append(token)
            after_graph = False
        else:
            after_graph = token.kind == "word" and token.text.upper() == "GRAPH"
    return None if after_graph else found


_SOLUTION_MODIFIERS: Final = frozenset({"GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "VALUES"})


def dataset_position(sparql: str) -> int | None:
    """Where the outermost query's dataset clauses (``FROM …``) go: at its first ``{``, ``WHERE`` or ``FROM`` outside
    brackets after the query form (a CONSTRUCT's template passed over); in a DESCRIBE without a WHERE clause, at its
    first solution modifier or the end. None when there is no query form.

    >>> q = "SELECT (EXISTS { ?s ?p ?o } AS ?e) { ?s ?p ?o }"
    >>> q[dataset_position(q):]
    '{ ?s ?p ?o }'
    >>> q = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    >>> q[dataset_position(q):]
    'WHERE { ?s ?p ?o }'
    >>> q = "DESCRIBE <http://x/a> # WHERE"
    >>> dataset_position(q) == len(q), dataset_position("PREFIX x: <http://x/>")
    (True, None)
    """
    form, first, template, depth = None, False, False, 0
    for token in tokens(sparql):
        if token.kind in ("space", "comment"):
            continue
        word = token.text.upper() if token.kind == "word" else ""
        if form is None:
            form, first = (word, True) if word in _FORMS else (None, False)
            continue
        if depth == 0 and not template:
            if first and form == "CONSTRUCT" and token.text == "{":
                template = True
            elif token.text == "{" or word in ("WHERE", "FROM") or (form == "DESCRIBE" and word in _SOLUTION_MODIFIERS):
                return token.start
        first = False
        if token.kind == "other" and token.text in _OPENING:
            depth += 1
        elif token.kind == "other" and token.text in _CLOSING:
            depth = max(depth - 1, 0)
            template = template and depth > 0
    return len(sparql) if form == "DESCRIBE" else None


def uses_service(sparql: str) -> bool:
    """Whether the query asks for federation (``SERVICE``).

    >>> uses_service("SELECT * { SERVICE <http://x/sparql> { ?s ?p ?o } }")
    True
    >>> uses_service("PREFIX service: <http://x/> SELECT * { service:a ?p ?o }")
    False
    """
    return "SERVICE" in keywords(sparql)


def looks_like_update(sparql: str) -> bool:
    """Whether the first keyword after the prologue starts a SPARQL Update operation.

    >>> looks_like_update("PREFIX ex: <http://x/> DELETE WHERE { ?s ?p ?o }")
    True
    >>> looks_like_update("SELECT * { ?s <http://x/insert> ?o }")
    False
    """
    body = [word for word in keywords(sparql) if word not in _PROLOGUE]
    return bool(body) and body[0] in UPDATE_KEYWORDS


CHEAP_ROWS: Final = 1000
_COSTLY: Final = frozenset(
    {
        "ORDER", "GROUP", "HAVING", "DISTINCT", "REDUCED", "COUNT", "SUM", "AVG", "MIN", "MAX", "GROUP_CONCAT",
        "SAMPLE", "MINUS", "EXISTS", "SERVICE",
    }
)  # fmt: skip
_LIMIT: Final = re.compile(r"\s*(\d+)")
_FORMS: Final = frozenset({"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"})


def looks_cheap(sparql: str) -> bool:
    """Whether a query's text promises a quick answer: no query form (a syntax error), an ASK, or one
    SELECT/CONSTRUCT/DESCRIBE with a LIMIT of at
    most ``CHEAP_ROWS``, that neither sorts, groups, aggregates, removes duplicates, negates (MINUS, NOT EXISTS),
    calls out, nor repeats a property path (``*``, ``+``; a ``*`` right after SELECT is fine).

    A promise, not a proof (an ASK over a cartesian product that no solution satisfies runs for ever): the worker
    pool gives a cheap query a reserved worker only briefly (``WorkerLimits.cheap_timeout``).

    >>> looks_cheap("ASK { ?s a <http://x/C> }"), looks_cheap("SELECT * { ?s ?p ?o } LIMIT 10")
    (True, True)
    >>> looks_cheap("SELECT * { ?s ?p ?o }"), looks_cheap("SELECT (COUNT(*) AS ?n) { ?s ?p ?o } LIMIT 1")
    (False, False)
    >>> looks_cheap("SELECT ?s { ?s <http://x/p>+ ?o } LIMIT 10")
    False

    Text with no query form at all is no query: the parser refuses it at once, so it never waits behind heavy ones.

    >>> looks_cheap("²BF\x049"), looks_cheap("PREFIX x: <http://x/>")
    (True, True)
    """
    form: str | None = None
    limit: int | None = None
    previous = ""
    for match in _TOKEN.finditer(sparql):
        kind = match.lastgroup
        if kind in ("space", "comment"):
            continue
        words = [w.upper() for w in _WORD.findall(match.group())] if kind in ("name", "word") else []
        for word in words:
            if word in _COSTLY or (form is not None and word in _FORMS):
                return False  # a second query form: a subquery
            if form is None and word in _FORMS:
                form = word
            if word == "LIMIT" and (found := _LIMIT.match(sparql, match.end())):
                limit = int(found.group(1))
        text = match.group() if kind == "other" else ""
        if text == "+" or (text == "*" and previous != "SELECT"):
            return False
        previous = words[-1] if words else text
    return form in (None, "ASK") or (limit is not None and limit <= CHEAP_ROWS)
