"""The facets that browse pages (``/browse``, ``/api/browse``) and the matrix narrow entities by: their model, the
query parameters that select their values, and the queries over a selection.

Entities are the things typed with one of our classes (``mig:``, excerpts aside). Six facets narrow them,
given as repeatable query parameters: AND across facets, OR within one. Each facet is defined once, below, as
SPARQL patterns pairing an entity ``?e`` with a value ``?v``, each pattern with the sentence the page shows:
the same table builds the filters, the counts, the matrix (``views.matrix``) and the page's definitions.

A facet value's count is the number of entities that have the value and match the selection in the *other*
facets (so it is what selecting that value alone in its facet would give).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from server import prefixes
from server.web.i18n import N_
from server.web.labels import iri_ref, iri_values

PAGE_SIZE = 50
MAX_VALUES = 20  # per facet in one request
HEAD = prefixes.sparql_header(("rdf", "rdfs", "xsd", "skos", "mig", "oa", "graph"))

# Entities: anything typed with one of our classes, except the excerpt graphs' own descriptions.
ENTITY = "?e a ?_class . FILTER(STRSTARTS(STR(?_class), STR(mig:)) && ?_class != mig:Excerpt)"
# The same in a sub-select of its own, for the total and the page: Virtuoso 7.2 joins the bare pattern with two
# facets' sub-selects wrongly (the OAS 2008 source and Colombia: 23 entities where there are 30, docs/stores.md).
# The counts keep the bare pattern (right on every store, and twice as fast on ours).
ENTITIES = f"{{ SELECT DISTINCT ?e WHERE {{ {ENTITY} }} }}"

_AGENT_ACTS = "mig:implementedBy|mig:organisedBy|mig:hostedBy|mig:entrusts|mig:adoptedBy"


@dataclass(frozen=True)
class Facet:
    """A facet: its parameter name, heading, and the patterns (sentence, SPARQL) that relate ``?e`` to ``?v``.

    A pattern may bind other variables (scoped: each facet runs as a sub-select); ``value_filter`` constrains
    the values (e.g. to countries); ``literal`` facets bind ``?v`` to an integer (years).
    """

    name: str
    label: str
    patterns: tuple[tuple[str, str], ...]
    value_filter: str = ""
    literal: bool = False

    def union(self) -> str:
        """The patterns as a UNION, the value filter inside each branch (measured: outside the UNION, the
        engine started from the filter and took 1.1 s for the countries; inside, 10 ms)."""
        return " UNION ".join(f"{{ {sparql} . {self.value_filter} }}" for _, sparql in self.patterns)

    def pairs(self) -> str:
        """``SELECT DISTINCT ?e ?v``: every entity and its values in this facet."""
        return f"{{ SELECT DISTINCT ?e ?v WHERE {{ {self.union()} }} }}"

    def having(self, values: Sequence[str]) -> str:
        """A group matching the entities (``?e``) with any of ``values`` (already validated SPARQL terms)."""
        if self.literal:
            return f"{{ SELECT DISTINCT ?e WHERE {{ {self.pairs()} FILTER(?v IN ({', '.join(values)})) }} }}"
        return f"{{ SELECT DISTINCT ?e WHERE {{ VALUES ?v {{ {' '.join(values)} }} {self.union()} }} }}"


FACETS: tuple[Facet, ...] = (
    Facet(
        "type",
        N_("Type"),
        ((N_("has the class, stated or inferred as a superclass (graph/inferred)"), "?e a ?v"),),
        "FILTER(STRSTARTS(STR(?v), STR(mig:)) && ?v != mig:Excerpt)",
    ),
    Facet(
        "topic",
        N_("Topic"),
        ((N_("addresses the topic (mig:addressesTopic; broader topics are not implied)"), "?e mig:addressesTopic ?v"),),
    ),
    Facet(
        "country",
        N_("Country"),
        (
            (
                N_("is implemented in, held in, based in or measured in (figures) the country or a place in it"),
                "?e mig:implementedIn|mig:heldIn|mig:basedIn|mig:statisticScope ?_place . ?_place mig:locatedIn? ?v",
            ),
            (N_("benefits the country (mig:beneficiaryCountry)"), "?e mig:beneficiaryCountry ?v"),
            (
                N_("is under the country's jurisdiction (government bodies, laws) or located in it (places)"),
                "?e mig:jurisdiction|mig:lawJurisdiction|mig:locatedIn ?v",
            ),
            (
                N_(
                    "is implemented, organised or hosted by, entrusted to or adopted by a body under the country's "
                    "jurisdiction (its government, ministries, agencies)"
                ),
                f"?e {_AGENT_ACTS} ?_body . ?_body mig:jurisdiction ?v",
            ),
            (N_("is an item of a document adopted by such a body"), "?e mig:itemOf/mig:adoptedBy/mig:jurisdiction ?v"),
            (
                N_(
                    "was adopted at an event (or a session or ceremony of one) held in the country or a place in it, "
                    "or is an item of a document that was (commitments, declarations, conclusions, recommendations)"
                ),
                "?e mig:adoptedAt|(mig:itemOf/mig:adoptedAt) ?_event . "
                "?_event (mig:sessionOf|mig:partOf)?/mig:heldIn ?_at . ?_at mig:locatedIn? ?v",
            ),
            (
                N_("is an organisation of which such a body is a member"),
                "?_member mig:memberOf ?e ; mig:jurisdiction ?v",
            ),
        ),
        "?v a mig:Country .",
    ),
    Facet(
        "organisation",
        N_("Organisation"),
        (
            (
                N_(
                    "was organised, hosted, chaired, co-chaired, supported or convened by it, or had it as "
                    "collaborator (events)"
                ),
                "?e mig:organisedBy|mig:hostedBy|mig:chairedBy|mig:coChairedBy|mig:supportedBy|mig:convenedUnder"
                "|mig:collaborator ?_agent",
            ),
            (
                N_("was implemented, funded, promoted or presented by it, or had it as partner (practices, projects)"),
                "?e mig:implementedBy|mig:fundedBy|mig:promotedBy|mig:presentedBy|mig:partner ?_agent",
            ),
            (
                N_(
                    "was published, written or adopted by it (documents, and the items of a document it adopted), "
                    "or stated by it (figures)"
                ),
                "?e mig:publishedBy|mig:author|mig:adoptedBy|mig:statedBy|(mig:itemOf/mig:adoptedBy) ?_agent",
            ),
            (N_("entrusts it with something (commitment items)"), "?e mig:entrusts ?_agent"),
            (N_("is one of its units (mig:subOrganisationOf)"), "?e mig:subOrganisationOf ?_agent"),
        ),
        # … by the organisation itself or by one of its units (subOrganisationOf is transitive, inferred).
        "?_agent mig:subOrganisationOf? ?v . ?v a mig:Organisation .",
    ),
    Facet(
        "source",
        N_("Source"),
        (
            (
                N_("appears, as subject or object of a fact, in a passage quoted from the source (graph/provenance)"),
                "GRAPH ?_g { { ?e ?_p ?_o } UNION { ?_s ?_p ?e } } GRAPH graph:provenance { ?_g oa:hasSource ?v }",
            ),
        ),
    ),
    Facet(
        "year",
        N_("Year"),
        (
            (
                N_("starts or is dated in the year (mig:startDate, mig:date)"),
                "?e mig:startDate|mig:date ?_date . BIND(xsd:integer(SUBSTR(STR(?_date), 1, 4)) AS ?v)",
            ),
        ),
        "FILTER(BOUND(?v))",
        literal=True,
    ),
)
FACET_BY_NAME = {f.name: f for f in FACETS}
COUNTRY, TOPIC = FACET_BY_NAME["country"], FACET_BY_NAME["topic"]

_YEAR = re.compile(r"[0-9]{4}")


class BadParameter(ValueError):
    """A malformed facet value or page number: the page answers 400 and says which."""


def expand(value: str, base: str) -> str:
    """A facet value as an IRI: a full ``http(s)`` IRI, or a compact one with one of our prefixes
    (``country:ecu``, ``mig:Practice``; ``prefixes.compact`` with ``PATH_LOCAL`` writes them). Raises
    ``BadParameter`` for anything else.

    >>> expand("country:ecu", "http://127.0.0.1:8000/")
    'http://127.0.0.1:8000/id/country/ecu'
    >>> try:
    ...     expand("oas", "https://w3id.org/migkg/")
    ... except BadParameter as error:
    ...     print(error)
    not an IRI or a compact IRI with a known prefix: 'oas'
    """
    if value.startswith(("http://", "https://")) and len(value) <= 500:
        try:
            iri_ref(value)
        except ValueError:
            raise BadParameter(f"not an IRI: {value!r}") from None
        return value
    name, colon, local = value.partition(":")
    spaces = prefixes.namespaces(base)
    if colon and name in spaces and prefixes.PATH_LOCAL.fullmatch(local):
        return spaces[name] + local
    raise BadParameter(f"not an IRI or a compact IRI with a known prefix: {value!r}")


@dataclass
class Selection:
    """The facet values asked for: facet name → values (IRIs, or years as decimal strings), in order."""

    values: dict[str, list[str]] = field(default_factory=dict)
    page: int = 1

    def terms(self, name: str) -> list[str]:
        """The values of one facet as SPARQL terms."""
        if FACET_BY_NAME[name].literal:
            return [str(int(v)) for v in self.values.get(name, [])]
        return [iri_ref(v) for v in self.values.get(name, [])]

    def filters(self, without: str | None = None) -> str:
        return " ".join(FACET_BY_NAME[name].having(self.terms(name)) for name in self.values if name != without)

    def params(self, base: str) -> list[tuple[str, str]]:
        return [(name, v if FACET_BY_NAME[name].literal else prefixes.compact(v, base, local=prefixes.PATH_LOCAL))
                for name, vs in self.values.items() for v in vs]  # fmt: skip

    def toggled(self, name: str, value: str) -> Selection:
        """This selection with ``value`` added to facet ``name``, or removed if it was there (page 1)."""
        values = {n: list(vs) for n, vs in self.values.items()}
        current = values.setdefault(name, [])
        if value in current:
            current.remove(value)
        else:
            current.append(value)
        return Selection({n: vs for n, vs in values.items() if vs})

    def url(self, base: str, path: str = "/browse", page: int = 1) -> str:
        params = self.params(base) + ([("page", str(page))] if page > 1 else [])
        return path + ("?" + urlencode(params) if params else "")


def parse(items: Iterable[tuple[str, str]], base: str) -> Selection:
    """The selection from query parameters; other parameters are ignored, empty values skipped."""
    selection = Selection()
    for key, raw in items:
        value = raw.strip()
        if key == "page":
            if not value.isdigit() or not 1 <= int(value) <= 10_000:
                raise BadParameter(f"page must be a whole number from 1 to 10000, not {raw!r}")
            selection.page = int(value)
            continue
        if key not in FACET_BY_NAME or not value:
            continue
        if FACET_BY_NAME[key].literal:
            if not _YEAR.fullmatch(value):
                raise BadParameter(f"{key} must be a year of four digits, not {raw!r}")
            value = str(int(value))
        else:
            value = expand(value, base)
        chosen = selection.values.setdefault(key, [])
        if value not in chosen:
            chosen.append(value)
        if len(chosen) > MAX_VALUES:
            raise BadParameter(f"at most {MAX_VALUES} values of {key} at once")
    return selection


def total_query(selection: Selection) -> str:
    return HEAD + f"SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE {{ {ENTITIES} {selection.filters()} }}"


def page_query(selection: Selection, language: str) -> str:
    """One page of the entities, ordered by their label in ``language`` (else any label, else the IRI)."""
    offset = (selection.page - 1) * PAGE_SIZE
    return HEAD + (
        f"SELECT ?e (MIN(LCASE(STR(COALESCE(?_l1, ?_l2, ?e)))) AS ?key) WHERE {{ "
        f"{{ SELECT DISTINCT ?e WHERE {{ {ENTITIES} {selection.filters()} }} }} "
        f'OPTIONAL {{ ?e rdfs:label ?_l1 FILTER(LANG(?_l1) = "{language}") }} OPTIONAL {{ ?e rdfs:label ?_l2 }} '
        f"}} GROUP BY ?e ORDER BY ?key ?e LIMIT {PAGE_SIZE} OFFSET {offset}"
    )


def counts_query(selection: Selection, facets: Sequence[Facet] = FACETS) -> str:
    """The facets' values with their counts under the selection in the other facets: one query."""
    branches = [
        f'{{ BIND("{facet.name}" AS ?f) {facet.pairs()} {{ SELECT DISTINCT ?e WHERE {{ {ENTITY} '
        f"{selection.filters(without=facet.name)} }} }} }}"
        for facet in facets
    ]
    return HEAD + f"SELECT ?f ?v (COUNT(DISTINCT ?e) AS ?n) WHERE {{ {' UNION '.join(branches)} }} GROUP BY ?f ?v"


def known_query(selection: Selection) -> str:
    """Which selected values any entity has at all (to tell an unknown value from an empty combination)."""
    branches = [f'{{ BIND("{name}" AS ?f) {FACET_BY_NAME[name].pairs()} '
                f"FILTER(?v IN ({', '.join(selection.terms(name))})) }}" for name in selection.values]  # fmt: skip
    return HEAD + f"SELECT DISTINCT ?f ?v WHERE {{ {' UNION '.join(branches)} }}"


def types_query(entities: Iterable[str]) -> str:
    """The most specific of our classes of each entity."""
    return HEAD + (
        f"SELECT DISTINCT ?e ?t WHERE {{ VALUES ?e {{ {iri_values(entities)} }} ?e a ?t . "
        "FILTER(STRSTARTS(STR(?t), STR(mig:))) "
        "FILTER NOT EXISTS { ?e a ?sub . ?sub rdfs:subClassOf ?t FILTER(?sub != ?t) } }"
    )
