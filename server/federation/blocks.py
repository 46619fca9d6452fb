"""The SERVICE blocks of a query, the query each one sends, and the VALUES that replace it (pure text).

``plan`` reads the query once with the lexer of ``server.store.sparql_text`` (comments, strings and IRIs
skipped, so a brace or the word SERVICE inside them is not one): the prologue (BASE, PREFIX, VERSION),
then every ``SERVICE [SILENT] <iri>|prefix:name|?var { … }`` outside another SERVICE block, with the
span of its balanced braces. A SERVICE nested inside a block is part of that block's text and goes to
the remote endpoint as written.

Bottom-up evaluation, as SPARQL 1.1 Federated Query defines SERVICE without outer bindings: the block's
pattern is sent as ``SELECT * WHERE { … }`` under the query's own prologue, and its solutions come back
as ``VALUES (?vars) { (…) … }`` in the block's place. SPARQL translates both a SERVICE and an inline
VALUES in a group the same way (a join with the group so far), so the rewritten query has the algebra of
the original with the remote's solutions in place of the call. A failed ``SERVICE SILENT`` becomes
``VALUES () { () }``: one solution binding nothing, the identity of the join (W3C test service07).

Terms are written from validated parts: IRIs checked against the IRIREF characters, literals escaped
(quotes, backslashes, line breaks and other control characters), language tags checked. VALUES cannot
hold a blank node, so a remote blank node becomes a skolem IRI under ``<base>.well-known/genid/``, with
one random segment per call (labels are scoped to one result document: the same label twice in one
answer is the same node, and never matches a node from another answer or from our data).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final
from urllib.parse import urljoin

from server import prefixes
from server.federation.errors import ServiceRefused
from server.store.sparql_text import Token, tokens

SILENT_EMPTY: Final = "VALUES () { () }"  # one solution binding nothing
_IRI: Final = re.compile(r"[^<>\"{}|^`\\\x00-\x20]*")
_LANGUAGE: Final = re.compile(r"[A-Za-z]+(?:-[A-Za-z0-9]+)*")
_VARIABLE: Final = re.compile(r"[\w\u00b7\u0300-\u036f\u203f-\u2040]+")
_ESCAPES: Final = {
    **{code: f"\\u{code:04X}" for code in (*range(0x20), 0x7F)},
    ord("\t"): "\\t",
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\b"): "\\b",
    ord("\f"): "\\f",
    ord('"'): '\\"',
    ord("\\"): "\\\\",
}
_PN_LOCAL_ESCAPE: Final = re.compile(r"\\(.)")
_STRING: Final = prefixes.XSD + "string"
_LANG_STRING: Final = prefixes.RDF + "langString"


@dataclass(frozen=True)
class Call:
    """One ``SERVICE`` block: its span in the query, the endpoint as written and as an absolute IRI (None
    for a variable), SILENT or not, and the ``{ … }`` pattern it sends."""

    start: int
    end: int
    target: str
    endpoint: str | None
    silent: bool
    pattern: str


@dataclass(frozen=True)
class Plan:
    """A query, its prologue (verbatim), the prefixes that prologue declares, and its top-level SERVICE calls in
    order."""

    sparql: str
    prologue: str
    calls: tuple[Call, ...]
    declared: frozenset[str] = frozenset()

    def remote_query(self, call: Call, base_iri: str) -> str:
        """What ``call`` sends: the query's prologue under our base (relative IRIs in the block mean what
        they mean here), then ``SELECT * WHERE`` the block. The remote endpoint does not know our predeclared
        prefixes, so each one the block uses and the query does not declare is declared first."""
        used = {token.text.partition(":")[0] for token in tokens(call.pattern) if token.kind == "pname"}
        predeclared = prefixes.sparql_header(sorted(used.intersection(prefixes.PREFIXES) - self.declared), base_iri)
        prologue = f"{self.prologue}\n" if self.prologue else ""
        return f"BASE <{base_iri}>\n{predeclared}{prologue}SELECT * WHERE {call.pattern}"

    def rewrite(self, replacements: Sequence[str]) -> str:
        """The query with each call's span replaced by the matching text (usually a one-line VALUES block),
        followed by as many line breaks as the span held, so the store's syntax errors keep their lines."""
        pieces, position = [], 0
        for call, replacement in zip(self.calls, replacements, strict=True):
            breaks = "\n" * self.sparql.count("\n", call.start, call.end)
            pieces += [self.sparql[position : call.start], f" {replacement} {breaks}"]
            position = call.end
        pieces.append(self.sparql[position:])
        return "".join(pieces)


def mentions_service(sparql: str) -> bool:
    """A cheap first look: no query without these letters has a SERVICE block to plan."""
    return "service" in sparql.casefold()


def plan(sparql: str, base_iri: str) -> Plan:
    """The prologue and top-level SERVICE calls of ``sparql``; relative IRIs resolve against the query's
    BASE, else ``base_iri``; a prefixed name uses the query's PREFIX, else the predeclared one. Raises
    ServiceRefused for a SERVICE that is not followed by an IRI, a declared prefixed name or a variable and a
    balanced ``{ … }``."""
    significant = [token for token in tokens(sparql) if token.kind not in ("space", "comment")]
    position, base, declared = _prologue(significant, base_iri)
    prologue = sparql[: significant[position - 1].end] if position else ""
    namespaces = {**prefixes.namespaces(base_iri), **declared}  # the predeclared prefixes, then the query's
    calls = []
    while position < len(significant):
        token = significant[position]
        if token.kind == "word" and token.text.casefold() == "service":
            call, position = _service(sparql, significant, position, base, namespaces)
            calls.append(call)
        else:
            position += 1
    return Plan(sparql, prologue, tuple(calls), frozenset(declared))


