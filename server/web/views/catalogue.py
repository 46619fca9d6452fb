"""The query catalogue: every ``queries/<name>.rq``, with the ``# title:`` and ``# description:`` lines it starts with.

Read from the repository at request time (a few small files), so a query dropped into ``queries/`` is listed
without a restart. Files are read as they are; a file without a title is listed under its name.

The catalogue is searched by words (``/query?find=…``): an entry matches when every word occurs in its title, its
description or the names and labels of the ontology classes its query uses (``classes_used``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from server import prefixes
from server.vocabulary import Vocabulary

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class CatalogueQuery:
    name: str  # the file's stem: ``01-san-salvador-workshop-organisers``
    title: str
    description: str
    query: str

    @property
    def link(self) -> str:
        """The query page that loads this query into the form and runs it."""
        return "/query?name=" + quote(self.name, safe="")

    def as_json(self) -> dict[str, str]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "query": self.query,
            "link": self.link,
        }


@dataclass(frozen=True)
class Listed:
    """A catalogue entry as the page lists it: the entry, the classes its query uses (label or local name, in order
    of first use) and the lower-case text a search looks in."""

    entry: CatalogueQuery
    classes: tuple[str, ...]

    @property
    def searched(self) -> str:
        return " ".join((self.entry.title, self.entry.description, self.entry.name, *self.classes)).casefold()

    def matches(self, words: Sequence[str]) -> bool:
        """Whether every word occurs in the entry's searched text (no words: every entry matches)."""
        return all(word in self.searched for word in words)


def words(find: str) -> list[str]:
    """A search's words, lower-cased.

    >>> words("  Good PRACTICE ")
    ['good', 'practice']
    """
    return find.casefold().split()


def classes_used(query: str, vocabulary: Vocabulary) -> tuple[str, ...]:
    """The ontology classes a query names (``mig:Practice``, a full IRI, or any prefix the query binds to ``mig:``),
    each by its label and local name, in order of first use.

    >>> from server.vocabulary import Term
    >>> terms = Vocabulary({"Practice": Term("Practice", prefixes.MIG + "Practice", "class", "good practice"),
    ...                     "heldIn": Term("heldIn", prefixes.MIG + "heldIn", "property", "held in")})
    >>> classes_used("PREFIX m: <" + prefixes.MIG + "> SELECT * { ?p a m:Practice ; mig:heldIn ?x }", terms)
    ('good practice (Practice)',)
    """
    names = {"mig", *re.findall(rf"PREFIX\s+([A-Za-z][\w.-]*)?:\s*<{re.escape(prefixes.MIG)}>", query, re.IGNORECASE)}
    alternatives = "|".join(re.escape(name) for name in sorted(names))
    found = re.findall(rf"(?<![\w.-])(?:{alternatives}):(\w+)|<{re.escape(prefixes.MIG)}(\w+)>", query)
    used = dict.fromkeys(short or full for short, full in found)
    chosen = [vocabulary.terms[name] for name in used if name in vocabulary.terms]
    return tuple(f"{t.label} ({t.name})" if t.label else t.name for t in chosen if t.kind == "class")


def listed(entries: Iterable[CatalogueQuery], vocabulary: Vocabulary) -> list[Listed]:
    return [Listed(entry, classes_used(entry.query, vocabulary)) for entry in entries]


def header(text: str, field: str) -> str:
    """The value of a ``# field: value`` line (the first one), or ``""``."""
    found = re.search(rf"^#\s*{field}:\s*(.+?)\s*$", text, re.MULTILINE)
    return found.group(1) if found else ""


def parse(name: str, text: str) -> CatalogueQuery:
    return CatalogueQuery(name, header(text, "title") or name, header(text, "description"), text)


def read(folder: Path) -> list[CatalogueQuery]:
    """Every ``*.rq`` in ``folder``, by file name; none when the folder is missing."""
    if not folder.is_dir():
        return []
    return [parse(path.stem, path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.rq"))]


def find(folder: Path, name: str) -> CatalogueQuery | None:
    """The query called ``name`` (a file stem, never a path), or None."""
    if not _NAME.match(name):
        return None
    path = folder / f"{name}.rq"
    if not path.is_file():
        return None
    return parse(name, path.read_text(encoding="utf-8"))
