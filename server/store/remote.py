"""A release served from an existing SPARQL store over the standard protocols: SPARQL 1.1 Protocol (queries),
Update, and the Graph Store Protocol (whole graphs), so any conforming store will do (tested: Virtuoso 7 and the
Oxigraph server; their quirks are in docs/stores.md).

* **Publishing** (``publish``, run by ``migkg build`` with ``MIGKG_STORE=remote``): every graph of the snapshot is
  replaced graph by graph, in parts of ``PUBLISH_PART`` triples (GSP ``PUT`` then ``POST``, or ``DROP SILENT GRAPH``
  + ``INSERT DATA`` then ``INSERT DATA`` without a Graph Store URL; a blank node's triples in one part), graphs
  of an older release the new one lacks are dropped (partner graphs are kept), and the union graph ``UNION_GRAPH``
  is put as the RDF merge of them all, formed in an on-disk staging store (a set: a triple two graphs state is there
  once). The counts per graph are then read back and compared with the release metadata (``PublishError`` names
  every difference).
* **Queries** are parsed here first by pyoxigraph over an empty store, with our prefixes predeclared: a syntax error
  is the same as on the embedded store, the query form picks the media type before anything is sent, and the
  protocol's rules are ours whatever the store. The store is asked for SPARQL JSON (solutions, booleans) or
  N-Triples (graphs), with our prefixes written into the text, and the answer is normalised (Virtuoso's
  ``typed-literal`` and ``nodeID://`` blank nodes, its ASK as a one-row SELECT) and serialized again by pyoxigraph in
  the format asked for, cut at the result limits (``server.store.results``).
* **The default graph** is the union graph: a query without a dataset of its own is sent with ``FROM UNION_GRAPH``
  and a ``FROM NAMED`` for every graph we serve that it can reach, written into its text (``dataset_request``; so
  ``GRAPH ?g`` sees ours, not the union graph nor the store's system graphs): all of them when a ``GRAPH`` takes a
  variable, those it names when each ``GRAPH`` names one, none (``NO_GRAPH``) without ``GRAPH``
  (``reachable_graphs``: the list costs the store on every query); a query with FROM / FROM NAMED is sent as it is;
  a protocol dataset is passed on as parameters, an empty part of it as ``NO_GRAPH`` (an absent part means "none",
  which a store reads as "all").
* **Partner graphs** are written through: before every query the partner storage's generation is compared with
  the one written, and the graphs a commit changed are put into the store and into the union graph (withdrawn
  first, then included: a fact the release also states stays), a readers-writer lock keeping queries of this
  process from seeing half of it; the VoID partitions are then counted again in a thread of their own, into a
  staging graph moved into ``graph/void`` in one update, so queries wait for the data, not for the counts (at 1M
  over Virtuoso: 4 s for the data, 20 s for the counts).
* **HTTP**: one pooled httpx client; a connect timeout and a per-request read deadline (the query timeout; our own
  updates, graph writes, counts and partner reads: ``MIGKG_STORE_WRITE_TIMEOUT``, 600 s);
  connection failures and 502/503/504 are retried with exponential backoff, never a 4xx; a store that stays
  unreachable is ``StoreUnavailable`` naming its URL, and so is one refusing our requests (401, 403: ``refused``).
  Credentials go only in the ``Authorization`` header (basic or digest auth) and never into a message or log line:
  only URLs without user info are named.
"""

from __future__ import annotations

import io
import json
import logging
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final
from urllib.parse import urlsplit, urlunsplit

import httpx
import pyoxigraph as ox

from server import media, partitions, prefixes
from server.media import QueryForm
from server.settings import Settings
from server.store import results, sparql_text
from server.store.base import (
    Dataset,
    InvalidDataset,
    NotAcceptable,
    QueryCancelled,
    QueryFailed,
    QueryOutcome,
    QuerySyntaxError,
    QueryTimeout,
    ResultLimits,
    StoreError,
    StoreUnavailable,
    UnsupportedQuery,
    UpdateForbidden,
)
from server.store.embedded import NO_FEDERATION, ReadersWriter, on_disk_union
from server.store.partners import EMPTY, PartnerGraphs, PartnerSnapshot

log = logging.getLogger(__name__)

UNION_GRAPH: Final = "urn:migkg:union-default-graph"
NO_GRAPH: Final = "urn:migkg:no-graph"  # stands for an empty part of a protocol dataset
RETRIED_STATUSES: Final = frozenset({502, 503, 504})
REFUSED_STATUSES: Final = frozenset({401, 403})  # our credentials or their rights: the deployment's to fix
ATTEMPTS: Final = 4
BACKOFF: Final = 0.25  # seconds before the first retry, doubled for each next one
CONNECT_TIMEOUT: Final = 5.0
WRITE_TIMEOUT: Final[float] = Settings.model_fields["store_write_timeout"].default  # MIGKG_STORE_WRITE_TIMEOUT
PROBE_TIMEOUT: Final = 2.0  # /healthz's ASK {}: a balancer polls it, and a store slower than this is not ready
CHUNK: Final = 65_536
PUBLISH_PART: Final = 50_000  # triples per request when a graph is published (``parts``)
_GRAPH_ACCEPT: Final = media.N_TRIPLES.media_type
_RESULTS_ACCEPT: Final = media.SPARQL_JSON.media_type
_COUNTS: Final = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
_VIRTUOSO_BNODE: Final = "nodeID://"
XSD_STRING: Final = prefixes.XSD + "string"


