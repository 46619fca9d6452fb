"""Errors a person can act on: pyoxigraph's syntax error for a query, explained against the query's own text.

pyoxigraph says where parsing stopped (``error at 1:31``, 1-based line and character column) and what its grammar
could have read there: often a list of character ranges (``['-' | '0' ..= '9' | '\\u{00B7}' …``) or an internal note
(``Prefix not found``). ``explain`` reads the query with the lexer of ``server.store.sparql_text`` and names the
likely cause instead, pointing at it:

* a string that is never closed (at its opening quote);
* a prefix that is neither declared nor predeclared (at the prefixed name), with the table's prefix it probably
  means ("did you mean mig: <https://w3id.org/migkg/def#>?");
* a bare word that is no SPARQL keyword (at the word), with the keyword it probably means (``SELCT`` → ``SELECT``);
* a ``{`` or ``(`` never closed, or one closed twice;
* otherwise the token found where parsing stopped and a readable list of what could come there (quoted tokens and
  keywords; the character ranges are dropped).

Terms of ``mig:`` that the ontology does not have are named in the hint with the nearest terms; a query that parses
gets them as warnings (``unknown_terms``), which the endpoint sends in ``Warning`` headers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Any, Final

from server import prefixes
from server.store.base import StoreError
from server.store.sparql_text import Token, tokens
from server.vocabulary import Vocabulary

# SPARQL 1.1 Query and Update keywords and built-in functions, and the SPARQL 1.2 ones pyoxigraph reads.
_KEYWORD_TEXT: Final = """
    BASE PREFIX VERSION SELECT CONSTRUCT DESCRIBE ASK DISTINCT REDUCED AS FROM NAMED WHERE ORDER BY ASC DESC LIMIT
    OFFSET GROUP HAVING VALUES UNDEF OPTIONAL GRAPH UNION MINUS FILTER BIND SERVICE SILENT EXISTS NOT IN A TRUE FALSE
    LATERAL LOAD CLEAR DROP CREATE ADD MOVE COPY INSERT DELETE DATA WITH USING DEFAULT ALL INTO TO SEPARATOR STR LANG
    LANGMATCHES DATATYPE BOUND IRI URI BNODE RAND ABS CEIL FLOOR ROUND CONCAT STRLEN UCASE LCASE ENCODE_FOR_URI CONTAINS
    STRSTARTS STRENDS STRBEFORE STRAFTER YEAR MONTH DAY HOURS MINUTES SECONDS TIMEZONE TZ NOW UUID STRUUID MD5 SHA1
    SHA256 SHA384 SHA512 COALESCE IF STRLANG STRDT SAMETERM ISIRI ISURI ISBLANK ISLITERAL ISNUMERIC REGEX SUBSTR REPLACE
    COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT TRIPLE SUBJECT PREDICATE OBJECT ISTRIPLE LANGDIR HASLANG HASLANGDIR
    STRLANGDIR ADJUST"""
KEYWORDS: Final = frozenset(_KEYWORD_TEXT.split())
_POSITION: Final = re.compile(r"error at (\d+):(\d+): (.*)", re.DOTALL)
_ITEM: Final = re.compile(r"""\s*("(?:[^"\\]|\\.)*"|\[(?:'(?:[^'\\]|\\.)*'|[^\]'])*\]|[^,]+)\s*,?""")
_CLOSED: Final = {
    "'": re.compile(r"'(?:[^'\\\n\r]|\\.)*'"),
    '"': re.compile(r'"(?:[^"\\\n\r]|\\.)*"'),
    "'''": re.compile(r"'''(?:[^'\\]|\\.|'(?!''))*'''"),
    '"""': re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""'),
}
_PAIRS: Final = {"{": "}", "(": ")"}
_OPEN_IRI: Final = re.compile(r"<[A-Za-z][^\s<>\"{}|^`\\]*(?:\s|\Z)")
_WINDOW: Final = 60  # characters of a long line shown each side of the column
PREFIX_LIST: Final = "the Service Description (GET /sparql) and /api/prefixes list the predeclared prefixes"


@dataclass(frozen=True)
class Diagnosis:
    """A malformed query explained: what is wrong, where (1-based line and column, None if unknown), what to do,
    and the query's line with a caret under the column."""

    message: str
    line: int | None = None
    column: int | None = None
    hint: str = ""
    excerpt: str = ""

    def parts(self) -> list[tuple[str, str]]:
        """The explanation's paragraphs, each with its kind (``message``, ``excerpt``, ``hint``): the plain text
        and the editor's page are made of the same ones."""
        where = f" at line {self.line}, column {self.column}" if self.line is not None else ""
        found = [("message", f"Malformed query{where}: {self.message}"), ("excerpt", self.excerpt)]
        return [(kind, text) for kind, text in [*found, ("hint", f"Hint: {self.hint}" if self.hint else "")] if text]

    def as_text(self) -> str:
        """The explanation for a person at a terminal (curl): message, excerpt with caret, hint."""
        return "\n\n".join(text for _, text in self.parts()) + "\n"

    def as_json(self) -> dict[str, Any]:
        """The explanation for a program: ``message`` (a sentence), ``line``, ``column``, ``hint``, ``excerpt``."""
        return {
            "error": "malformed query",
            "message": _sentence(self.message[:1].upper() + self.message[1:]),
            "line": self.line,
            "column": self.column,
            "hint": self.hint,
            "excerpt": self.excerpt,
        }


