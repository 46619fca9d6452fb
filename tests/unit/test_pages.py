"""Links from pages: our IRIs go to their page on this server, under whatever base IRI is configured."""

from __future__ import annotations

import pytest

from server.web.rendering import local_path


@pytest.mark.parametrize(
    ("iri", "base", "expected"),
    [
        ("https://w3id.org/migkg/id/event/x", "https://w3id.org/migkg/", "/doc/event/x"),
        ("https://w3id.org/migkg/def#heldIn", "https://w3id.org/migkg/", "/def#heldIn"),
        ("https://example.org/kg/id/place/y", "https://example.org/kg/", "/doc/place/y"),
        ("https://w3id.org/migkg/id/place/y", "https://example.org/kg/", "https://w3id.org/migkg/id/place/y"),
        ("http://www.wikidata.org/entity/Q1065", "https://w3id.org/migkg/", "http://www.wikidata.org/entity/Q1065"),
    ],
)
def test_local_path_maps_only_iris_under_the_configured_base(iri: str, base: str, expected: str) -> None:
    assert local_path(iri, base) == expected


def test_an_iri_without_a_label_shows_its_last_segment() -> None:
    from server.web.labels import local_name

    assert local_name("https://w3id.org/migkg/id/country/ecu") == "ecu"
    assert local_name("https://w3id.org/migkg/def#Practice") == "Practice"
    assert local_name("http://example.org/thing/") == "thing"