class PublishError(RuntimeError):
    """The store does not hold the release as published: the message names each graph whose count differs."""


@dataclass(frozen=True, repr=False)
class Endpoints:
    """Where the store answers (``gsp`` None: whole graphs are written with SPARQL Update) and who we are to it."""

    query: str
    update: str
    gsp: str | None = None
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0
    write_timeout: float = WRITE_TIMEOUT
    digest: bool = False  # the user signs in with HTTP digest, not basic

    @classmethod
    def of(cls, settings: Settings) -> Endpoints:
        """The store's endpoints as configured (``MIGKG_STORE_*``)."""
        assert settings.store_query_url is not None  # checked by Settings when MIGKG_STORE=remote
        password = settings.store_password.get_secret_value() if settings.store_password else None
        return cls(
            settings.store_query_url,
            settings.store_update_url or settings.store_query_url,
            settings.store_gsp_url,
            settings.store_user,
            password,
            settings.query_timeout,
            settings.store_write_timeout,
            settings.store_auth == "digest",
        )

    def __repr__(self) -> str:  # never the password
        return f"Endpoints(query={self.query!r}, update={self.update!r}, gsp={self.gsp!r}, user={self.user!r})"

    @property
    def auth(self) -> httpx.Auth | None:
        if not self.user:
            return None
        scheme = httpx.DigestAuth if self.digest else httpx.BasicAuth
        return scheme(self.user, self.password or "")


def refused(url: str, status: int) -> str:
    """Why the store would not let us in, naming what to check (neither the user nor the password).

    >>> refused("http://dba:pw@127.0.0.1:8890/sparql-auth", 401)[:74]
    'The SPARQL store at http://127.0.0.1:8890/sparql-auth refused our requests'
    """
    return (
        f"The SPARQL store at {shown(url)} refused our requests (HTTP {status}): the service's credentials for it "
        "or their rights there need fixing (MIGKG_STORE_USER, MIGKG_STORE_PASSWORD, MIGKG_STORE_AUTH)."
    )


def _names_blank_node(triple: ox.Triple) -> bool:
    return isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)


