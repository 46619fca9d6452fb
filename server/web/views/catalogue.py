"""The query catalogue: every ``queries/<name>.rq``, with the ``# title:`` and ``# description:`` lines it starts with.

Read from the repository at request time (a few small files), so a query dropped into ``queries/`` is listed
without a restart. Files are read as they are; a file without a title is listed under its name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

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
