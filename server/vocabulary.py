"""The terms of our ontology (``mig:``) as clients see them: what the query editor completes (with labels and
comments) and what a misspelt term is compared with ("did you mean mig:heldIn?").

Read from the served release's ontology graph (``TERMS_QUERY``), so the editor's completions and the endpoint's
suggestions always match the ontology being served; nothing comes from outside.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Final

from server import prefixes

KINDS: Final = {
    prefixes.OWL + "Class": "class",
    prefixes.OWL + "ObjectProperty": "property",
    prefixes.OWL + "DatatypeProperty": "property",
    prefixes.OWL + "AnnotationProperty": "property",
    prefixes.OWL + "NamedIndividual": "individual",
}
TERMS_QUERY: Final = (
    prefixes.sparql_header(("rdfs", "owl"))
    + f"""SELECT ?term ?kind ?label ?comment WHERE {{ GRAPH <{prefixes.GRAPH_ONTOLOGY}> {{
  VALUES ?kind {{ {" ".join(f"<{kind}>" for kind in KINDS)} }}
  ?term a ?kind .
  FILTER(STRSTARTS(STR(?term), "{prefixes.MIG}"))
  OPTIONAL {{ ?term rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en")) }}
  OPTIONAL {{ ?term rdfs:comment ?comment FILTER(LANGMATCHES(LANG(?comment), "en")) }}
}} }} ORDER BY ?term"""
)


@dataclass(frozen=True)
class Term:
    """One term of ``mig:``: its local name, IRI, kind (``class``, ``property`` or ``individual``), English label
    and comment."""

    name: str
    iri: str
    kind: str
    label: str = ""
    comment: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"term": f"mig:{self.name}", **asdict(self)}


@dataclass(frozen=True)
class Vocabulary:
    """The terms of ``mig:``, by local name."""

    terms: Mapping[str, Term]

    def __contains__(self, name: object) -> bool:
        return name in self.terms

    def nearest(self, name: str, count: int = 3) -> list[str]:
        """The local names closest to ``name``, best first: a name differing only in case, then difflib's.

        >>> words = Vocabulary({n: Term(n, prefixes.MIG + n, "property") for n in ("heldIn", "hostedBy", "held")})
        >>> words.nearest("heldin")
        ['heldIn', 'held']
        >>> words.nearest("xyz")
        []
        """
        same_case = [known for known in self.terms if known.casefold() == name.casefold()]
        close = difflib.get_close_matches(name, list(self.terms), n=count, cutoff=0.6)
        return list(dict.fromkeys([*same_case, *close]))[:count]


EMPTY: Final = Vocabulary({})


def from_rows(rows: Iterable[Mapping[str, Mapping[str, str]]]) -> Vocabulary:
    """A vocabulary from ``TERMS_QUERY``'s SPARQL JSON bindings (a term typed twice keeps its first kind)."""
    terms: dict[str, Term] = {}
    for row in rows:
        iri = row["term"]["value"]
        name = iri[len(prefixes.MIG) :]
        if name and name not in terms:
            text = {key: row[key]["value"] if key in row else "" for key in ("label", "comment")}
            terms[name] = Term(name, iri, KINDS.get(row["kind"]["value"], "property"), **text)
    return Vocabulary(terms)


def as_json(vocabulary: Vocabulary) -> list[dict[str, Any]]:
    """The terms as JSON objects, classes first, each kind sorted by name."""
    order = {"class": 0, "property": 1, "individual": 2}
    chosen = sorted(vocabulary.terms.values(), key=lambda t: (order.get(t.kind, 3), t.name.casefold()))
    return [term.as_json() for term in chosen]
