"""What the world map shows (``/map``, ``/api/map``): countries by role. What each count means is in ``ROLES``;
a thing counts once per country and role however many ways it reaches the country. Country IRIs are
``country:<ISO 3166-1 alpha-3>``; the map's shapes (world-atlas) carry ISO 3166-1 numeric codes, matched
through pycountry.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pycountry

from server import prefixes
from server.web.deps import Queries, Row
from server.web.i18n import N_
from server.web.labels import names
from server.web.rendering import STATIC, local_path

ATLAS = STATIC / "vendor" / "world-atlas" / "countries-110m.json"

# Role → (name, what one unit of the count is).
ROLES: dict[str, tuple[str, str]] = {
    "implementer": (
        N_("implementer"),
        N_(
            "the number of practices (good practices, programmes, projects) implemented in the country or in a place "
            "within it, or implemented by one of its government bodies"
        ),
    ),
    "host": (
        N_("host"),
        N_(
            "the number of events held in the country or in a place within it, or hosted by one of its government "
            "bodies"
        ),
    ),
    "member": (
        N_("member"),
        N_("the number of memberships (as member or observer) that its government bodies hold in organisations"),
    ),
}

_HEAD = prefixes.sparql_header(("mig",))


def counts_query() -> str:
    """``?country ?role ?n``: distinct practices, events or memberships per country and role."""
    return _HEAD + (
        "SELECT ?country ?role (COUNT(DISTINCT ?thing) AS ?n) WHERE { "
        "{ ?thing mig:implementedIn ?country BIND('implementer' AS ?role) } "
        "UNION { ?thing mig:implementedIn ?place . ?place mig:locatedIn ?country BIND('implementer' AS ?role) } "
        "UNION { ?thing mig:implementedBy ?body . ?body mig:jurisdiction ?country BIND('implementer' AS ?role) } "
        "UNION { ?thing a mig:Event ; mig:heldIn ?country BIND('host' AS ?role) } "
        "UNION { ?thing a mig:Event ; mig:heldIn ?place . ?place mig:locatedIn ?country BIND('host' AS ?role) } "
        "UNION { ?thing mig:hostedBy ?body . ?body mig:jurisdiction ?country BIND('host' AS ?role) } "
        "UNION { ?thing a mig:Membership ; mig:memberAgent ?body . ?body mig:jurisdiction ?country "
        "BIND('member' AS ?role) } "
        "?country a mig:Country } GROUP BY ?country ?role"
    )


def iso3(country_iri: str) -> str:
    """The ISO 3166 alpha-3 code in a country IRI.

    >>> iso3("https://w3id.org/migkg/id/country/ecu")
    'ECU'
    """
    return country_iri.rstrip("/").rsplit("/", 1)[-1].upper()


def numeric_code(alpha3: str) -> str | None:
    """The ISO 3166-1 numeric code (as world-atlas spells it, three digits) from pycountry."""
    country = pycountry.countries.get(alpha_3=alpha3)
    return None if country is None else str(country.numeric)


def alpha3_code(numeric: str) -> str | None:
    country = pycountry.countries.get(numeric=numeric)
    return None if country is None else str(country.alpha_3)


@functools.cache
def drawn_codes(atlas: Path = ATLAS) -> frozenset[str]:
    """The numeric codes of the shapes the vendored atlas draws (tiny countries are missing at 1:110m)."""
    topology = json.loads(atlas.read_text(encoding="utf-8"))
    return frozenset(str(g["id"]) for g in topology["objects"]["countries"]["geometries"] if "id" in g)


def tally(count_rows: Iterable[Row]) -> dict[str, dict[str, int]]:
    """Country IRI → role → count, from the rows of ``counts_query``."""
    result: dict[str, dict[str, int]] = {}
    for row in count_rows:
        counts = result.setdefault(row["country"]["value"], dict.fromkeys(ROLES, 0))
        counts[row["role"]["value"]] = int(row["n"]["value"])
    return result


def as_json(counts: Mapping[str, Mapping[str, int]], labels: Mapping[str, str], base: str) -> dict[str, Any]:
    drawn = drawn_codes()
    countries: list[dict[str, Any]] = []
    for iri, by_role in counts.items():
        code = iso3(iri)
        numeric = numeric_code(code)
        countries.append({
            "iri": iri,
            "page": local_path(iri, base),
            "label": labels.get(iri, code),
            "iso3": code,
            "numeric": numeric,
            "drawn": numeric in drawn,
            "counts": {**by_role, "all": sum(by_role.values())},
        })  # fmt: skip
    countries.sort(key=lambda c: (-c["counts"]["all"], c["label"]))
    maxima = {role: max((c["counts"][role] for c in countries), default=0) for role in [*ROLES, "all"]}
    roles = [{"role": r, "name": name, "counts": what} for r, (name, what) in ROLES.items()]
    roles.append({"role": "all", "name": N_("all roles"), "counts": N_("implementer + host + member")})
    codes = {n: a for n in sorted(drawn) if (a := alpha3_code(n)) is not None}
    return {"roles": roles, "countries": countries, "max": maxima, "atlas_codes": codes}


async def map_data(queries: Queries, languages: Sequence[str]) -> dict[str, Any]:
    counts = tally(await queries.rows(counts_query()))
    labels = await names(queries, counts, languages)
    return as_json(counts, labels, queries.service.base_iri)