def shown(url: str) -> str:
    """``url`` as it may be logged or shown: without user info (credentials never leave the header).

    >>> shown("http://dba:secret@127.0.0.1:8890/sparql?x=1")
    'http://127.0.0.1:8890/sparql'
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    netloc += f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class Remote:
    """One pooled HTTP client to a store's endpoints, with retries on transient failures only."""

    def __init__(self, endpoints: Endpoints) -> None:
        self.endpoints = endpoints
        timeout = httpx.Timeout(endpoints.timeout, connect=CONNECT_TIMEOUT)
        limits = httpx.Limits(max_connections=32, max_keepalive_connections=8)
        self._client = httpx.Client(auth=endpoints.auth, timeout=timeout, limits=limits, trust_env=False)

    def close(self) -> None:
        self._client.close()

    @contextmanager
    def send(self, method: str, url: str, *, timeout: float | None = None, **kwargs: Any) -> Iterator[httpx.Response]:
        """The store's response, streamed (read it inside the block), within ``timeout`` seconds (default: the query
        timeout). Connection failures and 502/503/504 are tried again (``ATTEMPTS`` in all, with backoff); a 4xx
        never. Unreachable at the end: StoreUnavailable."""
        failure = ""
        seconds = self.endpoints.timeout if timeout is None else timeout
        for attempt in range(ATTEMPTS):
            if attempt:
                time.sleep(BACKOFF * 2 ** (attempt - 1))
            try:
                limit = httpx.Timeout(seconds, connect=CONNECT_TIMEOUT)
                request = self._client.build_request(method, url, timeout=limit, **kwargs)
                response = self._client.send(request, stream=True)
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:  # transient: tried again
                failure = f"{type(error).__name__}: {error}"
                continue
            except httpx.ReadTimeout:
                raise QueryTimeout(seconds) from None
            except httpx.TransportError as error:
                raise StoreUnavailable(f"The SPARQL store at {shown(url)} failed to answer: {error}") from None
            if response.status_code in RETRIED_STATUSES:
                failure = f"HTTP {response.status_code}"
                response.close()
                continue
            if response.status_code in REFUSED_STATUSES:
                response.close()
                log.warning("store refused user %s: %s %s (HTTP %d)", self.endpoints.user or "(anonymous)", method,
                            shown(url), response.status_code)  # fmt: skip
                raise StoreUnavailable(refused(url, response.status_code))
            try:
                yield response
            except httpx.ReadTimeout:
                raise QueryTimeout(seconds) from None
            except httpx.TransportError as error:
                raise StoreUnavailable(f"The SPARQL store at {shown(url)} broke off its answer: {error}") from None
            finally:
                response.close()
            return
        log.warning("store unreachable: %s %s (%s)", method, shown(url), failure)
        raise StoreUnavailable(f"The SPARQL store at {shown(url)} cannot be reached ({failure}); try again later.")

    def probe(self) -> str | None:
        """One ``ASK {}`` to the query URL, never tried again and bounded by ``PROBE_TIMEOUT``: None when the store
        answers it, else why not (``/healthz``)."""
        url = self.endpoints.query
        try:
            response = self._client.post(url, data={"query": "ASK {}"}, timeout=PROBE_TIMEOUT,
                                         headers={"Accept": _RESULTS_ACCEPT})  # fmt: skip
        except httpx.TransportError as error:
            return f"The SPARQL store at {shown(url)} cannot be reached ({type(error).__name__})."
        if response.status_code >= 400:
            return f"The SPARQL store at {shown(url)} answered a probe with HTTP {response.status_code}."
        return None

    def check(self, response: httpx.Response, what: str) -> None:
        """Fail with the store's own words when it refused ``what``."""
        if response.status_code >= 400:
            text = response.read().decode("utf-8", errors="replace")[:500]
            raise QueryFailed(f"The SPARQL store at {shown(str(response.url))} refused {what}: "
                              f"{response.status_code} {text}")  # fmt: skip

    def update(self, sparql: str) -> None:
        with self.send(
            "POST", self.endpoints.update, data={"update": sparql}, timeout=self.endpoints.write_timeout
        ) as response:
            self.check(response, "an update")
            response.read()

    def put_graph(self, graph: str, triples: Iterable[ox.Triple]) -> None:
        """Replace ``graph`` by ``triples`` in one request (GSP PUT, or DROP + INSERT DATA)."""
        self._send_graph(graph, list(triples), replace=True)

    def put_parts(self, graph: str, parts: Iterable[Part]) -> int:
        """``graph`` written part by part (``parts``), a request each: a part that replaces (the first) is a GSP PUT
        or DROP + INSERT DATA, any other a GSP POST or INSERT DATA. Returns the triples the graph was sent."""
        sent = 0
        for part in parts:
            self._send_graph(graph, part.triples, replace=part.replace)
            sent = len(part.triples) + (0 if part.replace else sent)
        return sent

    def _send_graph(self, graph: str, triples: list[ox.Triple], *, replace: bool) -> None:
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        if self.endpoints.gsp is None:
            drop = f"DROP SILENT GRAPH <{graph}> ;\n" if replace else ""
            # Virtuoso refuses a blank node in INSERT DATA (SP031); a template with no WHERE to match is the same
            insert = "INSERT" if any(map(_names_blank_node, triples)) else "INSERT DATA"
            where = " WHERE {}" if insert == "INSERT" else ""
            self.update(f"{drop}{insert} {{ GRAPH <{graph}> {{\n{body.decode()}\n}} }}{where}")
            return
        method, limit = ("PUT" if replace else "POST"), self.endpoints.write_timeout
        params, headers = {"graph": graph}, {"Content-Type": media.N_TRIPLES.media_type}
        with self.send(method, self.endpoints.gsp, params=params, content=body, headers=headers, timeout=limit) as sent:
            self.check(sent, f"the graph <{graph}>")
            sent.read()

    def drop_graph(self, graph: str) -> None:
        self.update(f"DROP SILENT GRAPH <{graph}>")

    def select(self, sparql: str, data: Mapping[str, str | Sequence[str]] | None = None) -> list[dict[str, Any]]:
        """The SPARQL JSON bindings of a SELECT of ours (counts, graphs: upkeep, within the write timeout)."""
        form = {"query": sparql, **(data or {})}
        accept, limit = {"Accept": _RESULTS_ACCEPT}, self.endpoints.write_timeout
        with self.send("POST", self.endpoints.query, data=form, headers=accept, timeout=limit) as response:
            self.check(response, "a query")
            bindings: list[dict[str, Any]] = json.loads(response.read())["results"]["bindings"]
            return bindings

    def counts(self, graphs: Iterable[str]) -> dict[str, int]:
        """Triples per graph, of ``graphs`` (a graph the store lacks is not in the answer)."""
        named = sorted(graphs)
        rows = self.select(_COUNTS, {"named-graph-uri": named or [NO_GRAPH], "default-graph-uri": NO_GRAPH})
        return {row["g"]["value"]: int(row["n"]["value"]) for row in rows if row["g"]["value"] in named}

    def graphs_under(self, *bases: str) -> set[str]:
        """The store's named graphs whose IRIs start with one of ``bases``."""
        filters = " || ".join(f'STRSTARTS(STR(?g), "{base}")' for base in bases)
        rows = self.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER({filters}) }}")
        return {row["g"]["value"] for row in rows}


# --- publishing -----------------------------------------------------------------------------------------------------


def by_graph(quads: Iterable[ox.Quad]) -> dict[str, list[ox.Triple]]:
    """The distinct triples of each named graph (quads in the default graph are left out)."""
    grouped: dict[str, dict[ox.Triple, None]] = defaultdict(dict)
    for quad in quads:
        if isinstance(quad.graph_name, ox.NamedNode):
            grouped[quad.graph_name.value][quad.triple] = None
    return {graph: list(triples) for graph, triples in grouped.items()}


def publish(
    remote: Remote,
    snapshot: Path,
    expected: Mapping[str, int],
    base_iri: str,
    progress: Any = None,
    part: int = PUBLISH_PART,
) -> None:
    """Put every graph of ``snapshot`` and their union into the store, drop our graphs the release no longer has
    (partner graphs excepted), and verify the counts against ``expected`` (PublishError otherwise).

    The snapshot is staged in an on-disk pyoxigraph store (``staged``), which forms the union, keeps literals as
    stores keep them (so the counts to expect are its own) and streams each graph: memory stays small whatever the
    release's size. Each graph is sent in parts of about ``part`` triples (``parts``): one request of millions of
    triples is one transaction to the store (Virtuoso held its locks for minutes on one such PUT)."""
    partners = remote.graphs_under(prefixes.GRAPH_PARTNER, prefixes.GRAPH_PARTNER_PROVENANCE)
    kept = partner_triples(remote, partners)
    with tempfile.TemporaryDirectory(prefix="migkg-publish-") as tmp:
        store = staged(snapshot, Path(tmp) / "store", kept)
        graphs = sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
        for old in sorted(remote.graphs_under(base_iri) - set(graphs) - partners):
            remote.drop_graph(old)
        by_value: dict[str, int] = {}
        targets: list[tuple[str, ox.NamedNode | ox.DefaultGraph]] = [(g, ox.NamedNode(g)) for g in graphs]
        for number, (name, source) in enumerate([*targets, (UNION_GRAPH, ox.DefaultGraph())], 1):
            by_value[name] = remote.put_parts(name, parts(store, source, part))
            if progress is not None and (number % 50 == 0 or number > len(graphs) or by_value[name] >= part):
                progress(f"  {number}/{len(graphs) + 1} graphs put into {shown(remote.endpoints.query)}: <{name}>, "
                         f"{by_value[name]:,} triples")  # fmt: skip
        del store
    verify(remote, {**expected, UNION_GRAPH: by_value[UNION_GRAPH]}, by_value)
    refresh_partitions(remote)


