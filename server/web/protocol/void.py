"""VoID (https://www.w3.org/TR/void/) at ``/.well-known/void``: the dataset, its class and property
partitions, its links to Wikidata and GeoNames, its dumps, SPARQL endpoint and licence.

``STATISTICS`` are run once per release and generation of partner graphs (``statistics``); ``description`` is a
pure function of their rows, of the partner graphs (each a ``void:subset`` with its size, agency and date, counted in
the dataset's totals; their dump) and of the URLs the client used. The class and property partitions are the
triples of ``graph/void``, which the store computes and the endpoint serves (``server.partitions``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

import pyoxigraph as ox

from server import prefixes
from server.release import FileInfo, Release
from server.web.deps import Queries, Row
from server.web.partners import DUMP as PARTNER_DUMP
from server.web.partners import Catalogue
from server.web.protocol import service_description

LICENSE = "https://creativecommons.org/licenses/by/4.0/"
LINK_TARGETS = {"wikidata": prefixes.WD, "geonames": prefixes.GEONAMES}

STATISTICS: dict[str, str] = {
    # The partitions as the store computed them (server.partitions), every triple of graph/void.
    "partitions": f"SELECT ?s ?p ?o WHERE {{ GRAPH <{prefixes.GRAPH_VOID}> {{ ?s ?p ?o }} }}",
    "entities": f'SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{prefixes.ID}")) }}',
    **{
        name: f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{prefixes.SKOS}exactMatch> ?o "
        f'FILTER(STRSTARTS(STR(?o), "{target}")) }}'
        for name, target in LINK_TARGETS.items()
    },
}

DUMPS_PREFIX = "dumps/"
_TYPE = ox.NamedNode(prefixes.RDF + "type")
_INTEGER = ox.NamedNode(prefixes.XSD + "integer")
_DATE_TIME = ox.NamedNode(prefixes.XSD + "dateTime")


async def statistics(queries: Queries, generation: int) -> dict[str, list[Row]]:
    """The VoID statistics of this release with the partner graphs of ``generation``, computed once and kept until
    the partner graphs change (the release never does)."""
    service = queries.service
    if service.void_statistics is None or service.void_statistics[0] != generation:
        service.void_statistics = (generation, {name: await queries.rows(q) for name, q in STATISTICS.items()})
    return service.void_statistics[1]


def dumps(release: Release | None) -> dict[str, FileInfo]:
    """The release's dumps by file name (``migkg.trig.gz``), with their sizes and checksums."""
    files = release.metadata.files if release is not None else {}
    return {name.removeprefix(DUMPS_PREFIX): info for name, info in files.items() if name.startswith(DUMPS_PREFIX)}


def _v(name: str) -> ox.NamedNode:
    return ox.NamedNode(prefixes.VOID + name)


def _dc(name: str) -> ox.NamedNode:
    return ox.NamedNode(prefixes.DCTERMS + name)


def _count(n: int | str) -> ox.Literal:
    return ox.Literal(str(n), datatype=_INTEGER)


def description(
    base_url: str,
    base_iri: str,
    release: Release | None,
    stats: Mapping[str, Sequence[Row]],
    partners: Catalogue | None = None,
) -> Iterator[ox.Triple]:
    dataset = ox.NamedNode(base_iri + "dataset")
    yield ox.Triple(dataset, _TYPE, _v("Dataset"))
    yield ox.Triple(dataset, _dc("title"), ox.Literal("Migration Governance Knowledge Graph", language="en"))
    yield ox.Triple(dataset, _dc("title"), ox.Literal("Grafo de Conocimiento de Gobernanza Migratoria", language="es"))
    yield ox.Triple(dataset, _dc("description"), ox.Literal(
        "Who met where, who committed to what, and which practices put it into effect in migration governance "
        "across the Americas and Ibero-America; every fact with the verbatim passage of the source that states it.",
        language="en"))  # fmt: skip
    yield ox.Triple(dataset, _dc("license"), ox.NamedNode(LICENSE))
    yield ox.Triple(dataset, _v("sparqlEndpoint"), ox.NamedNode(base_url + "sparql"))
    yield ox.Triple(dataset, _v("uriSpace"), ox.Literal(base_iri + "id/"))
    yield ox.Triple(dataset, _v("vocabulary"), ox.NamedNode(prefixes.ONTOLOGY_IRI))
    yield ox.Triple(dataset, _v("rootResource"), ox.NamedNode(base_iri + "id/"))
    partners = partners or Catalogue(0, {}, {})
    if release is not None:
        yield from _release(dataset, base_url, release, partners)
    yield from _partner_graphs(dataset, base_url, partners)
    yield from _partitions(dataset, stats)
    yield from _linksets(dataset, base_iri, stats)


