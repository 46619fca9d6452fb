"""Which rule produced an inferred statement (one in ``graph/inferred``), so a page can say so and link to the
ontology term whose axiom licenses it (``/def/<term>``).

The build does not record a rule per triple: ``graph/inferred`` holds what the reasoner (Pellet) and the SPARQL
rules of ``server/pipeline/materialise.py`` (subclass, subproperty, inverse, transitive, domain, range,
membership) add, described once in ``graph/provenance``. The rule is found again here from the ontology and the
stated facts, with the same patterns as those rules: the first that explains the statement names it; a statement
none explains is the reasoner's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from server import prefixes
from server.web.deps import Row
from server.web.labels import iri_ref, local_name
from server.web.views.discrepancies import statement_key

HEAD = prefixes.sparql_header(("rdf", "rdfs", "owl", "mig", "graph"))
REASONER = "reasoner"
# The rules in the order they are tried: the first that explains a statement names it.
ORDER = ("inverse", "subproperty", "transitive", "subclass", "domain", "range", "membership")


def rules_query(entity: str) -> str:
    """``?p ?o ?rule ?via``: for each statement about ``entity`` in graph/inferred, a rule that explains it and
    the term it rests on (``?via``: the stated property, the subclass, the transitive property…)."""
    e = iri_ref(entity)
    inferred = f"GRAPH graph:inferred {{ {e} ?p ?o }}"
    # The type rules name rdf:type in the pattern and bind ?p after it: Virtuoso 7.2 cannot compile these branches
    # in one UNION with FILTER(?p = rdf:type) in each (SP031 "equiv replaces filter but under deprecation").
    typed = f"GRAPH graph:inferred {{ {e} a ?o }} BIND(rdf:type AS ?p)"
    stated = "FILTER(?_g != graph:inferred)"
    branches = (
        f"{inferred} {{ ?p owl:inverseOf ?via }} UNION {{ ?via owl:inverseOf ?p }} "
        f'GRAPH ?_g {{ ?o ?via {e} }} {stated} BIND("inverse" AS ?rule)',
        f"{inferred} ?via rdfs:subPropertyOf ?p FILTER(?via != ?p) GRAPH ?_g {{ {e} ?via ?o }} {stated} "
        'BIND("subproperty" AS ?rule)',
        f"{inferred} ?p a owl:TransitiveProperty . {e} ?p ?_y . ?_y ?p ?o FILTER(?_y != ?o) BIND(?p AS ?via) "
        'BIND("transitive" AS ?rule)',
        f'{typed} {e} a ?via . ?via rdfs:subClassOf ?o FILTER(?via != ?o) BIND("subclass" AS ?rule)',
        f'{typed} ?via rdfs:domain ?o ; a owl:ObjectProperty . {e} ?via ?_x BIND("domain" AS ?rule)',
        f'{typed} ?via rdfs:range ?o ; a owl:ObjectProperty . ?_x ?via {e} BIND("range" AS ?rule)',
        f"VALUES ?p {{ mig:memberOf mig:observerOf }} {inferred} BIND(mig:membershipRole AS ?via) "
        'BIND("membership" AS ?rule)',
    )
    return HEAD + "SELECT DISTINCT ?p ?o ?rule ?via WHERE { " + " UNION ".join(f"{{ {b} }}" for b in branches) + " }"


@dataclass(frozen=True)
class Rule:
    """A rule of the build and the ontology term it rests on."""

    name: str  # one of ORDER, or REASONER
    via: str = ""  # the term's IRI
    via_label: str = ""

    @property
    def definition(self) -> str:
        """The page of the term (``/def/<name>``), for our own terms."""
        return "/def/" + self.via.removeprefix(prefixes.MIG) if self.via.startswith(prefixes.MIG) else ""


def rules_by_statement(
    rows: Iterable[Row], label: Callable[[str], str]
) -> dict[tuple[str, tuple[str, str, str]], Rule]:
    """(property, value key) → the first rule (in ``ORDER``) that explains the inferred statement, with the
    name (``label``) of the term it rests on."""
    found: dict[tuple[str, tuple[str, str, str]], Rule] = {}
    ranked = sorted(rows, key=lambda r: (ORDER.index(r["rule"]["value"]), r["via"]["value"]))
    for row in ranked:
        key = (row["p"]["value"], statement_key(row["o"]))
        if key not in found:
            via = row["via"]["value"]
            found[key] = Rule(row["rule"]["value"], via, label(via) or local_name(via))
    return found
