"""The SPARQL rules add what SPARQL users need: superclasses, inverses, transitive and membership values."""

from __future__ import annotations

from pyoxigraph import RdfFormat, Triple, parse

from server.pipeline.materialise import materialise
from server.settings import REPO_ROOT

ONTOLOGY = [Triple(q.subject, q.predicate, q.object) for q in parse(path=str(REPO_ROOT / "ontology" / "migkg.ttl"))]
ID = "https://w3id.org/migkg/id/"
MIG = "https://w3id.org/migkg/def#"


def facts(turtle: str) -> list[Triple]:
    head = f"@prefix mig: <{MIG}> . @base <{ID}> .\n"
    return [Triple(q.subject, q.predicate, q.object) for q in parse((head + turtle).encode(), format=RdfFormat.TURTLE)]


def has(inferred: set[Triple], s: str, p: str, o: str) -> bool:
    return any(t.subject.value == ID + s and t.predicate.value == p and str(t.object.value) == o for t in inferred)


def test_materialise_adds_superclass_types() -> None:
    inferred = materialise(ONTOLOGY, facts("<event/w> a mig:Workshop ."))
    assert has(inferred, "event/w", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", MIG + "Event")


def test_materialise_adds_inverse_values() -> None:
    inferred = materialise(ONTOLOGY, facts("<event/w> mig:organisedBy <organisation/o> ."))
    assert has(inferred, "organisation/o", MIG + "organised", ID + "event/w")


def test_materialise_closes_transitive_sub_organisation_and_its_super_property() -> None:
    inferred = materialise(
        ONTOLOGY,
        facts(
            "<organisation/a> mig:subOrganisationOf <organisation/b> ."
            "<organisation/b> mig:subOrganisationOf <organisation/c> ."
        ),
    )
    assert has(inferred, "organisation/a", MIG + "subOrganisationOf", ID + "organisation/c")
    assert has(inferred, "organisation/a", MIG + "partOf", ID + "organisation/c")
    assert has(inferred, "organisation/c", MIG + "hasSubOrganisation", ID + "organisation/a")


def test_materialise_derives_observer_of_from_a_membership_node() -> None:
    inferred = materialise(
        ONTOLOGY,
        facts(
            "<membership/m> mig:memberAgent <organisation/a> ; mig:membershipOrganisation <organisation/b> ;"
            " mig:membershipRole mig:roleObserver ."
        ),
    )
    assert has(inferred, "organisation/a", MIG + "observerOf", ID + "organisation/b")
    assert not has(inferred, "organisation/a", MIG + "memberOf", ID + "organisation/b")


def test_materialise_never_returns_asserted_triples() -> None:
    given = facts("<event/w> a mig:Workshop , mig:Event .")
    assert not set(given) & materialise(ONTOLOGY, given)
