"""Server-rendered HTML (Jinja2, autoescaped): pages work without JavaScript. Every page shows the release it
comes from; links to our own IRIs go to their page on this server."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
from fastapi.responses import HTMLResponse

from server.web import i18n
from server.web.deps import Service

STATIC = Path(__file__).parent / "static"
VARY_LANGUAGE = {"Vary": "Accept-Language"}  # pages whose labels follow Accept-Language


JINJA_OPTIONS: dict[str, Any] = {"trim_blocks": True, "lstrip_blocks": True, "extensions": ["jinja2.ext.i18n"]}


@functools.cache
def environment(language: str = i18n.DEFAULT) -> jinja2.Environment:
    """One per interface language, created on first use, not at import time: the templates' messages in it."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("server.web", "templates"),
        autoescape=jinja2.select_autoescape(default=True),
        **JINJA_OPTIONS,
    )
    env.policies["ext.i18n.trimmed"] = True  # a message's line breaks and indentation are not part of it
    env.install_gettext_translations(i18n.translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.filters["local"] = local_path
    env.filters["date_text"] = functools.partial(i18n.date_text, language=language)
    env.globals["ui_lang"] = language
    return env


def local_path(iri: str, base: str) -> str:
    """Where a link to ``iri`` goes: our own IRIs to their page on this server (``/id/x`` → ``/doc/x``,
    ``def#term`` → ``/def#term``, a quoted passage ``excerpt/x`` → ``/passage/x``, a partner agency ``partner/a``
    → ``/partners/a``); other http(s) IRIs stay as
    they are; any other IRI (``javascript:``, ``data:``, ``urn:``…, which partners may write) gives "": pages show
    it as text, never as a link. ``base`` is the configured base IRI (settings), never assumed.

    >>> base = "https://w3id.org/migkg/"
    >>> local_path(base + "id/event/fibemyd-2008", base), local_path(base + "def#heldIn", base)
    ('/doc/event/fibemyd-2008', '/def#heldIn')
    >>> local_path("http://www.wikidata.org/entity/Q82151", base), local_path(base + "partner/onm", base)
    ('http://www.wikidata.org/entity/Q82151', '/partners/onm')
    >>> local_path("javascript:alert(1)", base), local_path(" JavaScript:alert(1)", base)
    ('', '')
    >>> local_path(base + "excerpt/segib-montevideo-p2", base)
    '/passage/segib-montevideo-p2'
    """
    if iri.startswith(base + "id/"):
        return "/doc/" + iri[len(base) + 3 :]
    if iri.startswith(base + "excerpt/") and "/" not in iri[len(base) + 8 :]:
        return "/passage/" + iri[len(base) + 8 :]
    if iri.startswith(base + "def#"):
        return "/def#" + iri[len(base) + 4 :]
    if iri.startswith(base + "partner/") and "/" not in iri[len(base) + 8 :]:
        return "/partners/" + iri[len(base) + 8 :]
    return iri if iri.startswith(("http://", "https://")) else ""


def page(
    template: str, service: Service, *, status_code: int = 200, headers: Mapping[str, str] | None = None, **context: Any
) -> HTMLResponse:
    """``template`` rendered with ``context``, the release id, and in the request's interface language with its
    language switch (``web.i18n``)."""
    choice = i18n.current()
    body = (
        environment(choice.interface)
        .get_template(template)
        .render(
            release=service.release_id, language_links=i18n.switch_links(choice), keep_lang=i18n.kept(choice), **context
        )
    )
    return HTMLResponse(body, status_code=status_code, headers=headers)


def not_found(key: str, service: Service) -> HTMLResponse:
    return page("not_found.html", service, status_code=404, key=key)


def bad_request(message: str, service: Service, title: str = "Bad request") -> HTMLResponse:
    """A page's parameters it cannot use (a malformed facet value, page number or filter): 400, saying which."""
    return page("browse_error.html", service, status_code=400, title=title, message=message)
