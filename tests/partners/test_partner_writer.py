"""The write path: authorise → gate → keep the report → commit with provenance; nothing changes on rejection."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from conftest import ACME

from server import prefixes
from server.partners.gate import Gate, Lookup
from server.partners.registry import new_token, token_id
from server.partners.report import ReportArchive
from server.partners.storage import PartnerStorage
from server.partners.upload import parse_upload
from server.partners.writer import Forbidden, GraphNotFound, PartnerWriter, WriteConflict
from server.settings import Settings

GRAPH = ACME.graphs + "programmes"
ITEM = prefixes.ID + "commitment/montevideo-2006/p25q"
GOOD = f"""<https://example.org/agency/programme/1> a <{prefixes.MIG}Programme> ;
    <{prefixes.RDFS}label> "Programa 1"@es ; <{prefixes.MIG}givesEffectTo> <{ITEM}> ."""
MORE = f"""<https://example.org/agency/programme/2> a <{prefixes.MIG}Project> ; <{prefixes.RDFS}label> "Proyecto 2"@es ;
    <{prefixes.MIG}givesEffectTo> <{prefixes.ID}commitment/montevideo-2006> ."""
BAD = f'<https://example.org/agency/programme/3> a <{prefixes.MIG}Programme> ; <{prefixes.MIG}givesEffectTo> "25.q" .'


@pytest.fixture
def writer(
    partner_settings: Settings, gate: Gate, lookup: Lookup, tmp_path_factory: pytest.TempPathFactory
) -> PartnerWriter:
    settings = partner_settings.model_copy(update={"state_dir": tmp_path_factory.mktemp("var")})
    return PartnerWriter(settings, lookup, gate)


def provenance(storage: PartnerStorage) -> ox.Store:
    store = ox.Store()
    described = ox.NamedNode(prefixes.GRAPH_PARTNER_PROVENANCE)
    store.extend(ox.Quad(q.subject, q.predicate, q.object) for q in storage.quads() if q.graph_name == described)
    return store


@pytest.mark.build
def test_write_conforming_graph_is_committed_with_its_provenance(writer: PartnerWriter) -> None:
    token = new_token()
    upload = parse_upload(GOOD.encode(), "text/turtle", GRAPH)
    outcome = writer.write(ACME, token_id(token), GRAPH, upload)
    assert outcome.accepted and outcome.created and outcome.commit is not None
    assert outcome.commit.generation == writer.storage.generation() == 1
    assert set(q.triple for q in writer.storage.graph_quads(GRAPH)) == set(upload.triples)
    stored = b"".join(str(q).encode() for q in writer.storage.quads())
    assert token.encode() not in stored  # the token id, never the token
    ask = (
        prefixes.sparql_header(("prov", "void", "spdx", "dcterms", "rdfs", "xsd"))
        + f"""
    ASK {{
        <{GRAPH}> prov:wasAttributedTo <{ACME.iri}> ; prov:generatedAtTime ?when ; void:triples 3 ;
            dcterms:format "text/turtle" ; rdfs:seeAlso <{outcome.report.iri}> ;
            spdx:checksum [ spdx:checksumValue "{upload.sha256}"^^xsd:hexBinary ] ;
            prov:qualifiedAttribution [ prov:agent <{ACME.iri}> ; dcterms:identifier "{token_id(token)}" ] .
        <{ACME.iri}> dcterms:identifier "acme" .
    }}"""
    )
    assert provenance(writer.storage).query(ask)
    kept = ReportArchive(writer.reports.root).load(outcome.report.id)
    assert kept is not None and kept.conforms


@pytest.mark.build
def test_write_merge_adds_to_the_graph_and_replace_replaces_it(writer: PartnerWriter) -> None:
    first = parse_upload(GOOD.encode(), "text/turtle", GRAPH)
    writer.write(ACME, "t", GRAPH, first)
    more = parse_upload(MORE.encode(), "text/turtle", GRAPH)
    merged = writer.write(ACME, "t", GRAPH, more, merge=True)
    assert merged.accepted and not merged.created
    assert set(q.triple for q in writer.storage.graph_quads(GRAPH)) == set(first.triples) | set(more.triples)
    assert writer.storage.graphs()[GRAPH].triples == 6


def test_write_not_conforming_changes_nothing_and_keeps_the_report(writer: PartnerWriter) -> None:
    outcome = writer.write(ACME, "t", GRAPH, parse_upload(BAD.encode(), "text/turtle", GRAPH))
    assert not outcome.accepted and outcome.commit is None
    assert writer.storage.generation() == 0 and writer.storage.quads() == []
    kept = writer.reports.load(outcome.report.id)
    assert kept is not None and not kept.conforms
    assert any(r.severity == "Violation" for r in kept.results())


def test_write_merge_is_gated_on_the_graph_as_it_would_be(writer: PartnerWriter) -> None:
    """Two uploads, each fine alone, whose union gives a commitment item two positions: rejected."""
    item = "https://example.org/agency/item/1"
    one = f"""<{item}> a <{prefixes.MIG}CommitmentItem> ; <{prefixes.RDFS}label> "Item"@en ;
        <{prefixes.MIG}itemOf> <{prefixes.ID}commitment/montevideo-2006> ; <{prefixes.MIG}text> "Do it." ;
        <{prefixes.MIG}position> 1 ."""
    storage = writer.storage
    storage.commit(GRAPH, list(parse_upload(one.encode(), "text/turtle", GRAPH).triples), [])
    two = f"<{item}> <{prefixes.MIG}position> 2 ."
    outcome = writer.write(ACME, "t", GRAPH, parse_upload(two.encode(), "text/turtle", GRAPH), merge=True)
    assert not outcome.accepted
    assert "commitment-item-position" in {r.rule.removeprefix(prefixes.SHAPES) for r in outcome.report.results()}
    assert storage.generation() == 1


def test_write_to_a_graph_the_partner_may_not_write_is_forbidden(writer: PartnerWriter) -> None:
    graph = prefixes.GRAPH_PARTNER + "bee/programmes"
    with pytest.raises(Forbidden) as raised:
        writer.write(ACME, "t", graph, parse_upload(GOOD.encode(), "text/turtle", graph))
    assert raised.value.refusal.rule == "other-partner"
    assert writer.storage.generation() == 0 and not list(writer.reports.root.glob("*"))


def test_write_expecting_another_version_is_a_conflict(writer: PartnerWriter) -> None:
    with pytest.raises(WriteConflict):
        writer.write(ACME, "t", GRAPH, parse_upload(BAD.encode(), "text/turtle", GRAPH), expect="0123456789abcdef")


def test_delete_removes_the_graph_and_refuses_what_is_not_there(writer: PartnerWriter) -> None:
    writer.storage.commit(GRAPH, list(parse_upload(GOOD.encode(), "text/turtle", GRAPH).triples), [])
    assert writer.delete(ACME, GRAPH).version is None
    assert writer.storage.graphs() == {}
    with pytest.raises(GraphNotFound):
        writer.delete(ACME, GRAPH)
    with pytest.raises(Forbidden):
        writer.delete(ACME, prefixes.GRAPH_PARTNER_PROVENANCE)


@pytest.mark.build
def test_write_may_refer_to_things_of_the_partners_earlier_graphs(
    partner_settings: Settings, gate: Gate, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A programme implemented by the partner's own organisation, stated in another of its graphs: the served lookup
    gives the organisation's type (mig:implementedBy needs an agent), and nothing is reported about it here."""
    from server import unions
    from server.partners.writer import ServedLookup
    from server.pipeline.load import load_all

    settings = partner_settings.model_copy(update={"state_dir": tmp_path_factory.mktemp("var")})
    storage = PartnerStorage(settings.partner_graphs_dir)
    writer = PartnerWriter(settings, ServedLookup(unions.of(load_all(partner_settings).quads), storage), gate)
    org, orgs = "https://example.org/agency/organisation/1", ACME.graphs + "organisations"
    organisation = f'<{org}> a <{prefixes.MIG}Organisation> ; <{prefixes.RDFS}label> "Agencia Nacional"@es .'
    assert writer.write(ACME, "t", orgs, parse_upload(organisation.encode(), "text/turtle", orgs)).accepted
    implemented = GOOD.replace(" .", f" ; <{prefixes.MIG}implementedBy> <{org}> .")
    outcome = writer.write(ACME, "t", GRAPH, parse_upload(implemented.encode(), "text/turtle", GRAPH))
    assert outcome.accepted, outcome.report.serialize("text/turtle").decode()
    assert all(r.focus != org for r in outcome.report.results())
    elsewhere = prefixes.GRAPH_PARTNER + "acme/unknown-org"
    unknown = implemented.replace("organisation/1", "organisation/2")
    rejected = writer.write(ACME, "t", elsewhere, parse_upload(unknown.encode(), "text/turtle", elsewhere))
    assert not rejected.accepted  # an agent nobody describes is no agent