def staged(snapshot: Path, directory: Path, kept: Mapping[str, Iterable[ox.Triple]]) -> ox.Store:
    """The snapshot's quads in an on-disk store at ``directory``, with the union of its graphs and of the ``kept``
    partner graphs' triples in the default graph (a set: a triple several graphs state is there once)."""
    store = on_disk_union(snapshot, directory)
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for ts in kept.values() for t in ts)
    return store


def parts(store: ox.Store, graph: ox.NamedNode | ox.DefaultGraph, size: int) -> Iterator[Part]:
    """The triples of ``graph`` in ``store`` in parts of about ``size`` (at least one, empty for an empty graph), each
    triple that names a blank node in the part of the triple that names it first: a blank node that is an object
    travels with its referrer, and with the triples that describe it in turn (a selector, an RDF list). A blank node
    that two referrers name, or one no IRI leads to (a cycle of blank nodes), cannot be kept one node across parts:
    then the whole graph is one part, which replaces what was sent."""
    sent: set[ox.BlankNode] = set()
    skipped: set[ox.BlankNode] = set()
    part: list[ox.Triple] = []
    referred: tuple[ox.BlankNode | None, bool] = (None, False)
    first = True
    for quad in store.quads_for_pattern(None, None, None, graph):
        subject = quad.subject
        if isinstance(subject, ox.BlankNode):
            if referred[0] != subject:  # quads come grouped by subject
                referred = (subject, _referred(store, subject, graph))
            if referred[1]:
                skipped.add(subject)
                continue  # sent with its referrer
        closure = _with_blank_objects(store, quad.triple, graph, sent)
        if closure is None:
            yield _whole(store, graph)
            return
        part.extend(closure)
        if len(part) >= size:
            yield Part(part, first)
            first, part = False, []
    if skipped - sent:
        yield _whole(store, graph)
    elif part or first:
        yield Part(part, first)


@dataclass(frozen=True)
class Part:
    """Triples to send to a graph: replacing what it holds, or added to it."""

    triples: list[ox.Triple]
    replace: bool


def _referred(store: ox.Store, node: ox.BlankNode, graph: ox.NamedNode | ox.DefaultGraph) -> bool:
    return next(iter(store.quads_for_pattern(None, None, node, graph)), None) is not None


def _with_blank_objects(
    store: ox.Store, triple: ox.Triple, graph: ox.NamedNode | ox.DefaultGraph, sent: set[ox.BlankNode]
) -> list[ox.Triple] | None:
    """``triple`` and the triples describing the blank nodes it leads to (recursively); None when one of them was
    already sent with another referrer."""
    found, todo = [triple], [triple.object]
    while todo:
        node = todo.pop()
        if not isinstance(node, ox.BlankNode):
            continue
        if node in sent:
            return None
        sent.add(node)
        for quad in store.quads_for_pattern(node, None, None, graph):
            found.append(quad.triple)
            todo.append(quad.object)
    return found


def _whole(store: ox.Store, graph: ox.NamedNode | ox.DefaultGraph) -> Part:
    return Part([q.triple for q in store.quads_for_pattern(None, None, None, graph)], replace=True)


def void_staging() -> str:
    """A graph of one counting's own, where the VoID partitions are counted before they replace ``graph/void``."""
    return f"{prefixes.GRAPH_VOID}-next/{uuid.uuid4().hex}"


def refresh_partitions(remote: Remote, staging: str | None = None) -> None:
    """``graph/void`` computed again in the store from the union graph (``server.partitions``'s updates, each
    with ``USING`` the union graph: an update's default graph is the store's own), into ``staging`` first, then
    moved into ``graph/void`` in one update: a query sees the old counts or the new ones, never a part of them, and
    two replicas counting at once each move a whole count."""
    staging = staging or void_staging()
    remote.drop_graph(staging)
    for update in partitions.updates(staging):
        head, where, rest = update.partition(" WHERE ")
        remote.update(f"{head} USING <{UNION_GRAPH}>{where}{rest}")
    remote.update(f"MOVE SILENT GRAPH <{staging}> TO GRAPH <{prefixes.GRAPH_VOID}>")


def partner_triples(remote: Remote, graphs: Iterable[str]) -> dict[str, list[ox.Triple]]:
    """The triples the store holds in ``graphs`` (the partner graphs it keeps across releases)."""
    found: dict[str, list[ox.Triple]] = {}
    for graph in graphs:
        query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
        form = {"query": query, "default-graph-uri": graph}
        accept, limit = {"Accept": _GRAPH_ACCEPT}, remote.endpoints.write_timeout
        with remote.send("POST", remote.endpoints.query, data=form, headers=accept, timeout=limit) as response:
            remote.check(response, "a query")
            found[graph] = [q.triple for q in ox.parse(response.read(), format=ox.RdfFormat.N_TRIPLES)]
    return found


