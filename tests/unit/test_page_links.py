"""Only http(s) IRIs become links on the pictures' pages and the trackers: an entity whose IRI is not http(s)
(``javascript:…``, ``urn:…``, which partners may write) has no page (``rendering.local_path`` gives "") and its
name is shown as text — never ``href=""`` (a link back to the page itself) nor ``href="javascript:…"``."""

from __future__ import annotations

import re
from typing import Any

import pytest

from server.web.rendering import environment, local_path

BASE = "https://w3id.org/migkg/"
HOSTILE = "javascript:alert(document.domain)"


def entity(iri: str, label: str) -> dict[str, Any]:
    return {"iri": iri, "page": local_path(iri, BASE), "label": label}


NODE = entity(HOSTILE, "Hostile")
OURS = entity(BASE + "id/organisation/segib", "SEGIB")
CONTEXTS: dict[str, dict[str, Any]] = {
    "network.html": {
        "focus": NODE, "network": {}, "depth": "1",
        "groups": [("organised", [{"relation": "r", "a": NODE, "b": OURS, "directed": True, "via": [NODE]}])],
    },
    "timeline.html": {
        "focus": NODE,
        "events": [{**NODE, "start": {"value": "2008", "text": "2008", "precision": "year"}, "kind": {"label": "k"},
                    "series": [NODE], "part_of": NODE, "related_by": [{"relation": {"label": "r"}, "via": NODE}]}],
    },
    "map.html": {
        "roles": [{"role": "all", "name": "all", "counts": "x"}], "role": "all", "max": 1, "atlas_codes": {},
        "countries": [{**NODE, "iso3": "XXX", "counts": {"all": 1}, "drawn": False}],
    },
    "matrix.html": {
        "matrix": {"countries": [(HOSTILE, "Hostile", NODE["page"])], "topics": [(HOSTILE, "Topic", NODE["page"])],
                   "cells": {}},
    },
    "commitments.html": {
        "totals": {"items": 1, "documents": 1, "linked": 0, "linked_practice": 0, "unlinked": 1, "shown_items": 1,
                   "shown_unlinked": 1},
        "shown": [{**NODE, "key": "x", "unlinked": 1, "items": [{**NODE, "item_label": "1", "links": [],
                                                                 "unlinked": True}]}],
    },
}  # fmt: skip


def test_local_path_gives_no_page_for_an_iri_that_is_not_http() -> None:
    assert NODE["page"] == "" and OURS["page"] == "/doc/organisation/segib"


@pytest.mark.parametrize("template", CONTEXTS)
def test_entity_without_http_iri_is_text_not_a_link(template: str) -> None:
    html = environment().get_template(template).render(release="r", base=BASE, **CONTEXTS[template])
    assert "Hostile" in html, "the context no longer reaches the template's entity names"
    assert not re.search(r"""href\s*=\s*["']\s*(javascript:|["'])""", html, re.IGNORECASE), template
    assert '<span class="iri-text">Hostile</span>' in html or 'iri-text">1<' in html
