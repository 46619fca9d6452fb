"""What some kinds of entity show on their page besides their statements (templates/entity_views.html): a
commitment document its items in printed order (``views.document``), a topic its place in the scheme and what
addresses it (``views.topic``), an agent or a country whom it worked with, on what (``views.relations``). What these
show is left out of the statements (``trim``), so no list is shown twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from server.web.deps import Queries
from server.web.views import document, relations, topic
from server.web.views.entity import EntityView


async def extras(queries: Queries, view: EntityView, languages: Sequence[str]) -> dict[str, Any]:
    """The template variables of the views that fit ``view``'s types (none for other kinds)."""
    found: dict[str, Any] = {}
    if document.is_document(view):
        items = await document.load(queries, view.iri, languages)
        if items is not None:
            document.trim(view, items)
            found["document"] = items
    if topic.is_topic(view):
        found["topic"] = await topic.load(queries, view.iri, languages)
        topic.trim(view)
    if relations.is_agent(view):
        found["relations"] = await relations.load(queries, view.iri, languages)
    return found