def verify(remote: Remote, expected: Mapping[str, int], by_value: Mapping[str, int] | None = None) -> None:
    """PublishError naming every graph whose count in the store differs from ``expected`` (or, where given, from
    ``by_value``: the count once literals equal in value are one triple)."""
    found = remote.counts(expected)
    wrong = [
        f"<{graph}>: {found.get(graph, 0)} triples in the store, {count} in the release"
        for graph, count in sorted(expected.items())
        if found.get(graph, 0) not in (count, (by_value or {}).get(graph, count))
    ]
    if wrong:
        raise PublishError(f"the store at {shown(remote.endpoints.query)} differs from the release:\n  " +
                           "\n  ".join(wrong))  # fmt: skip


# --- queries --------------------------------------------------------------------------------------------------------


def _form(result: object) -> QueryForm:
    if isinstance(result, ox.QuerySolutions):
        return "solutions"
    if isinstance(result, ox.QueryBoolean):
        return "boolean"
    return "graph"


def parse_form(sparql: str, base_iri: str | None) -> QueryForm:
    """The query form of ``sparql``, parsed by pyoxigraph with our prefixes predeclared (QuerySyntaxError)."""
    try:
        result = ox.Store().query(sparql, base_iri=base_iri, prefixes=prefixes.namespaces(base_iri or prefixes.BASE))
    except SyntaxError as error:
        raise QuerySyntaxError(str(error)) from None
    return _form(result)


def declared_prefixes(sparql: str) -> dict[str, str]:
    """The prefixes ``sparql`` declares itself: name → namespace IRI (as written: relative to the BASE, if it is).

    >>> declared_prefixes('PREFIX ex: <http://x/> prefix  : <http://y/> SELECT * { ?s ex:p "PREFIX no:" }')
    {'ex': 'http://x/', '': 'http://y/'}
    """
    found: dict[str, str] = {}
    previous, name = "", None
    for token in sparql_text.tokens(sparql):
        if token.kind in ("space", "comment"):
            continue
        if name is not None and token.kind == "iri":
            found[name] = token.text[1:-1]
        name = token.text.split(":", 1)[0] if previous == "PREFIX" and token.kind == "pname" else None
        previous = token.text.upper() if token.kind == "word" else ""
    return found


def reachable_graphs(sparql: str, base_iri: str | None, served: Iterable[str]) -> list[str]:
    """The served graphs a query without a dataset of its own can reach by name, its ``FROM NAMED`` graphs: none
    without ``GRAPH``; those its ``GRAPH`` patterns name when each names one; else every one. Each graph listed
    costs the store on every query (Virtuoso: 10 ms for our 771 graphs as clauses, on a query taking 1.6 ms).

    >>> reachable_graphs("SELECT * { ?s ?p ?o }", None, ["http://x/g"])
    []
    >>> reachable_graphs("PREFIX ex: <http://x/> ASK { GRAPH ex:g {} GRAPH <http://x/h> {} }", None, ["http://x/g"])
    ['http://x/g']
    >>> reachable_graphs("SELECT * { GRAPH ?g { ?s ?p ?o } }", None, ["http://x/k", "http://x/g"])
    ['http://x/g', 'http://x/k']
    """
    names = sparql_text.graph_names(sparql)
    if names is None:
        return sorted(served)
    declared, ours = declared_prefixes(sparql), prefixes.namespaces(base_iri or prefixes.BASE)
    named = [_absolute(token, declared, ours) for token in names]
    if None in named:
        return sorted(served)
    return sorted({iri for iri in named if iri is not None}.intersection(served))


def _absolute(token: sparql_text.Token, declared: Mapping[str, str], ours: Mapping[str, str]) -> str | None:
    """The absolute IRI an IRI or prefixed name token stands for; None when it takes more than reading (a relative
    IRI, an escape in the local name)."""
    if token.kind == "iri":
        iri = token.text[1:-1]
    else:
        name, local = token.text.split(":", 1)
        namespace = declared.get(name, ours.get(name))
        if namespace is None or "\\" in local:
            return None
        iri = namespace + local
    try:
        return iri if urlsplit(iri).scheme else None
    except ValueError:  # not even a URL: every served graph, as for anything else this does not read
        return None


def with_prologue(sparql: str, base_iri: str | None) -> str:
    """``sparql`` with our prefixes (those it does not declare) and ``base_iri`` declared, as the embedded store
    predeclares them: before the query, or after its own ``BASE`` (Virtuoso takes no BASE after a PREFIX).

    >>> with_prologue("BASE <http://b/> SELECT * { <s> ?p ?o }", "http://x/").splitlines()[:2]
    ['BASE <http://b/>', 'PREFIX mig: <http://x/def#>']
    """
    own = declared_prefixes(sparql)
    names = prefixes.namespaces(base_iri or prefixes.BASE)
    lines = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in names.items() if name not in own)
    after_base = _after_base(sparql)
    if after_base is None:
        return (f"BASE <{base_iri}>\n" if base_iri else "") + lines + sparql
    return sparql[:after_base] + "\n" + lines + sparql[after_base:]