def _prologue(significant: list[Token], base: str) -> tuple[int, str, dict[str, str]]:
    """Where the prologue ends (a token index), the base it leaves and the prefixes it declares."""
    namespaces: dict[str, str] = {}
    position = 0
    while position < len(significant):
        word = significant[position].text.upper() if significant[position].kind == "word" else ""
        following = [token.kind for token in significant[position + 1 : position + 3]]
        if word == "BASE" and following[:1] == ["iri"]:
            base = urljoin(base, significant[position + 1].text[1:-1])
            position += 2
        elif word == "PREFIX" and following == ["pname", "iri"] and significant[position + 1].text.endswith(":"):
            name = significant[position + 1].text[:-1]
            namespaces[name] = urljoin(base, significant[position + 2].text[1:-1])
            position += 3
        elif word == "VERSION" and following[:1] == ["string"]:
            position += 2
        else:
            break
    return position, base, namespaces


def _service(
    sparql: str, significant: list[Token], position: int, base: str, namespaces: dict[str, str]
) -> tuple[Call, int]:
    """The call whose SERVICE keyword is ``significant[position]``, and the index after its block."""
    keyword = significant[position]
    following = significant[position + 1 : position + 2]
    silent = bool(following) and following[0].kind == "word" and following[0].text.casefold() == "silent"
    position += 2 if silent else 1
    if position + 1 >= len(significant) or significant[position + 1].text != "{":
        raise _malformed(sparql, keyword, "it must be followed by an endpoint IRI written without escapes, then { … }")
    target = significant[position]
    if target.kind == "iri":
        endpoint: str | None = urljoin(base, target.text[1:-1])
    elif target.kind == "pname":
        endpoint = _expand(target.text, namespaces)
    elif target.kind == "var":
        endpoint = None
    else:
        raise _malformed(sparql, keyword, "it must name its endpoint with an IRI written without escapes")
    opening = significant[position + 1]
    depth = 0
    for index in range(position + 1, len(significant)):
        token = significant[index]
        if token.kind == "other" and token.text in "{}":
            depth += 1 if token.text == "{" else -1
            if depth == 0:
                pattern = sparql[opening.start : token.end]
                return Call(keyword.start, token.end, target.text, endpoint, silent, pattern), index + 1
    raise _malformed(sparql, keyword, "its { … } pattern has no closing brace")


def _malformed(sparql: str, keyword: Token, reason: str) -> ServiceRefused:
    line = sparql.count("\n", 0, keyword.start) + 1
    column = keyword.start - (sparql.rfind("\n", 0, keyword.start) + 1) + 1
    return ServiceRefused(f"at line {line}, column {column},", reason)


def _expand(pname: str, namespaces: dict[str, str]) -> str:
    prefix, _, local = pname.partition(":")
    if prefix not in namespaces:
        raise ServiceRefused(pname, f"the prefix {prefix}: is not declared in the query (nor predeclared)")
    return namespaces[prefix] + _PN_LOCAL_ESCAPE.sub(r"\1", local)


# --- terms and VALUES ------------------------------------------------------------------------------------


class TermError(ValueError):
    """A term from a remote answer that cannot be written into a query."""


def iri(value: str) -> str:
    """``<value>``, refusing characters an IRIREF cannot hold."""
    if not _IRI.fullmatch(value):
        raise TermError(f"the IRI {value[:200]!r} contains a character an IRI cannot hold")
    return f"<{value}>"


def literal(value: str, language: str | None = None, datatype: str | None = None) -> str:
    """A literal in SPARQL syntax: escaped lexical form, then ``@language`` or ``^^<datatype>``."""
    text = '"' + value.translate(_ESCAPES) + '"'
    if language:
        if not _LANGUAGE.fullmatch(language):
            raise TermError(f"{language[:50]!r} is not a language tag")
        return f"{text}@{language}"
    if datatype in (None, _STRING):
        return text
    if datatype == _LANG_STRING:
        raise TermError("a language-tagged string without a language tag")
    return f"{text}^^{iri(datatype)}"


def skolem(base_iri: str, call_id: str, label: str) -> str:
    """The IRI standing for blank node ``label`` of one call's answer (see the module doc)."""
    return iri(f"{base_iri}.well-known/genid/{call_id}/{label}")


def variable(name: str) -> str:
    if not _VARIABLE.fullmatch(name):
        raise TermError(f"{name[:50]!r} is not a variable name")
    return "?" + name


def values_clause(variables: Sequence[str], rows: Iterable[Sequence[str | None]]) -> str:
    """``VALUES (?a ?b) { (t1 t2) (UNDEF t3) }``: ``variables`` are names, rows hold term texts or None
    (unbound). No variables and one empty row is the one empty solution."""
    head = " ".join(variable(name) for name in variables)
    body = " ".join("(" + " ".join(term or "UNDEF" for term in row) + ")" for row in rows)
    return f"VALUES ({head}) {{ {body} }}"