class MalformedQuery(StoreError):
    """A query that does not parse, explained (``Diagnosis``); 400."""

    def __init__(self, diagnosis: Diagnosis) -> None:
        super().__init__(diagnosis)
        self.diagnosis = diagnosis

    def __str__(self) -> str:
        return self.diagnosis.as_text()


# --- positions and excerpts -------------------------------------------------------------------------------------


def offset_of(text: str, line: int, column: int) -> int:
    """The character offset of a 1-based line and column, clamped to the text.

    >>> offset_of("ab\\ncd", 2, 2), offset_of("ab", 9, 1)
    (4, 2)
    """
    starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]
    if line > len(starts):
        return len(text)
    return min(starts[line - 1] + column - 1, len(text))


def position_of(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of a character offset.

    >>> position_of("ab\\ncd", 4)
    (2, 2)
    """
    before = text[:offset]
    line_start = max(before.rfind("\n"), before.rfind("\r")) + 1
    return len(re.findall(r"\r\n|\r|\n", before)) + 1, offset - line_start + 1


def excerpt(text: str, line: int, column: int) -> str:
    """Line ``line`` of ``text`` with its number and a caret under ``column`` (a long line is cut around it).

    >>> print(excerpt("SELECT *\\nWHERE { ?s mgi:p ?o }", 2, 12))
      2 | WHERE { ?s mgi:p ?o }
        |            ^
    """
    lines = re.split(r"\r\n|\r|\n", text)
    shown = lines[line - 1] if line <= len(lines) else ""
    start = max(0, column - 1 - _WINDOW)
    end = column - 1 + _WINDOW
    before, cut = ("…", shown[start:end]) if start else ("", shown[:end])
    after = "…" if len(shown) > end else ""
    pad = "".join(c if c == "\t" else " " for c in shown[start : column - 1])
    gutter = f"{line:>3} | "
    return f"{gutter}{before}{cut}{after}\n{' ' * (len(gutter) - 2)}| {' ' * len(before)}{pad}^"


# --- what the parser expected -----------------------------------------------------------------------------------


def expected_items(rest: str) -> tuple[list[str], list[str]]:
    """The readable part of pyoxigraph's "expected one of …": quoted tokens (unquoted) and keywords, and its notes
    (``Prefix not found``); character ranges and ``[_]`` (any character) are dropped.

    >>> expected_items('expected one of ",", "}", Prefix not found, [\\'%\\'], [_], HAVING')
    (['","', '"}"', 'HAVING'], ['Prefix not found'])
    """
    listed = re.sub(r"^expected (one of )?", "", rest.strip())
    readable, notes = [], []
    for match in _ITEM.finditer(listed):
        item = match.group(1).strip()
        if not item or item.startswith("["):
            continue
        if item.startswith('"'):
            readable.append('"' + re.sub(r"\\(.)", r"\1", item[1:-1]) + '"')
        elif re.fullmatch(r"\w+", item):
            readable.append(item)
        else:
            notes.append(item)
    return readable, notes


# --- the causes ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cause:
    message: str
    hint: str
    offset: int | None = None  # where to point; None keeps the parser's position


def _declared(significant: Sequence[Token]) -> dict[str, str]:
    """The prefixes the query declares (``PREFIX name: <iri>``)."""
    found = {}
    for i, token in enumerate(significant[:-2]):
        name, iri = significant[i + 1], significant[i + 2]
        if token.kind == "word" and token.text.upper() == "PREFIX" and name.kind == "pname" and iri.kind == "iri":
            found[name.text[:-1]] = iri.text[1:-1]
    return found


def _unclosed_string(significant: Sequence[Token], offset: int) -> _Cause | None:
    for token in significant:
        if token.start > offset:
            break
        quote = token.text[:3] if token.text[:3] in ('"""', "'''") else token.text[:1]
        if token.kind == "string" and not _CLOSED[quote].fullmatch(token.text):
            where = ' on the same line (a string over several lines is written """…""")' if len(quote) == 1 else ""
            return _Cause("this string is never closed", f"End it with {quote}{where}.", token.start)
    return None


def _unclosed_iri(significant: Sequence[Token], offset: int, text: str) -> _Cause | None:
    """A ``<`` starting an IRI (a name character follows it) that no ``>`` ends before a space."""
    for token in significant:
        if token.start > offset:
            break
        if token.kind == "other" and token.text == "<" and _OPEN_IRI.match(text, token.start):
            return _Cause("this IRI is never closed", "End it with > (an IRI holds no spaces).", token.start)
    return None


def _undeclared_prefix(significant: Sequence[Token], offset: int, known: Mapping[str, str], text: str) -> _Cause | None:
    found = [
        t for t in significant
        if t.kind == "pname" and t.start <= offset and t.text.partition(":")[0] not in known
        and not text[: t.start].endswith("<")
    ]  # fmt: skip
    if not found:
        return None
    token = found[-1]
    name = token.text.partition(":")[0]
    guesses = get_close_matches(name, list(prefixes.PREFIXES), n=1, cutoff=0.5)
    declare = f"declare it with PREFIX {name}: <namespace IRI>"
    if guesses:
        guess = guesses[0]
        hint = f"Did you mean {guess}: <{known[guess]}>? Otherwise {declare}; {PREFIX_LIST}."
    else:
        hint = f"{declare[0].upper()}{declare[1:]}; {PREFIX_LIST}."
    return _Cause(f"the prefix {name}: is not declared (nor predeclared)", hint, token.start)


def _unknown_keyword(significant: Sequence[Token], offset: int, text: str) -> _Cause | None:
    for token in significant:
        if token.start > offset:
            break
        if token.kind != "word" or token.text.upper() in KEYWORDS:
            continue
        if token.start and (text[token.start - 1].isdigit() or text[token.start - 1] == "."):
            continue  # the exponent of a number (1e10)
        guesses = get_close_matches(token.text.upper(), KEYWORDS, n=1, cutoff=0.75)
        hint = (
            f"Did you mean {guesses[0]}?"
            if guesses
            else f"A name is a variable (?{token.text}), a prefixed name (mig:{token.text}) or an IRI (<…>)."
        )
        return _Cause(f"{token.text} is not a SPARQL keyword", hint, token.start)
    return None


def _unbalanced(significant: Sequence[Token], expected: Sequence[str], text: str) -> _Cause | None:
    """A ``{`` or ``(`` never closed (when the parser could have read its closing one), or a closing one too many."""
    opened: list[Token] = []
    for token in significant:
        if token.kind != "other":
            continue
        if token.text in _PAIRS:
            opened.append(token)
        elif token.text in _PAIRS.values():
            if not opened:
                hint = "Remove it, or open the group it closes."
                return _Cause(f"this {token.text} closes nothing", hint, token.start)
            if _PAIRS[opened[-1].text] != token.text:
                line, column = position_of(text, opened[-1].start)
                closing = _PAIRS[opened[-1].text]
                hint = f"The {opened[-1].text} at line {line}, column {column} is not closed before this {token.text}."
                return _Cause(f"a {closing} is missing", hint, token.start)
            opened.pop()
    for token in reversed(opened):
        closing = _PAIRS[token.text]
        if f'"{closing}"' in expected:
            line, column = position_of(text, token.start)
            hint = f"The {token.text} at line {line}, column {column} is never closed: add {closing} where it ends."
            return _Cause(f"a {closing} is missing", hint)
    return None


def _found(significant: Sequence[Token], offset: int, expected: Sequence[str]) -> _Cause:
    """What the parser met, and what it could have read there."""
    here = next((t for t in significant if t.end > offset), None)
    message = f"unexpected {here.text[:40]!r}" if here is not None else "the query cannot be read past this point"
    hint = f"Expected one of: {', '.join(expected[:15])}{' …' if len(expected) > 15 else ''}." if expected else ""
    return _Cause(message, hint)


# --- terms of the ontology ----------------------------------------------------------------------------------------


def unknown_terms(sparql: str, vocabulary: Vocabulary, base: str = prefixes.BASE) -> list[str]:
    """One sentence per ``mig:`` term the query names that the ontology does not have, with the nearest terms.

    A term is ``prefix:local`` with a prefix bound (by the query, else predeclared) to our ontology's namespace, or
    the full IRI; an empty vocabulary (not read yet) finds none.

    >>> from server.vocabulary import Term
    >>> words = Vocabulary({"heldIn": Term("heldIn", prefixes.MIG + "heldIn", "property")})
    >>> query = "SELECT * { ?s mig:heldin ?o ; mig:heldIn ?p ; <https://w3id.org/migkg/def#helIn> ?q }"
    >>> print(*unknown_terms(query, words), sep="\\n")
    mig:heldin is not a term of the ontology; did you mean mig:heldIn?
    mig:helIn is not a term of the ontology; did you mean mig:heldIn?
    """
    if not vocabulary.terms or not mentions_ours(sparql, base):
        return []
    significant = [t for t in tokens(sparql) if t.kind not in ("space", "comment")]
    spaces = {**prefixes.namespaces(base), **_declared(significant)}
    ours = prefixes.namespaces(base)["mig"]
    found: list[str] = []
    for token in significant:
        if token.kind == "pname":
            name, _, local = token.text.partition(":")
            iri = spaces.get(name, "") + local if name in spaces else ""
        else:
            iri = token.text[1:-1] if token.kind == "iri" else ""
        local = iri[len(ours) :] if iri.startswith(ours) else ""
        if local and local not in vocabulary and f"mig:{local}" not in found:
            found.append(f"mig:{local}")
    return [_suggest(term, vocabulary) for term in found]


def mentions_ours(sparql: str, base: str = prefixes.BASE) -> bool:
    """A cheap first look: a query without ``mig:`` or our ontology's namespace names none of its terms.

    >>> mentions_ours("ASK { ?s a <https://w3id.org/migkg/def#Event> }"), mentions_ours("ASK {}")
    (True, False)
    """
    return "mig:" in sparql or prefixes.namespaces(base)["mig"] in sparql


def _sentence(text: str) -> str:
    return text if text.endswith(("?", ".")) else text + "."


def _suggest(term: str, vocabulary: Vocabulary) -> str:
    nearest = vocabulary.nearest(term[len("mig:") :])
    if not nearest:
        return f"{term} is not a term of the ontology (its terms are listed at /def)"
    return f"{term} is not a term of the ontology; did you mean {' or '.join(f'mig:{n}' for n in nearest)}?"


# --- the explanation ----------------------------------------------------------------------------------------------


_READ_PAST: Final = 200  # characters after the parser's error position that an explanation reads


def explain(sparql: str, parser_message: str, vocabulary: Vocabulary, base: str = prefixes.BASE) -> Diagnosis:
    """``parser_message`` (pyoxigraph's ``SyntaxError``) explained against ``sparql``, the client's text.

    >>> print(explain("SELECT * WHERE { ?s mgi:heldIn ?o }", "error at 1:31: expected one of Prefix not found, [_]",
    ...               Vocabulary({})).as_text(), end="")  # doctest: +ELLIPSIS
    Malformed query at line 1, column 21: the prefix mgi: is not declared (nor predeclared)
    <BLANKLINE>
      1 | SELECT * WHERE { ?s mgi:heldIn ?o }
        |                     ^
    <BLANKLINE>
    Hint: Did you mean mig: <https://w3id.org/migkg/def#>? Otherwise declare it with PREFIX mgi: <namespace IRI>; ...
    """
    parsed = _POSITION.match(parser_message)
    warnings = unknown_terms(sparql, vocabulary, base)
    if parsed is None:
        return Diagnosis(parser_message.strip(), hint="; ".join(warnings))
    line, column, rest = int(parsed.group(1)), int(parsed.group(2)), parsed.group(3)
    offset = min(offset_of(sparql, line, column), len(sparql.rstrip()))
    expected, notes = expected_items(rest)
    # The parser stopped at ``offset``: what follows cannot be the cause, and a long tail (50,000 × "a-") would only
    # make the explanation slow. Read up to a little past it.
    significant = [t for t in tokens(sparql[: offset + _READ_PAST]) if t.kind not in ("space", "comment")]
    known = {**prefixes.namespaces(base), **_declared(significant)}
    cause = (
        _unclosed_string(significant, offset)
        or _unclosed_iri(significant, offset, sparql)
        or _undeclared_prefix(significant, offset, known, sparql)
        or _unknown_keyword(significant, offset, sparql)
        or _unbalanced(significant, expected, sparql)
        or next((_Cause(note[0].lower() + note[1:], "") for note in notes), None)
        or _found(significant, offset, expected)
    )
    where = cause.offset if cause.offset is not None else offset
    line, column = position_of(sparql, where)
    hint = " ".join(part for part in (cause.hint, *(f"Also: {_sentence(w)}" for w in warnings)) if part)
    return Diagnosis(cause.message, line, column, hint, excerpt(sparql, line, column))


def warning_header(warnings: Sequence[str]) -> str:
    """The ``Warning`` header value for ``warnings`` (RFC 7234 §5.5 code 299, "miscellaneous persistent warning"):
    quoted strings, ASCII only (other characters as ``\\u`` escapes), comma-separated.

    >>> print(warning_header(['mig:heldin: did you mean "mig:heldIn"?', "mig:año"]))
    299 - "mig:heldin: did you mean \\"mig:heldIn\\"?", 299 - "mig:a\\\\xf1o"
    """

    def quoted(text: str) -> str:
        ascii_text = text.encode("ascii", "backslashreplace").decode("ascii")
        return '"' + ascii_text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    return ", ".join(f"299 - {quoted(' '.join(w.split()))}" for w in warnings)