def _after_base(sparql: str) -> int | None:
    """Where the query's own ``BASE <iri>`` ends (None: it has none)."""
    seen_base = False
    for token in sparql_text.tokens(sparql):
        if token.kind in ("space", "comment"):
            continue
        if seen_base and token.kind == "iri":
            return token.end
        seen_base = token.kind == "word" and token.text.upper() == "BASE"
    return None


def without_dataset_clauses(sparql: str) -> str:
    """``sparql`` with its ``FROM`` and ``FROM NAMED`` clauses blanked out: a protocol dataset replaces them, which
    Virtuoso does not do by itself.

    >>> " ".join(without_dataset_clauses("SELECT * FROM <http://x/g> FROM NAMED ex:h { ?s ?p '<FROM>' }").split())
    "SELECT * { ?s ?p '<FROM>' }"
    """
    text, clause = list(sparql), False
    for token in sparql_text.tokens(sparql):
        word = token.text.upper() if token.kind == "word" else ""
        if word == "FROM" or (clause and (word == "NAMED" or token.kind in ("space", "comment"))):
            clause = True
        elif clause and token.kind in ("iri", "pname"):
            clause = False
        else:
            clause = False
            continue
        text[token.start : token.end] = " " * (token.end - token.start)
    return "".join(text)


def plain_strings(sparql: str) -> str:
    """``sparql`` with ``"…"^^xsd:string`` written ``"…"``: the same literal in RDF 1.1, but Virtuoso stores a plain
    literal as untyped and finds no ``xsd:string`` one equal to it. (``xsd:`` as the query declares it, or ours.)

    >>> plain_strings('FILTER(?c = "ECU"^^xsd:string || ?c = "x"^^<http://www.w3.org/2001/XMLSchema#string>)')
    'FILTER(?c = "ECU" || ?c = "x")'
    >>> plain_strings('PREFIX xsd: <http://x/> ASK { FILTER("a"^^xsd:string) }')
    'PREFIX xsd: <http://x/> ASK { FILTER("a"^^xsd:string) }'
    """
    if "^^" not in sparql:
        return sparql
    names = {"xsd:string"} if declared_prefixes(sparql).get("xsd", prefixes.XSD) == prefixes.XSD else set()
    found = [t for t in sparql_text.tokens(sparql) if t.kind not in ("space", "comment")]
    cuts = [
        (caret.start, datatype.end)
        for literal, caret, second, datatype in zip(found, found[1:], found[2:], found[3:], strict=False)
        if literal.kind == "string" and caret.text == second.text == "^"
        and (datatype.text in names or datatype.text == f"<{XSD_STRING}>")
    ]  # fmt: skip
    for start, end in reversed(cuts):
        sparql = sparql[:start] + sparql[end:]
    return sparql


def _iris(iris: tuple[str, ...] | None) -> list[str]:
    for iri in iris or ():
        try:
            ox.NamedNode(iri)
        except ValueError as error:
            raise InvalidDataset(iri, str(error)) from None
    return list(iris or ()) or [NO_GRAPH]


def dataset_given(dataset: Dataset | None) -> bool:
    """Whether the protocol gives a dataset (which replaces the query's own)."""
    return dataset is not None and (dataset.default_graphs is not None or dataset.named_graphs is not None)


def dataset_request(
    sparql: str, dataset: Dataset | None, served: Iterable[str], base_iri: str | None = None
) -> tuple[str, dict[str, list[str]]]:
    """The query text and protocol parameters that give the store our dataset (see module doc): a protocol dataset
    as parameters (the query's own FROM blanked out), a query's own FROM as it is, else ours written into the query
    as ``FROM`` / ``FROM NAMED`` clauses (Virtuoso reads our 771 graphs as clauses in 11 ms, as parameters in 128 ms:
    its parameter handling grows faster than the list).

    >>> dataset_request("SELECT * FROM <http://x/g> { ?s ?p ?o }", None, ["http://x/g"])
    ('SELECT * FROM <http://x/g> { ?s ?p ?o }', {})
    >>> dataset_request("SELECT * FROM <http://x/g> { ?s ?p ?o }", Dataset(("http://x/h",)), [])[1]
    {'default-graph-uri': ['http://x/h'], 'named-graph-uri': ['urn:migkg:no-graph']}
    >>> print(dataset_request("SELECT * { GRAPH ?g { ?s ?p ?o } }", None, ["http://x/g"])[0])
    SELECT *
    FROM <urn:migkg:union-default-graph> FROM NAMED <http://x/g>
    { GRAPH ?g { ?s ?p ?o } }
    """
    if dataset_given(dataset):
        assert dataset is not None
        given = {"default-graph-uri": _iris(dataset.default_graphs), "named-graph-uri": _iris(dataset.named_graphs)}
        return without_dataset_clauses(sparql), given
    if "FROM" in sparql_text.keywords(sparql):
        return sparql, {}
    named = reachable_graphs(sparql, base_iri, served) or [NO_GRAPH]
    at = sparql_text.dataset_position(sparql)
    if at is None:  # not a query the lexer reads as pyoxigraph does: parameters, which every store takes
        return sparql, {"default-graph-uri": [UNION_GRAPH], "named-graph-uri": named}
    clauses = " ".join([f"FROM <{UNION_GRAPH}>", *(f"FROM NAMED <{graph}>" for graph in named)])
    return f"{sparql[:at].rstrip()}\n{clauses}\n{sparql[at:]}", {}


