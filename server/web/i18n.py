"""The interface's language: which one a request gets, and its messages.

Interface strings live in the templates (Jinja2's i18n extension: ``{% trans %}`` and ``_()``); their Spanish is
in ``locale/es/LC_MESSAGES/messages.po``, a Babel message catalogue read once, at first use, into gettext
translations in memory (no compiled ``.mo`` file is kept or downloaded). English is the templates' own text.

A request's language follows the same rule as the labels (``labels.preferred_languages``): ``?lang=`` first, then
Accept-Language, then English. ``RequestLanguage`` (ASGI middleware) records it, with the page's path and query for
the language switch, in a context variable that ``rendering.page`` reads, and says on every HTML answer that it
varies by Accept-Language and which language it is in.
"""

from __future__ import annotations

import datetime
import functools
import gettext
import io
import re
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from babel.dates import format_date
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.web.labels import preferred_languages

LOCALE = Path(__file__).parent / "locale"
DEFAULT = "en"
INTERFACE_LANGUAGES = {"en": "English", "es": "Español"}  # each language named in itself, for the switch
LANG_PARAMETER = re.compile(r"[a-z]{2,3}")


@dataclass(frozen=True)
class Choice:
    """What a request asked for: the interface language, the label languages best first, the page's address, and
    the language chosen with ``?lang=`` if any (the navigation keeps it)."""

    interface: str = DEFAULT
    languages: tuple[str, ...] = (DEFAULT,)
    path: str = "/"
    query: str = ""
    chosen: str = ""


CURRENT: ContextVar[Choice] = ContextVar("interface_language")
OUTSIDE_A_REQUEST = Choice()


def choose(lang: str | None, accept_language: str | None, path: str = "/", query: str = "") -> Choice:
    """The languages for a request: an explicit ``?lang=`` (ignored unless it looks like a language code), then
    Accept-Language; the interface takes the first of them it has, else English.

    >>> choose("es", "en").interface, choose(None, "pt, es;q=0.8").interface, choose(None, "fr").interface
    ('es', 'es', 'en')
    >>> choose("<x>", "es").languages[:2]
    ('es', 'en')
    """
    chosen = lang if lang and LANG_PARAMETER.fullmatch(lang) else None
    languages = tuple(preferred_languages(accept_language, chosen))
    interface = next((code for code in languages if code in INTERFACE_LANGUAGES), DEFAULT)
    return Choice(interface, languages, path, query, chosen or "")


def switch_links(choice: Choice) -> list[tuple[str, str, str]]:
    """(code, name, href) for each interface language: the same page and query, with ``lang`` set to it.

    >>> switch_links(Choice("en", ("en",), "/search", "q=iom&lang=en"))[1]
    ('es', 'Español', '/search?q=iom&lang=es')
    """
    kept = [(k, v) for k, v in parse_qsl(choice.query, keep_blank_values=True) if k != "lang"]
    return [
        (code, name, f"{choice.path}?{urlencode([*kept, ('lang', code)])}")
        for code, name in INTERFACE_LANGUAGES.items()
    ]


def kept(choice: Choice) -> str:
    """What the navigation's links add to keep a language chosen with ``?lang=`` (else Accept-Language decides).

    >>> kept(choose("es", None)), kept(choose(None, "es"))
    ('?lang=es', '')
    """
    return f"?{urlencode({'lang': choice.chosen})}" if choice.chosen else ""


DATE_PATTERNS = {"day": "d MMM y", "month": "MMM y", "year": "y"}


def date_text(value: str, precision: str, language: str = DEFAULT) -> str:
    """A date at its precision (``views.timeline``: year, month or day) as the language writes it; a value it
    cannot read stays as it is.

    >>> date_text("2007-06-04", "day"), date_text("2006-09", "month", "es"), date_text("2006", "year", "es")
    ('4 Jun 2007', 'sept 2006', '2006')
    """
    try:
        year, month, day = ([int(part) for part in value[:10].split("-")] + [1, 1])[:3]
        when = datetime.date(year, month, day)
    except (ValueError, TypeError):
        return value
    return format_date(when, DATE_PATTERNS.get(precision, "y"), locale=language)


def catalogue(language: str) -> Catalog:
    with (LOCALE / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
        return read_po(file, locale=language)


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The messages of ``language`` (English: the templates' own text)."""
    if language == DEFAULT:
        return gettext.NullTranslations()
    compiled = io.BytesIO()
    write_mo(compiled, catalogue(language))
    compiled.seek(0)
    return Translations(compiled)


def N_(message: str) -> str:
    """Marks a word a view gives a template (a heading, a kind) for extraction; the template translates it with
    ``_(word)``."""
    return message


def current() -> Choice:
    return CURRENT.get(OUTSIDE_A_REQUEST)


class RequestLanguage:
    """Records each request's language choice for the pages, and marks HTML answers with ``Vary: Accept-Language``
    and ``Content-Language``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        lang = dict(parse_qsl(query)).get("lang")
        choice = choose(lang, Headers(scope=scope).get("accept-language"), scope["path"], query)
        token = CURRENT.set(choice)

        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if headers.get("content-type", "").startswith("text/html"):
                    vary = [v.strip() for v in headers.get("vary", "").split(",") if v.strip()]
                    if "accept-language" not in {v.lower() for v in vary}:
                        headers["vary"] = ", ".join([*vary, "Accept-Language"])
                    headers["content-language"] = choice.interface
            await send(message)

        try:
            await self.app(scope, receive, send_marked)
        finally:
            CURRENT.reset(token)
