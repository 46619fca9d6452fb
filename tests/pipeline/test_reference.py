"""Reference data from packages and the shared cross-check: what is linked and what is left out."""

from __future__ import annotations

from pathlib import Path

from server.pipeline.reference import organisation_quads, pycountry_quads

ORG = "https://w3id.org/migkg/id/organisation/"


def test_organisation_links_skip_conflicts_and_organisations_not_curated(tmp_path: Path) -> None:
    csv_path = tmp_path / "orgs.csv"
    csv_path.write_text(
        "iri,org,abbrev,qid,sources_read,note\n"
        f"{ORG}iom,International Organization for Migration,IOM,Q472311,a; b,\n"
        f"{ORG}unhcr,UNHCR,UNHCR,Q132551,c,CONFLICT: another source lists Q28606331\n"
        f"{ORG}oecd,OECD,OECD,Q41550,d,\n"
        f"{ORG}csm,South American Conference on Migration,CSM,,none found,look up online\n",
        encoding="utf-8",
    )
    quads = organisation_quads(csv_path, {ORG + "iom", ORG + "unhcr", ORG + "csm"})
    assert [(q.subject.value, q.object.value) for q in quads] == [
        (ORG + "iom", "http://www.wikidata.org/entity/Q472311")
    ]


def test_every_country_has_names_in_four_languages_where_pycountry_has_them() -> None:
    quads = list(pycountry_quads())
    labels = {
        q.object.language
        for q in quads
        if q.subject.value.endswith("/country/ecu") and q.predicate.value.endswith("label")
    }
    assert labels == {"en", "es", "pt", "fr"}