def normalised_json(data: bytes, kind: QueryForm) -> bytes:
    """SPARQL JSON as pyoxigraph reads it: Virtuoso's ``typed-literal`` is a literal, its ``nodeID://`` blank nodes
    lose the scheme, and its ASK (a one-row SELECT of ``__ASK_RETVAL``) is a boolean.

    >>> normalised_json(b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"bnode","value":"nodeID://b1"}}]}}',
    ...                 "solutions")
    b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "bnode", "value": "b1"}}]}}'
    >>> normalised_json(b'{"head":{"vars":["__ASK_RETVAL"]},"results":{"bindings":[{"__ASK_RETVAL":'
    ...                 b'{"type":"typed-literal","value":"1"}}]}}', "boolean")
    b'{"head": {}, "boolean": true}'
    """
    parsed = json.loads(data)
    if kind == "boolean":
        if "boolean" in parsed:
            return json.dumps({"head": {}, "boolean": bool(parsed["boolean"])}).encode()
        rows = parsed.get("results", {}).get("bindings", [])
        first: dict[str, str] = next(iter(rows[0].values()), {}) if rows else {}
        value = first.get("value", "0")
        return json.dumps({"head": {}, "boolean": value not in ("0", "false")}).encode()
    for row in parsed.get("results", {}).get("bindings", []):
        for term in row.values():
            if term.get("type") == "typed-literal":
                term["type"] = "literal"
            if term.get("type") == "bnode" and term["value"].startswith(_VIRTUOSO_BNODE):
                term["value"] = term["value"][len(_VIRTUOSO_BNODE) :]
    parsed["head"].pop("link", None)
    return json.dumps(parsed).encode()


def reserialize(
    body: IO[bytes], kind: QueryForm, fmt: media.ResultFormat, limits: ResultLimits | None
) -> tuple[bytes, Any]:
    """The store's answer (SPARQL JSON, or N-Triples for a graph) in ``fmt`` by pyoxigraph, cut at ``limits``."""
    if kind == "graph":
        store = ox.Store()
        store.bulk_load(body, format=ox.RdfFormat.N_TRIPLES)
        # ordered by subject: pyoxigraph's JSON-LD writer makes one node per run of a subject's triples
        result: object = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } ORDER BY ?s")
    else:
        result = ox.parse_query_results(normalised_json(body.read(), kind), format=ox.QueryResultsFormat.JSON)
    assert isinstance(result, ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples)
    return results.serialize(result, fmt, limits)


