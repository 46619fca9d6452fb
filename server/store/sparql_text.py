"""What a SPARQL string says before it is evaluated, found by a small lexer.

pyoxigraph (0.5) does not expose its parsed algebra to Python, yet the endpoint must know two things
about a query without running it:

* whether it uses ``SERVICE``: federation is not offered, and the engine's own client has no timeout;
* whether it is an update: its first keyword after the prologue is ``INSERT``, ``DROP``… (no query
  starts so); that earns a 403 "read-only" rather than a syntax error.

The lexer skips comments, string literals, IRIs, variables, prefixed names, blank node labels and
language tags, so the keywords it reports are keywords: ``?service``, ``ex:SERVICE``, ``"drop"`` and
``<http://x/#SERVICE>`` are not.
"""

from __future__ import annotations

import re
from typing import Final

_TOKEN: Final = re.compile(
    r"""
      (?P<skip>
          \#[^\n\r]*                                   # comment
        | '''(?:[^'\\]|\\.|'(?!''))*'''                 # long strings
        | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
        | '(?:[^'\\\n\r]|\\.)*'                          # short strings
        | "(?:[^"\\\n\r]|\\.)*"
        | <[^<>"{}|^`\\\x00-\x20]*>                      # IRI reference
        | [?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+    # variable
        | _:[\w.\-]*                                     # blank node label
        | @[A-Za-z]+(?:-[A-Za-z0-9]+)*                   # language tag
        | (?:[^\W\d_][\w.\-]*)?:(?:[\w\-:]|%[0-9A-Fa-f]{2}|\\.|\.(?=[\w\-:%\\]))*   # prefixed name
      )
    | (?P<word>[A-Za-z_]\w*)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

UPDATE_KEYWORDS: Final = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)
_PROLOGUE: Final = frozenset({"BASE", "PREFIX", "VERSION"})


def keywords(sparql: str) -> list[str]:
    """The bare words of ``sparql`` (keywords, ``a``, function names), upper-cased, in order."""
    return [m.group("word").upper() for m in _TOKEN.finditer(sparql) if m.lastgroup == "word"]


def uses_service(sparql: str) -> bool:
    """Whether the query asks for federation (``SERVICE``)."""
    return "SERVICE" in keywords(sparql)


def looks_like_update(sparql: str) -> bool:
    """Whether the first keyword after the prologue starts a SPARQL Update operation."""
    body = [word for word in keywords(sparql) if word not in _PROLOGUE]
    return bool(body) and body[0] in UPDATE_KEYWORDS
