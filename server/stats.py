"""What a release contains: triples per graph, instances per class, per source, and the share of quoted facts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import QuerySolutions, Store

from server import prefixes
from server.store.embedded import load_snapshot

HEAD = prefixes.sparql_header(("mig", "oa", "rdf"))

INSTANCES_PER_CLASS = (
    HEAD
    + """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class . FILTER(STRSTARTS(STR(?class), STR(mig:))) }
GROUP BY ?class ORDER BY DESC(?n) ?class"""
)

INSTANCES_PER_CLASS_PER_SOURCE = (
    HEAD
    + f"""
SELECT ?source ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {{
  GRAPH <{prefixes.GRAPH_PROVENANCE}> {{ ?g a mig:Excerpt ; oa:hasSource ?source }}
  GRAPH ?g {{ ?s a ?class }}
}} GROUP BY ?source ?class ORDER BY ?source DESC(?n) ?class"""
)

EXCERPTS_PER_SOURCE = (
    HEAD
    + f"""
SELECT ?source (COUNT(DISTINCT ?g) AS ?excerpts) (COUNT(*) AS ?facts) WHERE {{
  GRAPH <{prefixes.GRAPH_PROVENANCE}> {{ ?g a mig:Excerpt ; oa:hasSource ?source }}
  GRAPH ?g {{ ?s ?p ?o }}
}} GROUP BY ?source ORDER BY ?source"""
)

# A "fact" is an asserted triple about a curated entity: a subject under /id/, in any graph but the inferred
# one, the reference graphs, and our own vocabularies and findings (topics, source metadata, discrepancies).
QUOTED_SHARE = (
    HEAD
    + f"""
SELECT (COUNT(*) AS ?facts) (SUM(IF(?quoted, 1, 0)) AS ?withQuote) WHERE {{
  GRAPH ?g {{ ?s ?p ?o }}
  FILTER(STRSTARTS(STR(?s), "{prefixes.ID}") && ?g NOT IN (<{prefixes.GRAPH_INFERRED}>, <{prefixes.GRAPH_MENTIONS}>)
         && !STRSTARTS(STR(?g), "{prefixes.GRAPH_REFERENCE}")
         && ?g NOT IN (<{prefixes.GRAPH_TOPICS}>, <{prefixes.GRAPH_SOURCES}>, <{prefixes.GRAPH_DISCREPANCIES}>))
  BIND(EXISTS {{ GRAPH <{prefixes.GRAPH_PROVENANCE}> {{ ?g a mig:Excerpt ; oa:hasSelector ?sel }} }} AS ?quoted)
}}"""
)


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]]


def _short(term: object) -> str:
    """A cell of a table: IRIs written short by the one compaction (``prefixes.compact``), other terms as values.

    >>> from pyoxigraph import Literal, NamedNode
    >>> _short(NamedNode(prefixes.GRAPH_REFERENCE + "pycountry")), _short(Literal("62"))
    ('graph:reference/pycountry', '62')
    """
    value = getattr(term, "value", str(term))
    return prefixes.compact(value, local=prefixes.PATH_LOCAL) if "://" in value else value


def _table(store: Store, title: str, query: str) -> Table:
    result = store.query(query)
    assert isinstance(result, QuerySolutions)
    columns = tuple(v.value for v in result.variables)
    rows = [tuple(_short(row[c]) if row[c] is not None else "" for c in columns) for row in result]
    return Table(title, columns, rows)


def load(snapshot: Path) -> Store:
    return load_snapshot(snapshot)


def graph_rows(graphs: dict[str, int]) -> list[tuple[str, ...]]:
    """Triples per named graph; the many excerpt graphs are summed into one row."""
    excerpts = {g: n for g, n in graphs.items() if g.startswith(prefixes.EXCERPT)}
    rows: list[tuple[str, ...]] = [(_short(g), str(n)) for g, n in graphs.items() if g not in excerpts]
    if excerpts:
        rows.append((f"excerpt:* ({len(excerpts)} graphs)", str(sum(excerpts.values()))))
    rows.append(("total", str(sum(graphs.values()))))
    return rows


def compute(store: Store, graphs: dict[str, int]) -> list[Table]:
    return [
        Table("Triples per graph", ("graph", "triples"), graph_rows(graphs)),
        _table(store, "Instances per class (asserted and inferred types)", INSTANCES_PER_CLASS),
        _table(store, "Excerpts and facts per source", EXCERPTS_PER_SOURCE),
        _table(
            store,
            "Instances per class per source (types stated in that source's excerpts)",
            INSTANCES_PER_CLASS_PER_SOURCE,
        ),
        _table(store, "Facts about curated entities carrying a quote", QUOTED_SHARE),
    ]


def render(tables: list[Table]) -> str:
    out: list[str] = []
    for t in tables:
        widths = [max(len(c), *(len(r[i]) for r in t.rows)) if t.rows else len(c) for i, c in enumerate(t.columns)]
        out.append(f"\n{t.title}")
        out.append("  ".join(c.ljust(w) for c, w in zip(t.columns, widths, strict=True)))
        out.append("  ".join("-" * w for w in widths))
        out += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in t.rows]
    return "\n".join(out) + "\n"