def _release(dataset: ox.NamedNode, base_url: str, release: Release, partners: Catalogue) -> Iterator[ox.Triple]:
    """Size (with the partner graphs'), date (of the last change) and version of the release, and its dumps."""
    yield ox.Triple(dataset, _v("triples"), _count(release.metadata.triples + sum(partners.sizes.values())))
    changed = [release.metadata.created, *(g.modified for g in partners.graphs.values() if g.modified)]
    modified = max(changed, key=datetime.fromisoformat)
    yield ox.Triple(dataset, _dc("modified"), ox.Literal(modified, datatype=_DATE_TIME))
    yield ox.Triple(dataset, ox.NamedNode(prefixes.OWL + "versionInfo"), ox.Literal(release.id))
    for name in sorted(dumps(release)):
        yield ox.Triple(dataset, _v("dataDump"), ox.NamedNode(f"{base_url}download/{name}"))
    version = ox.NamedNode(release_url(base_url, release.id))
    yield ox.Triple(dataset, _dc("hasVersion"), version)
    yield from version_description(version, release)


def release_url(base_url: str, release_id: str) -> str:
    """Where a release is described (``/releases/<id>``); its dumps are below it (``dump_url``)."""
    return f"{base_url}releases/{release_id}"


def dump_url(base_url: str, release_id: str, name: str) -> str:
    return f"{release_url(base_url, release_id)}/dumps/{name}"


def version_description(version: ox.NamedNode, release: Release) -> Iterator[ox.Triple]:
    """The release served as a dataset of its own (``/releases/<id>``, which lists its dumps): immutable, so its
    size, date and content hash never change."""
    yield ox.Triple(version, _TYPE, _v("Dataset"))
    yield ox.Triple(version, ox.NamedNode(prefixes.OWL + "versionInfo"), ox.Literal(release.id))
    yield ox.Triple(version, _dc("created"), ox.Literal(release.metadata.created, datatype=_DATE_TIME))
    yield ox.Triple(version, _v("triples"), _count(release.metadata.triples))
    yield ox.Triple(version, _dc("identifier"), ox.Literal(f"sha256:{release.content_hash}"))


def _partner_graphs(dataset: ox.NamedNode, base_url: str, partners: Catalogue) -> Iterator[ox.Triple]:
    """Each partner graph as a subset (its size, agency and date), and the partner dump."""
    for graph in partners.graphs.values():
        subset = ox.NamedNode(graph.iri)
        yield ox.Triple(dataset, _v("subset"), subset)
        yield ox.Triple(subset, _TYPE, _v("Dataset"))
        yield ox.Triple(subset, _v("triples"), _count(partners.sizes.get(graph.iri, graph.triples)))
        yield from service_description.published_by(subset, graph)
    if partners.graphs:
        yield ox.Triple(dataset, _v("dataDump"), ox.NamedNode(f"{base_url}download/{PARTNER_DUMP}"))


def _partitions(dataset: ox.NamedNode, stats: Mapping[str, Sequence[Row]]) -> Iterator[ox.Triple]:
    """Entities, classes and properties: how many, and the partitions the store serves in ``graph/void`` (a
    partition per class, with the properties its instances use, and per property), which the endpoint also
    answers for (``void:inDataset`` says where)."""
    for row in stats.get("entities", []):
        yield ox.Triple(dataset, _v("entities"), _count(row["n"]["value"]))
    partitions = [_triple(row, dataset) for row in stats.get("partitions", [])]
    for kind, partition in (("classes", _v("classPartition")), ("properties", _v("propertyPartition"))):
        yield ox.Triple(dataset, _v(kind), _count(sum(t.subject == dataset and t.predicate == partition
                                                      for t in partitions)))  # fmt: skip
    yield ox.Triple(ox.NamedNode(prefixes.GRAPH_VOID), _v("inDataset"), dataset)
    yield from (t for t in partitions if t.predicate != _TYPE)


def _triple(row: Row, dataset: ox.NamedNode) -> ox.Triple:
    """A triple of ``graph/void`` from its SPARQL JSON row, its dataset node (``prefixes.DATASET``) as ``dataset``."""
    subject = ox.NamedNode(row["s"]["value"])
    obj = row["o"]
    value: ox.NamedNode | ox.Literal = (
        ox.NamedNode(obj["value"]) if obj["type"] == "uri"
        else ox.Literal(obj["value"], datatype=ox.NamedNode(obj.get("datatype", prefixes.XSD + "string")))
    )  # fmt: skip
    return ox.Triple(dataset if subject.value == prefixes.DATASET else subject, ox.NamedNode(row["p"]["value"]), value)


def _linksets(dataset: ox.NamedNode, base_iri: str, stats: Mapping[str, Sequence[Row]]) -> Iterator[ox.Triple]:
    """The links to Wikidata and GeoNames, as linksets."""
    for name, target in LINK_TARGETS.items():
        for row in stats.get(name, []):
            linkset = ox.NamedNode(f"{base_iri}dataset#links-{name}")
            yield ox.Triple(dataset, _v("subset"), linkset)
            yield ox.Triple(linkset, _TYPE, _v("Linkset"))
            yield ox.Triple(linkset, _v("subjectsTarget"), dataset)
            yield ox.Triple(linkset, _v("objectsTarget"), ox.NamedNode(target))
            yield ox.Triple(linkset, _v("linkPredicate"), ox.NamedNode(prefixes.SKOS + "exactMatch"))
            yield ox.Triple(linkset, _v("triples"), _count(row["n"]["value"]))