class RemoteStore:
    """The release (and the partner graphs under ``partners_dir``) as held by a SPARQL store (see module doc)."""

    def __init__(self, endpoints: Endpoints, release_graphs: Mapping[str, int], partners_dir: Path | None = None):
        self._remote: Remote | None = Remote(endpoints)
        self._endpoints = endpoints
        self._release_graphs = dict(release_graphs)
        self._partners = PartnerGraphs(partners_dir)
        self._loaded = EMPTY
        self._access = ReadersWriter()
        self._follow_lock = threading.Lock()
        self._stale_partners = partners_dir is not None  # partner graphs the store holds from before: dropped once
        self._void_staging = void_staging()
        self._counts_lock = threading.Lock()
        self._counts_due = self._counting = False
        self._counted = threading.Event()
        self._counted.set()

    @property
    def release_graphs(self) -> dict[str, int]:
        return dict(self._release_graphs)

    def _require(self) -> Remote:
        if self._remote is None:
            raise StoreUnavailable("The store is closed.")
        return self._remote

    def _served(self) -> list[str]:
        return [*self._release_graphs, *self._loaded.sizes, prefixes.GRAPH_VOID]

    def _follow_partners(self, remote: Remote) -> None:
        """Write the partner graphs of the current generation through to the store, if a commit moved it."""
        if self._partners.generation() == self._loaded.generation and not self._stale_partners:
            return
        with self._follow_lock:
            changed: list[str] = []
            started = time.monotonic()
            with self._access.writing():
                current = self._partners.snapshot()
                if self._stale_partners:  # left by an earlier run: the storage no longer has them
                    held = remote.graphs_under(prefixes.GRAPH_PARTNER, prefixes.GRAPH_PARTNER_PROVENANCE)
                    for graph in sorted(held - current.sizes.keys()):
                        remote.update(withdraw(graph))
                        remote.drop_graph(graph)
                        changed.append(graph)
                    self._stale_partners = False
                if current.generation != self._loaded.generation:
                    changed += write_through(remote, self._loaded, current)
                    self._loaded = current
            if changed:  # the counts follow once the data is in, in the background: no request waits for them
                log.info("%d partner graphs written through to the store in %.1f s",
                         len(changed), time.monotonic() - started)  # fmt: skip
                self._count_partitions(remote)

    def _count_partitions(self, remote: Remote) -> None:
        """Count the VoID partitions again in a thread of their own (one at a time; a change while they are being
        counted counts them once more after)."""
        with self._counts_lock:
            self._counts_due = True
            self._counted.clear()
            if self._counting:
                return
            self._counting = True
        threading.Thread(target=self._counting_loop, args=(remote,), name="void-partitions", daemon=True).start()

    def _counting_loop(self, remote: Remote) -> None:
        while True:
            with self._counts_lock:
                if not self._counts_due:
                    self._counting = False
                    self._counted.set()
                    return
                self._counts_due = False
            started = time.monotonic()
            try:
                refresh_partitions(remote, self._void_staging)
                log.info("VoID partitions counted in %.1f s", time.monotonic() - started)
            except Exception as error:  # graph/void keeps the counts it had; the next change counts again
                if self._remote is None:
                    log.info("VoID partitions not counted: the store was closed while they were")
                    continue
                log.warning("VoID partitions not counted: %s: %s", type(error).__name__, error)

    def wait_for_counts(self, timeout: float) -> bool:
        """Whether the VoID partitions are counted for every partner write seen so far (waiting ``timeout`` s)."""
        return self._counted.wait(timeout)

    def query(
        self,
        sparql: str,
        *,
        accept: str | None,
        base_iri: str | None = None,
        dataset: Dataset | None = None,
        limits: ResultLimits | None = None,
    ) -> QueryOutcome:
        outcome, body = self.spool(sparql, accept=accept, base_iri=base_iri, dataset=dataset, limits=limits)
        with body:
            return QueryOutcome(outcome.kind, outcome.media_type, body.read(), outcome.truncated)

    def spool(
        self,
        sparql: str,
        *,
        accept: str | None,
        base_iri: str | None = None,
        dataset: Dataset | None = None,
        limits: ResultLimits | None = None,
        cancelled: threading.Event | None = None,
    ) -> tuple[QueryOutcome, IO[bytes]]:
        """See ``SpoolsResults``: the store's answer is read into a temporary file as it arrives (stopped when
        ``cancelled`` is set), then serialized again in the format asked for, cut at ``limits``."""
        remote = self._require()
        if sparql_text.looks_like_update(sparql):
            raise UpdateForbidden()
        if sparql_text.uses_service(sparql):
            raise UnsupportedQuery(NO_FEDERATION)
        kind = parse_form(sparql, base_iri)
        chosen = media.choose_result(accept, kind)
        formats = media.formats_for(kind)
        if chosen is None:
            raise NotAcceptable(media.offered(formats), kind)
        try:
            self._follow_partners(remote)
        except StoreError:
            raise
        except Exception as error:
            raise QueryFailed(f"The partner graphs could not be read: {type(error).__name__}: {error}") from None
        headers = {"Accept": _GRAPH_ACCEPT if kind == "graph" else _RESULTS_ACCEPT}
        with tempfile.TemporaryFile() as answer:
            with self._access.reading():
                prologued = with_prologue(plain_strings(sparql), base_iri)  # before the dataset: no lexing of it
                text, given = dataset_request(prologued, dataset, self._served(), base_iri)
                form = {"query": text, **given}
                self._fetch(remote, form, headers, answer, cancelled)
            answer.seek(0)
            try:
                body, truncated = reserialize(answer, kind, media.format_for(chosen, formats), limits)
            except (SyntaxError, ValueError, KeyError) as error:
                raise QueryFailed(f"The SPARQL store's answer could not be read: {error}") from None
        return QueryOutcome(kind, chosen, b"", truncated), io.BytesIO(body)

    def _fetch(
        self, remote: Remote, form: dict[str, Any], headers: dict[str, str], answer: IO[bytes],
        cancelled: threading.Event | None,
    ) -> None:  # fmt: skip
        """The store's answer to ``form``, written to ``answer`` as it arrives; a 4xx is the store refusing what our
        parser accepted (UnsupportedQuery, with its words)."""
        with remote.send("POST", self._endpoints.query, data=form, headers=headers) as response:
            if 400 <= response.status_code < 500:
                text = response.read().decode("utf-8", errors="replace")[:1000]
                raise UnsupportedQuery(f"The SPARQL store refused the query ({response.status_code}): {text}")
            remote.check(response, "the query")
            for chunk in response.iter_bytes(CHUNK):
                if cancelled is not None and cancelled.is_set():
                    raise QueryCancelled()
                answer.write(chunk)

    def graphs(self) -> dict[str, int]:
        remote = self._require()
        self._follow_partners(remote)
        return {**self._release_graphs, **self._loaded.sizes}

    def ready(self) -> bool:
        return self._remote is not None

    def probe(self) -> str | None:
        return self._require().probe() if self._remote is not None else "The store is closed."

    def close(self) -> None:
        remote, self._remote = self._remote, None
        if remote is not None:
            remote.close()


def write_through(remote: Remote, old: PartnerSnapshot, new: PartnerSnapshot) -> list[str]:
    """Partner graphs ``old`` replaced by ``new`` in the store, graph by graph, and in the union graph: a changed
    graph is withdrawn from the union (its triples leave unless another served graph states them), then put, then
    included. Returns the graphs that changed (their VoID partitions are then stale: ``refresh_partitions``)."""
    before, after = by_graph(old.quads), by_graph(new.quads)
    changed = sorted(g for g in before.keys() | after.keys() if before.get(g) != after.get(g))
    for graph in changed:
        remote.update(withdraw(graph))
        if graph in after:
            remote.put_graph(graph, after[graph])
            remote.update(include(graph))
        else:
            remote.drop_graph(graph)
    return changed


def include(graph: str) -> str:
    """The update adding ``graph``'s triples to the union graph.

    >>> include("http://x/g")
    'INSERT { GRAPH <urn:migkg:union-default-graph> { ?s ?p ?o } } WHERE { GRAPH <http://x/g> { ?s ?p ?o } }'
    """
    return f"INSERT {{ GRAPH <{UNION_GRAPH}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"


def withdraw(graph: str) -> str:
    """The update removing from the union graph the triples of ``graph`` no other graph states."""
    return (
        f"DELETE {{ GRAPH <{UNION_GRAPH}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} "
        f"FILTER NOT EXISTS {{ GRAPH ?h {{ ?s ?p ?o }} FILTER(?h != <{graph}> && ?h != <{UNION_GRAPH}>) }} }}"
    )
