"""What the pictures (timeline, network) share: the ``?focus=`` entity, checked before it reaches a query, and the
readable error page or JSON for a bad focus."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import Query
from fastapi.responses import HTMLResponse, JSONResponse, Response

from server import prefixes
from server.web.deps import Queries, Service
from server.web.labels import iri_ref, iri_values, names
from server.web.rendering import local_path, page

# An absolute http(s) IRI without the characters that could leave a SPARQL IRI reference (labels.iri_ref).
_IRI = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
MAX_FOCUS_LENGTH = 500

FocusParam = Annotated[str | None, Query(alias="focus", description="the full IRI of an entity")]


class FocusError(Exception):
    """A focus that cannot be used: ``status`` 400 (malformed) or 404 (the graph says nothing about it)."""

    def __init__(self, status: int, message: str, focus: str) -> None:
        super().__init__(message)
        self.status, self.message, self.focus = status, message, focus


@dataclass(frozen=True)
class Focus:
    iri: str
    label: str
    page: str
    types: frozenset[str]

    def is_a(self, *local_names: str) -> bool:
        return any(prefixes.MIG + name in self.types for name in local_names)


def check_iri(focus: str) -> str:
    """``focus`` if it is an absolute http(s) IRI safe to put between ``<…>``; FocusError 400 otherwise.

    >>> check_iri(" https://w3id.org/migkg/id/organisation/segib ")
    'https://w3id.org/migkg/id/organisation/segib'
    >>> try:
    ...     check_iri("organisation:segib")
    ... except FocusError as error:
    ...     print(error.status, error)
    400 The focus must be the full IRI of an entity, such as https://w3id.org/migkg/id/organisation/segib.
    """
    focus = focus.strip()
    if len(focus) > MAX_FOCUS_LENGTH or not _IRI.match(focus):
        raise FocusError(400, "The focus must be the full IRI of an entity, such as "
                              f"{prefixes.ID}organisation/segib.", focus)  # fmt: skip
    return focus


def types_query(iris: Iterable[str]) -> str:
    return f"SELECT ?x ?type WHERE {{ VALUES ?x {{ {iri_values(iris)} }} ?x a ?type }}"


def exists_query(iri: str) -> str:
    return f"SELECT ?p WHERE {{ {iri_ref(iri)} ?p ?o }} LIMIT 1"


async def types(queries: Queries, iris: Iterable[str]) -> dict[str, set[str]]:
    wanted = set(iris)
    result: dict[str, set[str]] = {i: set() for i in wanted}
    if wanted:
        for row in await queries.rows(types_query(wanted)):
            result[row["x"]["value"]].add(row["type"]["value"])
    return result


async def resolve(queries: Queries, focus: str, languages: Sequence[str]) -> Focus:
    """The focus entity, or FocusError: 400 when malformed, 404 when the graph says nothing about it."""
    iri = check_iri(focus)
    if not await queries.rows(exists_query(iri)):
        raise FocusError(404, "The graph says nothing about this entity in this release.", iri)
    label = (await names(queries, [iri], languages))[iri]
    kinds = (await types(queries, [iri]))[iri]
    return Focus(iri, label, local_path(iri, queries.service.base_iri), frozenset(kinds))


async def resolve_if_given(queries: Queries, focus: str | None, languages: Sequence[str]) -> Focus | None:
    """``resolve`` when a focus is given; None when it is not (the picture of everything)."""
    return await resolve(queries, focus, languages) if focus else None


def error_page(error: FocusError, service: Service, picture: str, path: str) -> HTMLResponse:
    return page("focus_error.html", service, status_code=error.status, error=error, picture=picture, path=path)


def error_json(error: FocusError) -> Response:
    return JSONResponse({"error": error.message, "focus": error.focus}, status_code=error.status)
