"""What the document reader shows (``/source/<key>``): a source's text cut into pieces, each marked with the
quoted passages covering it, and the facts each passage states; and the list of sources (``/source``).

Passages may overlap, so the text is cut at every passage boundary and each piece marked with the passages
covering it. The text's inline markup is shown as the source prints it (``source_html``): markdown-it-py renders
``**bold**``, ``*italic*``, escapes and autolinks, keeps the source's own ``<i>``-like tags and escapes any other
HTML; line breaks and spaces stay as they are.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from markupsafe import Markup, escape

from server import prefixes
from server.web.deps import Queries, Row
from server.web.labels import EXTERNAL_LABELS, best_labels, iri_ref, local_name
from server.web.rendering import local_path

_HEAD = prefixes.sparql_header(("rdfs", "mig", "oa", "graph"))
SOURCES_QUERY = (
    _HEAD
    + """SELECT ?source ?label ?file (COUNT(DISTINCT ?g) AS ?excerpts) WHERE {
  ?source a mig:SourceDocument ; rdfs:label ?label ; mig:fileName ?file .
  OPTIONAL { GRAPH graph:provenance { ?g oa:hasSource ?source } } } GROUP BY ?source ?label ?file ORDER BY ?label"""
)


def passages_query(source: str) -> str:
    return _HEAD + (
        "SELECT ?g ?start ?end ?s ?p ?o WHERE { GRAPH graph:provenance { "
        f"?g oa:hasSource {iri_ref(source)} ; oa:hasSelector [ oa:start ?start ; oa:end ?end ] }} "
        "OPTIONAL { GRAPH ?g { ?s ?p ?o } } }"  # a passage described only as others' context states no fact
    )


@dataclass(frozen=True)
class Span:
    name: str
    start: int
    end: int


@dataclass(frozen=True)
class Segment:
    text: str
    covering: tuple[str, ...]  # passages whose quote includes this piece
    opening: tuple[str, ...]  # passages that begin here


def segments(text: str, spans: Sequence[Span]) -> list[Segment]:
    """``text`` cut at every span boundary; each piece knows the spans covering it and those starting at it.

    >>> for piece in segments("The Forum was held in Cuenca.", [Span("a", 0, 15), Span("b", 4, 28)]):
    ...     print(repr(piece.text), piece.covering, piece.opening)
    'The ' ('a',) ('a',)
    'Forum was h' ('a', 'b') ('b',)
    'eld in Cuenca' ('b',) ()
    '.' () ()
    """
    cuts = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    pieces = []
    for a, b in itertools.pairwise(cuts):
        covering = tuple(s.name for s in spans if s.start <= a and s.end >= b)
        opening = tuple(s.name for s in spans if s.start == a)
        pieces.append(Segment(text[a:b], covering, opening))
    return pieces


# One private-use character (Supplementary Private Use Area-A) marks where each piece begins while the text is
# rendered: markdown-it carries it through as text, and the marks are then put around the text between two of them.
_PIECE = 0xF0000
_PIECE_CHAR = re.compile("([\U000f0000-\U000ffffd])")
_TAG = re.compile(r"(<[^>]*>)")
_BLANK_LINES = re.compile(r"(\n[ \t]*\n)")
_KEPT_TAGS = re.compile(r"</?(?:i|em|b|strong|sup|sub)>")  # the sources' own inline tags, without attributes


@cache
def _markdown() -> MarkdownIt:
    """Inline markdown only (no headings or lists: the source's lines stay lines); newlines are left as text."""
    md = MarkdownIt("commonmark", {"html": True})
    md.disable("newline")  # a line break and the spaces around it stay as the source has them
    md.add_render_rule(
        "html_inline",
        lambda renderer, tokens, idx, options, env: (
            tokens[idx].content if tokens[idx].meta.get("kept") else escapeHtml(tokens[idx].content)
        ),
    )
    return md


def _keep_paired_tags(tokens: Sequence[Token]) -> None:
    """Mark the source's own inline tags (``<i>…</i>``) that open and close in order as kept; any other HTML is
    escaped when rendered."""
    open_tags: list[Token] = []
    for token in tokens:
        if token.type != "html_inline" or not _KEPT_TAGS.fullmatch(token.content):
            continue
        if not token.content.startswith("</"):
            open_tags.append(token)
        elif open_tags and open_tags[-1].content == token.content.replace("/", "", 1):
            open_tags.pop().meta["kept"] = token.meta["kept"] = True


def _render_inline(text: str) -> str:
    md = _markdown()
    tokens = md.parseInline(text)
    for token in tokens:
        _keep_paired_tags(token.children or [])
    return md.renderer.render(tokens, md.options, {})


def _marked(run: str, piece: Segment, current: str, in_link: bool) -> str:
    """One run of rendered (escaped) text inside ``piece``, with the marks of the passages covering it."""
    if not piece.covering:
        return run
    names = " ".join(piece.covering)
    state = ' current" aria-current="true' if current in piece.covering else ""
    if in_link:  # inside a link the source prints: marked, but no link inside a link
        return f'<mark class="passage{state}" data-passages="{escape(names)}">{run}</mark>'
    title = escape(", ".join(piece.covering))
    return (
        f'<a class="passage{state}" href="#facts-{escape(piece.covering[-1])}" title="{title}"'
        f' data-passages="{escape(names)}"><mark>{run}</mark></a>'
    )


def _anchors(piece: Segment) -> str:
    return "".join(f'<span id="excerpt-{escape(name)}" class="anchor"></span>' for name in piece.opening)


def _with_piece_marks(text: str, lengths: Sequence[int]) -> str:
    """``text`` with a mark where each piece begins. A mark right after an emphasis delimiter (``development.**``)
    moves past the spaces that follow, which would otherwise stop the delimiter closing.

    >>> marked = _with_piece_marks("**done.** Next", [9, 5])
    >>> marked.replace(chr(_PIECE), "|").replace(chr(_PIECE + 1), "|")
    '|**done.** |Next'
    """
    starts = list(itertools.accumulate(lengths, initial=0))[:-1]
    moved: list[int] = []
    for start in starts:
        while 0 < start < len(text) and text[start - 1] in "*_" and text[start].isspace():
            start += 1
        moved.append(max(start, moved[-1]) if moved else start)
    ends = [*moved[1:], len(text)]
    return "".join(chr(_PIECE + i) + text[a:b] for i, (a, b) in enumerate(zip(moved, ends, strict=True)))


def source_html(pieces: Sequence[Segment], current: str = "") -> Markup:
    """The text of ``pieces`` with its inline markup rendered and every piece marked with the passages covering it
    (``current``, the passage the reader came for, marked apart); each passage's anchor where it opens.

    >>> text = "Held in **Cuenca** <b onclick=x>on</b> 10 <i>April</i>."
    >>> shown = source_html(segments(text, [Span("a", 8, 18), Span("b", 39, 54)]), current="b")
    >>> "<strong>" in shown, "**" in shown, "&lt;b onclick=x&gt;on&lt;/b&gt;" in shown, "<i>" in shown
    (True, False, True, True)
    >>> re.findall(r'class="(passage[^"]*)"[^>]*><mark>([^<]*)', shown)
    [('passage', 'Cuenca'), ('passage', ' '), ('passage current', '10 '), ('passage current', 'April')]
    """
    source = _with_piece_marks("".join(piece.text for piece in pieces), [len(piece.text) for piece in pieces])
    rendered = "".join(
        part if _BLANK_LINES.fullmatch(part) else _render_inline(part) for part in _BLANK_LINES.split(source)
    )
    out: list[str] = []
    index, in_link = 0, False
    for part in _TAG.split(rendered):
        if part.startswith("<"):  # a piece beginning inside a tag (a link's address) begins after it
            starts = [ord(c) - _PIECE for c in _PIECE_CHAR.findall(part)]
            out.append(_PIECE_CHAR.sub("", part))
            in_link = part.startswith("<a ") or (in_link and part != "</a>")
            for index in starts:
                out.append(_anchors(pieces[index]))
            continue
        for run in _PIECE_CHAR.split(part):
            if _PIECE_CHAR.fullmatch(run):
                index = ord(run) - _PIECE
                out.append(_anchors(pieces[index]))
            elif run:
                out.append(_marked(run, pieces[index], current, in_link))
    return Markup("".join(out))


def shown(binding: Mapping[str, str], labels: Mapping[str, tuple[str, str]], base: str) -> dict[str, str]:
    """A term as the reader lists it: its label (or value) and, for our entities, the link to its page."""
    if binding["type"] != "uri":
        return {"text": binding["value"], "href": ""}
    label = labels.get(binding["value"], ("", ""))[0]
    fallback = EXTERNAL_LABELS.get(binding["value"], local_name(binding["value"]))
    return {"text": label or fallback, "href": local_path(binding["value"], base)}


async def sources(queries: Queries) -> list[dict[str, str]]:
    """The source documents: key, title and how many passages are quoted from each."""
    return [
        {"key": r["source"]["value"].rsplit("/", 1)[-1], "label": r["label"]["value"],
         "excerpts": r["excerpts"]["value"]}
        for r in await queries.rows(SOURCES_QUERY)
    ]  # fmt: skip


async def reading(queries: Queries, key: str, languages: Sequence[str], current: str = "") -> dict[str, Any] | None:
    """What the reader shows of source ``key``, or None when there is no such source (or no text of it); ``current``
    names the passage the reader came for."""
    service, base = queries.service, queries.service.base_iri
    source = f"{base}id/source/{key}"
    found = [r for r in await queries.rows(SOURCES_QUERY) if r["source"]["value"] == source]
    text = service.release.source_text(found[0]["file"]["value"]) if found and service.release else None
    if text is None:
        return None
    passage_rows = await queries.rows(passages_query(source))
    iris = {r[v]["value"] for r in passage_rows for v in ("s", "p", "o") if v in r and r[v]["type"] == "uri"}
    labels = await best_labels(queries, iris, languages)
    shown = passages(text, passage_rows, labels, base)
    return {"title": found[0]["label"]["value"], "key": key, "current": current,
            "source_html": source_html(shown["segments"], current), **shown}  # fmt: skip


def passages(text: str, passage_rows: Sequence[Row], labels: Mapping[str, tuple[str, str]], base: str
             ) -> dict[str, Any]:  # fmt: skip
    """The text's segments, its passages in reading order, and each passage's facts (subject, property, object)."""

    def name(excerpt: str) -> str:
        return prefixes.compact(excerpt, base, within="excerpt")

    spans = {Span(name(r["g"]["value"]), int(r["start"]["value"]), int(r["end"]["value"])) for r in passage_rows}
    facts: dict[str, list[tuple[dict[str, str], ...]]] = defaultdict(list)
    for r in passage_rows:
        if "s" in r:
            facts[name(r["g"]["value"])].append(tuple(shown(r[v], labels, base) for v in ("s", "p", "o")))
    ordered = sorted(spans, key=lambda s: (s.start, s.end))
    return {"segments": segments(text, ordered), "passages": ordered, "facts": facts}
