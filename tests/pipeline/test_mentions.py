"""The mention index (server/pipeline/mentions.py): sections and their spans, each passage's innermost section, and
which printed names every passage, section and source names — never a coined name, a name two entities share or a
one-character name."""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad

from server import prefixes
from server.pipeline import mentions
from server.pipeline.load import ExcerptDescription, Selector, SourceText
from server.pipeline.quotes import Position

SOURCE = prefixes.ID + "source/report"
TEXT = (
    "REPORT OF THE FORUM\n"
    "1. OPENING\n"
    "The Government of\nEl Salvador opened the Forum with the IOM.\n"
    "1.1 Speeches\n"
    "The <i>Secretaría General Iberoamericana</i> spoke.\n"
    "1.2 Debate\n"
    "Delegates of the UN and of El Salvador debated.\n"
    "2. CONCLUSIONS\n"
    "The participants thanked the Government of El Salvador.\n"
)
SECTIONS = {  # section → (its heading as printed, what it is part of)
    "opening": ("1. OPENING", SOURCE),
    "speeches": ("1.1 Speeches", SOURCE + "/opening"),
    "debate": ("1.2 Debate", SOURCE + "/opening"),
    "conclusions": ("2. CONCLUSIONS", SOURCE),
}
RDFS_LABEL, MIG = prefixes.RDFS + "label", prefixes.MIG


def iri(kind: str, key: str) -> str:
    return f"{prefixes.ID}{kind}/{key}"


def fact(subject: str, predicate: str, value: str, graph: str | None = None, *, literal: bool = False) -> Quad:
    obj = Literal(value, language="en") if literal else NamedNode(value)
    return Quad(NamedNode(subject), NamedNode(predicate), obj, NamedNode(graph) if graph else DefaultGraph())


def name(entity: str, predicate: str, text: str) -> Quad:
    return fact(entity, predicate, text, prefixes.EXCERPT + "names", literal=True)


def excerpt(key: str, quote: str) -> tuple[ExcerptDescription, Position]:
    start = TEXT.index(quote)
    description = ExcerptDescription(NamedNode(prefixes.EXCERPT + key), SOURCE, Selector(quote), Path("x.trig"), 1, ())
    return description, Position(start, start + len(quote))


def section_facts() -> list[Quad]:
    quads = []
    for key, (_, parent) in SECTIONS.items():
        graph = prefixes.EXCERPT + "heading-" + key
        quads.append(fact(f"{SOURCE}/{key}", prefixes.RDF + "type", MIG + "DocumentSection", graph))
        quads.append(fact(f"{SOURCE}/{key}", MIG + "partOf", parent, graph))
    return quads


NAMES = [
    name(iri("organisation", "slv-government"), RDFS_LABEL, "Government of El Salvador"),
    name(iri("country", "slv"), RDFS_LABEL, "El Salvador"),
    name(iri("organisation", "segib"), RDFS_LABEL, "Secretaría General Iberoamericana"),
    name(iri("organisation", "iom"), MIG + "acronym", "IOM"),
    name(iri("organisation", "un"), MIG + "acronym", "UN"),
]
HEADINGS = [excerpt("heading-" + key, heading) for key, (heading, _) in SECTIONS.items()]
PASSAGES = [
    excerpt("opened", "The Government of\nEl Salvador opened the Forum with the IOM."),
    excerpt("spoke", "The <i>Secretaría General Iberoamericana</i> spoke."),
    excerpt("debated", "Delegates of the UN and of El Salvador debated."),
    excerpt("title", "REPORT OF THE FORUM"),
]


def built_index(extra: list[Quad] | None = None) -> set[tuple[str, str, str]]:
    """The index of TEXT with its four sections and passages, as (subject, predicate, object) local names."""
    found = HEADINGS + PASSAGES
    result = mentions.index(
        section_facts() + NAMES + (extra or []),
        [d for d, _ in found],
        {d.graph.value: p for d, p in found},
        {SOURCE: SourceText(SOURCE, Path("report.txt"), TEXT)},
    )
    assert {q.graph_name for q in result.quads} == {NamedNode(prefixes.GRAPH_MENTIONS)}
    return {(short(q.subject.value), short(q.predicate.value), short(q.object.value)) for q in result.quads}


def short(value: str) -> str:
    return value.removeprefix(SOURCE + "/").removeprefix(prefixes.EXCERPT).rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def spans() -> dict[str, tuple[int, int, int]]:
    found = mentions.sections(
        [d for d, _ in HEADINGS],
        section_facts(),
        {d.graph.value: p for d, p in HEADINGS},
        {SOURCE: SourceText(SOURCE, Path("report.txt"), TEXT)},
    )
    return {short(s.iri): (s.start, s.end, s.depth) for s in found}


def test_sections_span_from_their_heading_to_the_next_heading_of_the_same_or_a_higher_level() -> None:
    at = {key: TEXT.index(heading) for key, (heading, _) in SECTIONS.items()}
    assert spans() == {
        "opening": (at["opening"], at["conclusions"], 1),
        "speeches": (at["speeches"], at["debate"], 2),
        "debate": (at["debate"], at["conclusions"], 2),
        "conclusions": (at["conclusions"], len(TEXT), 1),
    }


