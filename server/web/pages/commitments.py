"""The commitments tracker: ``/commitments`` (``views.commitments``), also JSON and CSV by ``Accept`` or suffix
(``/commitments.csv``: ``web.representations``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from server import media
from server.web import rendering, representations
from server.web.deps import LanguagesDep, QueriesDep, ServiceDep
from server.web.views import commitments, facets

router = APIRouter()

Only = Annotated[str, Query(description="'unlinked' to list only the items nothing is linked to in these sources")]
DocumentFilter = Annotated[str, Query(description="one commitment document (IRI or compact IRI)")]


@representations.negotiated(router, "/commitments", "Commitments tracker: each commitment item and what links to it")
async def commitments_page(
    request: Request, service: ServiceDep, queries: QueriesDep, languages: LanguagesDep,
    chosen_type: representations.PageTypeDep, only: Only = "", document: DocumentFilter = "",
) -> Response:  # fmt: skip
    if only not in ("", "unlinked"):
        return representations.bad_request(f"only must be 'unlinked' or absent, not {only!r}.", chosen_type, service)
    chosen = ""
    if document:
        try:
            chosen = facets.expand(document, service.base_iri)
        except facets.BadParameter as error:
            return representations.bad_request(f"{error}.", chosen_type, service)
    documents = await commitments.tracker(queries, languages)
    shown = [d for d in documents if not chosen or d.iri == chosen]
    totals = commitments.totals(documents, shown)
    if chosen_type == media.JSON:
        return representations.json_response(commitments.as_json(shown, totals, only), request)
    if chosen_type == media.CSV:
        return representations.csv_response(commitments.COLUMNS, commitments.table(shown, only), request)
    return rendering.page(
        "commitments.html", service, headers=representations.headers(request), documents=documents, shown=shown,
        only=only, chosen=chosen, totals=totals, base=service.base_iri,
    )  # fmt: skip
