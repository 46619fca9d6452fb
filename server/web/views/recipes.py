"""The client recipes (``/recipes``, "Use it from your tools"): the files of ``server/web/recipes/``, found by
convention — ``<n>-<tool>.<ext>``, shown in the order of ``n``; the first comment line is the title, the second how
to run it — each written against ``PLACEHOLDER`` (the server ``make run`` starts), which the page replaces with the
URL the reader used. tests/recipes runs every runnable one against a real server and checks its answer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

RECIPES = Path(__file__).resolve().parents[1] / "recipes"
PLACEHOLDER = "http://127.0.0.1:8000"
LANGUAGES = {"sh": "shell", "py": "Python", "mjs": "JavaScript", "R": "R", "rq": "SPARQL"}
_COMMENT = ("#", "//")


@dataclass(frozen=True)
class Recipe:
    name: str  # the file's name: 2-sparqlwrapper.py
    title: str
    language: str
    text: str


def files(folder: Path = RECIPES) -> list[Path]:
    """The recipe files, in the order of their number."""
    found = [p for p in folder.iterdir() if p.is_file() and p.name.split("-", 1)[0].isdigit()]
    return sorted(found, key=lambda p: int(p.name.split("-", 1)[0]))


def title(text: str) -> str:
    """The first comment line, without its comment mark.

    >>> title("// Comunica (Node.js): the endpoint as a source\\nimport x")
    'Comunica (Node.js): the endpoint as a source'
    """
    first = text.splitlines()[0] if text else ""
    for mark in _COMMENT:
        if first.startswith(mark):
            return first[len(mark) :].strip()
    return first.strip()


def with_base(text: str, base_url: str) -> str:
    """``text`` with the placeholder server replaced by ``base_url`` (``http://host:port``, no trailing slash).

    >>> with_base("curl http://127.0.0.1:8000/sparql", "https://example.org/migkg")
    'curl https://example.org/migkg/sparql'
    """
    return text.replace(PLACEHOLDER, base_url.rstrip("/"))


def read(base_url: str, folder: Path = RECIPES) -> list[Recipe]:
    """Every recipe, written for the server at ``base_url``."""
    recipes = []
    for path in files(folder):
        text = path.read_text(encoding="utf-8")
        language = LANGUAGES.get(path.suffix.lstrip("."), path.suffix.lstrip("."))
        recipes.append(Recipe(path.name, title(text), language, with_base(text, base_url)))
    return recipes
