"""The SPARQL of the views that keep their queries in files: ``views/queries/<name>.rq``, found by name. A file
holds no PREFIX lines (``server.prefixes`` is the only place namespaces are typed: the header is added here) and
names the entity it is about ``?focus``; ``bound`` puts the entity's IRI in its place (a trailing ``VALUES`` would
join only after the grouping of an aggregate query). As it is, a file runs in the query editor over every entity.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from server import prefixes
from server.web.labels import iri_ref

FOLDER = Path(__file__).parent / "queries"
_FOCUS = re.compile(r"\?focus\b")


@functools.cache
def text(name: str) -> str:
    """The query ``name`` with the PREFIX lines of every known prefix."""
    return prefixes.sparql_header() + (FOLDER / f"{name}.rq").read_text(encoding="utf-8")


def bound(name: str, focus: str) -> str:
    """The query ``name`` about one entity: ``?focus`` replaced by its IRI (refuses a non-IRI).

    >>> "?focus" in bound("document-items", "https://w3id.org/migkg/id/commitment/x")
    False
    >>> "mig:itemOf <https://w3id.org/migkg/id/commitment/x>" in bound("document-items", "https://w3id.org/migkg/id/commitment/x")
    True
    """
    ref = iri_ref(focus)
    return _FOCUS.sub(lambda _: ref, text(name))
