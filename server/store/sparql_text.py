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
    answered SERVICE call) is mostly strings and IRIs, and this runs on every query."""
    words: list[str] = []
    for match in _TOKEN.finditer(sparql):
        if match.lastgroup == "name":
            words += (word.upper() for word in _WORD.findall(match.group()))
        elif match.lastgroup == "word":
            words.append(match.group().upper())
    return words


def uses_service(sparql: str) -> bool:
    """Whether the query asks for federation (``SERVICE``)."""
    return "SERVICE" in keywords(sparql)


def looks_like_update(sparql: str) -> bool:
    """Whether the first keyword after the prologue starts a SPARQL Update operation."""
    body = [word for word in keywords(sparql) if word not in _PROLOGUE]
    return bool(body) and body[0] in UPDATE_KEYWORDS
