"""The full-text index: accent-insensitive, prefix matching, ranked by field weight, typed, injection-proof."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.search import Document, fold, match_expression, search, write_index

MIG = "https://w3id.org/migkg/def#"


def doc(
    iri: str, label: str, *, alt: str = "", description: str = "", quote: str = "", types: tuple[str, ...] = ()
) -> Document:
    d = Document(f"https://w3id.org/migkg/id/{iri}", {"en": label}, types=set(types))
    for name, text in (("label", label), ("alt", alt), ("description", description), ("quote", quote)):
        if text:
            d.fields[name].append(text)
    return d


@pytest.fixture
def index(tmp_path: Path) -> Path:
    path = tmp_path / "search.sqlite"
    write_index(
        [
            doc("organisation/ecu-senami", "Secretaría Nacional del Migrante", alt="SENAMI",
                types=(MIG + "GovernmentBody",)),
            doc("commitment/montevideo-2006", "Montevideo Commitment on Migration and Development",
                types=(MIG + "CommitmentDocument",)),
            doc("event/summit", "16th Summit", quote="met at the 16th Montevideo Summit", types=(MIG + "Summit",)),
            doc("practice/remesas", "3-for-1 Program", description="remittances of migrants",
                types=(MIG + "Programme",)),
        ],
        path,
    )  # fmt: skip
    return path


def test_search_ignores_accents_and_case(index: Path) -> None:
    assert [h.iri.rsplit("/", 1)[-1] for h in search(index, "SECRETARIA nacional").hits] == ["ecu-senami"]


def test_search_matches_word_prefixes_and_acronyms(index: Path) -> None:
    assert search(index, "mont").total == 2
    assert search(index, "senami").hits[0].labels == {"en": "Secretaría Nacional del Migrante"}


def test_search_ranks_a_label_match_above_a_quote_match(index: Path) -> None:
    hits = search(index, "montevideo").hits
    assert [h.iri.rsplit("/", 1)[-1] for h in hits] == ["montevideo-2006", "summit"]
    assert "\x02Montevideo\x03" in hits[1].snippet


def test_search_filters_by_type_and_counts_types(index: Path) -> None:
    results = search(index, "montevideo", type_filter=MIG + "Summit")
    assert [h.iri.rsplit("/", 1)[-1] for h in results.hits] == ["summit"]
    assert results.total == 1
    assert results.type_counts == {MIG + "CommitmentDocument": 1, MIG + "Summit": 1}


@pytest.mark.parametrize("query", ['"', "NEAR(a b)", "a OR b*", "label:x", "^foo", "'; DROP TABLE entity; --"])
def test_search_takes_operators_and_punctuation_literally(index: Path, query: str) -> None:
    search(index, query)  # must not raise: words are quoted, the rest ignored


def test_match_expression_of_no_words_is_none() -> None:
    assert match_expression("  ¿?  ") is None
    assert match_expression("remesas en Ecuador") == '"remesas"* "en"* "Ecuador"*'


def test_names_are_folded_like_the_tokenizer_folds_them() -> None:
    assert fold("  Secretaría   General Iberoamericana ") == "secretaria general iberoamericana"
    assert fold("SEGIB") == "segib"
