"""The commitments tracker: ``/commitments`` (``views.commitments``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from server.web import rendering
from server.web.deps import LanguagesDep, QueriesDep, ServiceDep
from server.web.views import commitments, facets

router = APIRouter()

Only = Annotated[str, Query(description="'unaddressed' to list only the items nothing addresses")]
DocumentFilter = Annotated[str, Query(description="one commitment document (IRI or compact IRI)")]


@router.get("/commitments", summary="Commitments tracker: every commitment item and what addresses it (HTML)")
async def commitments_page(
    service: ServiceDep, queries: QueriesDep, languages: LanguagesDep, only: Only = "", document: DocumentFilter = ""
) -> HTMLResponse:
    if only not in ("", "unaddressed"):
        return rendering.bad_request(f"only must be 'unaddressed' or absent, not {only!r}.", service)
    chosen = ""
    if document:
        try:
            chosen = facets.expand(document, service.base_iri)
        except facets.BadParameter as error:
            return rendering.bad_request(f"{error}.", service)
    documents = await commitments.tracker(queries, languages)
    shown = [d for d in documents if not chosen or d.iri == chosen]
    return rendering.page(
        "commitments.html", service, headers=rendering.VARY_LANGUAGE, documents=documents, shown=shown, only=only,
        chosen=chosen, totals=commitments.totals(documents, shown), base=service.base_iri,
    )  # fmt: skip
