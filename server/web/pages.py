"""Server-rendered HTML (Jinja2, autoescaped): pages work without JavaScript."""

from __future__ import annotations

import functools

import jinja2
from fastapi.responses import HTMLResponse

from server.web.describe import LABEL_LANGUAGES, EntityView
from server.web.state import Service


@functools.cache
def environment() -> jinja2.Environment:
    """Created on first use, not at import time."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("server.web", "templates"),
        autoescape=jinja2.select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local"] = local_path
    return env


def local_path(iri: str, base: str) -> str:
    """Our own IRIs link to their page on this server: ``/id/x`` → ``/doc/x``, ``def#term`` → ``/def#term``;
    others stay as they are. ``base`` is the configured base IRI (settings), never assumed.

    >>> base = "https://w3id.org/migkg/"
    >>> local_path(base + "id/event/fibemyd-2008", base), local_path(base + "def#heldIn", base)
    ('/doc/event/fibemyd-2008', '/def#heldIn')
    >>> local_path("http://www.wikidata.org/entity/Q82151", base)
    'http://www.wikidata.org/entity/Q82151'
    """
    if iri.startswith(base + "id/"):
        return "/doc/" + iri[len(base) + 3 :]
    if iri.startswith(base + "def#"):
        return "/def#" + iri[len(base) + 4 :]
    return iri


def render_entity(view: EntityView, service: Service, doc_url: str, incoming: str | None, page: int) -> str:
    return (
        environment()
        .get_template("entity.html")
        .render(
            view=view,
            release=service.release_id,
            doc_url=doc_url,
            languages=LABEL_LANGUAGES,
            incoming_prop=incoming,
            page=page,
            page_size=20,
            base=service.settings.base_iri,
        )
    )


def not_found(key: str, service: Service) -> HTMLResponse:
    body = environment().get_template("not_found.html").render(key=key, release=service.release_id)
    return HTMLResponse(body, status_code=404)