def test_index_puts_each_passage_in_its_innermost_section_and_none_outside_every_section() -> None:
    in_section = {(s, o) for s, p, o in built_index() if p == "inSection"}
    assert in_section == {
        ("opened", "opening"),
        ("spoke", "speeches"),
        ("debated", "debate"),
        ("heading-opening", "opening"),
        ("heading-speeches", "speeches"),
        ("heading-debate", "debate"),
        ("heading-conclusions", "conclusions"),
    }


def test_index_mentions_names_in_passages_sections_and_the_source() -> None:
    found = {(s, o) for s, p, o in built_index() if p == "mentions"}
    by = {s: {o for t, o in found if t == s} for s, _ in found}
    assert by["opened"] == {"slv-government", "slv", "iom"}
    assert by["spoke"] == {"segib"}
    assert by["debated"] == {"un", "slv"}
    assert by["speeches"] == {"segib"}
    assert by["opening"] == {"slv-government", "slv", "iom", "segib", "un"}
    assert by["conclusions"] == {"slv-government", "slv"}
    assert by["report"] == {"slv-government", "slv", "iom", "segib", "un"}
    assert "title" not in by


def test_names_with_markup_or_a_line_break_inside_are_found() -> None:
    names = mentions.printed_names([name(iri("practice", "plan"), RDFS_LABEL, "*Plan Retorno*")])
    assert names.found_in("the **Plan\nRetorno** of Ecuador") == {iri("practice", "plan")}
    assert names.found_in("the Plan Return") == set()


def test_names_are_matched_case_sensitively_and_word_by_word() -> None:
    names = mentions.printed_names(NAMES)
    assert names.found_in("the government of el salvador") == set()
    assert names.found_in("El Salvadoran IOMs") == set()


def test_a_name_two_entities_share_is_looked_up_for_neither() -> None:
    shared = [
        name(iri("organisation", "ecu-red-cross"), prefixes.SKOS + "altLabel", "Red Cross"),
        name(iri("organisation", "pan-red-cross"), prefixes.SKOS + "altLabel", "Red Cross"),
        name(iri("organisation", "pan-red-cross"), RDFS_LABEL, "Red Cross Society of Panama"),
    ]
    names = mentions.printed_names(shared)
    assert names.ambiguous == {("Red", "Cross")}
    assert names.found_in("the Red Cross helped") == set()
    assert names.found_in("the Red Cross Society of Panama helped") == {iri("organisation", "pan-red-cross")}


def test_a_coined_name_is_never_looked_up() -> None:
    labour = iri("organisation", "pan-labour")
    coined = [
        name(labour, MIG + "displayName", "Ministry of Labour (Panama)"),
        # the rdfs:label the build infers from a display name is coined all the same
        fact(labour, RDFS_LABEL, "Ministry of Labour (Panama)", prefixes.GRAPH_INFERRED, literal=True),
        name(labour, prefixes.SKOS + "altLabel", "Labour Ministry"),
    ]
    names = mentions.printed_names(coined)
    assert names.found_in("the Ministry of Labour (Panama) met") == set()
    assert names.found_in("the Labour Ministry met") == {labour}


def test_a_name_one_passage_prints_is_printed_though_another_coins_it() -> None:
    government = iri("organisation", "ecu-government")
    both = [
        name(government, MIG + "displayName", "Government of Ecuador"),
        fact(government, RDFS_LABEL, "Government of Ecuador", prefixes.EXCERPT + "printed", literal=True),
    ]
    assert mentions.printed_names(both).found_in("the Government of Ecuador") == {government}


def test_one_character_names_and_short_lower_case_names_are_ignored() -> None:
    short_names = [
        name(iri("organisation", "a"), MIG + "acronym", "A"),
        name(iri("place", "de"), RDFS_LABEL, "de"),
        name(iri("organisation", "un"), MIG + "acronym", "UN"),
    ]
    names = mentions.printed_names(short_names)
    assert names.found_in("A delegate de la UN") == {iri("organisation", "un")}


def test_only_named_kinds_of_entity_are_looked_up() -> None:
    item = prefixes.ID + "commitment/montevideo-2006/p25q"
    names = mentions.printed_names([name(item, RDFS_LABEL, "Commitment of Montevideo, item 25.q")])
    assert names.found_in("Commitment of Montevideo, item 25.q") == set()
    assert not mentions.is_nameable(iri("role", "rapporteur"))
    assert mentions.is_nameable(iri("commitment", "montevideo-2006"))


def test_quoted_gives_each_described_excerpt_the_names_its_quote_prints() -> None:
    description = [
        fact(prefixes.EXCERPT + "opened", prefixes.OA + "hasSelector", "urn:selector"),
        fact("urn:selector", prefixes.RDF + "type", prefixes.OA + "TextQuoteSelector"),
        Quad(NamedNode("urn:selector"), NamedNode(prefixes.OA + "exact"), Literal("The IOM and El Salvador")),
    ]
    quads = mentions.quoted(NAMES + description)
    assert {(short(q.subject.value), short(q.object.value)) for q in quads} == {("opened", "iom"), ("opened", "slv")}
    assert {q.graph_name for q in quads} == {NamedNode(prefixes.GRAPH_MENTIONS)}
