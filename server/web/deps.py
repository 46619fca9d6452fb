"""What handlers depend on, modelled on the FastAPI full-stack template's ``api/deps.py``: the ``Service`` the app
holds between requests, the store's queries run off the event loop (``Queries``), and the ``Annotated`` aliases
handlers declare (``service: ServiceDep``, ``queries: QueriesDep``, ``languages: LanguagesDep``).
"""

from __future__ import annotations

import dataclasses
import io
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, TYPE_CHECKING, Annotated, TypeVar

import anyio
import anyio.to_thread
from fastapi import Depends, Request
from starlette.types import Receive

from server import media, query_errors, vocabulary
from server.federation import federate
from server.partners.messages import WriterUnavailable
from server.partners.process import WriterClient
from server.partners.registry import Registry
from server.release import Release
from server.settings import Settings
from server.store import sparql_text
from server.store.base import (
    Dataset,
    QueryOutcome,
    QuerySyntaxError,
    QueryTooComplex,
    ResultLimits,
    SpoolsResults,
    Store,
    StoreError,
    StoreUnavailable,
)
from server.web import fairness, i18n
from server.web.partners import Catalogue, PartnerData

if TYPE_CHECKING:
    from server.web.sparql_request import QueryRequest

UNRELEASED = "unreleased"
LIMITS_LINK = "limits"  # where a cut result links to (relative to /sparql: /limits, ``web.limits``)

Row = Mapping[str, Mapping[str, str]]  # a SPARQL JSON binding: variable -> {"type", "value", ...}
T = TypeVar("T")


@dataclass
class Service:
    """The settings, the release being served and its store (None until the lifespan has started one), what the web
    process knows of the partner graphs served with it (``partners``), the partner registry and the partner writer
    (None when there is no release to gate writes against)."""

    settings: Settings
    release: Release | None
    store: Store | None = None
    release_problem: str | None = None  # why the release served is not the one build/current names (a fallback)
    void_statistics: tuple[int, dict[str, list]] | None = None  # (partner generation, statistics)
    vocabulary: vocabulary.Vocabulary | None = None  # the ontology's terms, read once from the store
    writer: WriterClient | None = None
    _limiter: anyio.CapacityLimiter | None = field(default=None, repr=False)
    _client_slots: fairness.ClientSlots | None = field(default=None, repr=False)
    _registry: Registry | None = field(default=None, repr=False)
    partners: PartnerData = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.partners = PartnerData(self.settings, self.release)

    @property
    def registry(self) -> Registry:
        """The partners and their token hashes (re-read when the file changes: a revoke applies at once)."""
        if self._registry is None:
            self._registry = Registry(self.settings.partners_file)
        return self._registry

    def switch(
        self, release: Release, store: Store, writer: WriterClient | None
    ) -> tuple[Store | None, WriterClient | None]:
        """Serve ``release`` from ``store``, its partner writes gated by ``writer``, from the next request on: one
        step of the event loop, so no request sees half of it. Returns the store and writer served until now, for
        the caller to retire once their last request is answered (``web.switching``)."""
        retired = self.store, self.writer
        self.release, self.store, self.writer = release, store, writer
        self.partners = PartnerData(self.settings, release)
        self.void_statistics, self.vocabulary = None, None
        self.release_problem = None  # a switch serves what ``current`` names: no fallback any more
        return retired

    def validators(self) -> tuple[str, datetime | None]:
        """The version of what is served now and when it last changed (``middleware.Conditional``)."""
        created = datetime.fromisoformat(self.release.metadata.created) if self.release is not None else None
        return self.partners.validators(self.release_id, created)

    def require_writer(self) -> WriterClient:
        if self.writer is None:
            raise WriterUnavailable("This server takes no partner writes: it serves no release to check them against.")
        return self.writer

    @property
    def release_id(self) -> str:
        return self.release.id if self.release else UNRELEASED

    @property
    def base_iri(self) -> str:
        return self.settings.base_iri

    def require_store(self) -> Store:
        if self.store is None:
            raise StoreUnavailable("The store is starting; try again in a few seconds.")
        return self.store

    def graph_sizes(self, partners: Catalogue) -> dict[str, int]:
        """Named graph → triples, from the release metadata and the partner graphs' ``Catalogue`` (or the store when
        there is no release)."""
        if self.release is not None:
            return {**self.release.metadata.graphs, **partners.sizes}
        return self.require_store().graphs()

    async def partner_catalogue(self) -> Catalogue:
        """The partner graphs as of now (read from their storage, once per generation, in a worker thread)."""
        return await anyio.to_thread.run_sync(self.partners.catalogue)

    def query_limiter(self) -> anyio.CapacityLimiter:
        """Threads that may wait on the store at once: SPARQL never takes the whole default thread pool.

        Created on first use, inside the event loop (anyio requires it).
        """
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(4 * self.settings.query_workers)
        return self._limiter

    @property
    def client_slots(self) -> fairness.ClientSlots:
        """Each client's queries running or waiting (``Settings.max_queries_per_client`` at most)."""
        if self._client_slots is None:
            self._client_slots = fairness.ClientSlots(self.settings.max_queries_per_client)
        return self._client_slots

    @property
    def result_limits(self) -> ResultLimits:
        """Where a client's result is cut (``Settings.max_result_rows`` and ``max_result_bytes``)."""
        return ResultLimits(self.settings.max_result_rows, self.settings.max_result_bytes, LIMITS_LINK)


@dataclass(frozen=True)
class Queries:
    """SPARQL on the service's store for one request. The store blocks (on a worker process, or on pyoxigraph
    itself), so every call runs in a worker thread, never on the event loop. ``client`` is who the request counts
    against (``fairness.client_of``), ``receive`` the request's ASGI receive (it says when the client disconnects).
    """

    service: Service
    client: str
    receive: Receive

    async def in_thread(self, call: Callable[[], T]) -> T:
        """``call`` (which waits on the store) in a worker thread, within the service's query limiter."""
        return await anyio.to_thread.run_sync(call, limiter=self.service.query_limiter())

    async def outcome(self, query: str, accept: str | None, dataset: Dataset | None = None) -> QueryOutcome:
        """The store's answer, serialized in the format ``accept`` asks for."""
        base = self.service.base_iri

        def call() -> QueryOutcome:  # the store is taken in the thread: the one served when the query starts
            return self.service.require_store().query(query, accept=accept, base_iri=base, dataset=dataset)

        return await self.in_thread(call)

    async def federate(self, query: QueryRequest) -> QueryRequest:
        """A client's query with its SERVICE calls answered by our client (``server.federation``) and written into
        it as VALUES, as every client query is before a store sees it. A query nested deeper than
        ``Settings.max_query_depth`` is refused first (QueryTooComplex), in one linear pass over its text."""
        limit = self.service.settings.max_query_depth
        if (depth := sparql_text.nesting_depth(query.query)) > limit:
            raise QueryTooComplex(
                f"The query nests {depth} levels deep (brackets, and runs of '!'); this endpoint accepts at most "
                f"{limit}. Flatten it: a group of patterns needs no braces of its own, and UNION takes a list."
            )
        return dataclasses.replace(query, query=await federate.resolve(query.query, self.service.settings))

    async def answer(self, query: QueryRequest, accept: str | None) -> tuple[QueryOutcome, IO[bytes]]:
        """A client's query (the endpoint's) answered: federated, then evaluated in the format it asks for
        (``format=``) or else ``accept``, cut at the service's result limits, its body in a file for the caller to
        stream and close (the outcome's own body is empty). A syntax error is explained against the client's text
        (MalformedQuery).

        The client may have ``max_queries_per_client`` queries here at once (TooManyQueries, 429); a query that
        looks cheap may use the workers kept for cheap queries (``WorkerPool``); a client that
        disconnects before its answer is ready has its query stopped (QueryCancelled)."""
        self.service.require_store()  # a starting store answers 503 before any SERVICE call goes out
        with self.service.client_slots.held(self.client):
            federated = await self.federate(query)
            try:
                return await self.spooled(federated.query, query.accept or accept, query.dataset)
            except QuerySyntaxError as error:
                raise await self.explained(query.query, error) from None

    async def spooled(self, query: str, accept: str | None, dataset: Dataset | None) -> tuple[QueryOutcome, IO[bytes]]:
        """``query`` on the store, cut at the result limits, stopped if the client disconnects meanwhile."""
        base, limits = self.service.base_iri, self.service.result_limits
        disconnected = threading.Event()

        def call() -> tuple[QueryOutcome, IO[bytes]]:
            # the store is taken in the thread, when the query starts: after a release switch (``web.switching``)
            # a query waiting for a thread goes to the new release's workers, never to retired ones
            store = self.service.require_store()
            if isinstance(store, SpoolsResults):
                return store.spool(
                    query, accept=accept, base_iri=base, dataset=dataset, limits=limits, cancelled=disconnected
                )
            outcome = store.query(query, accept=accept, base_iri=base, dataset=dataset)  # can neither cut nor stream
            return dataclasses.replace(outcome, body=b""), io.BytesIO(outcome.body)

        failure: StoreError | None = None
        async with anyio.create_task_group() as group:
            group.start_soon(fairness.until_disconnected, self.receive, disconnected)
            try:
                answer = await self.in_thread(call)
            except StoreError as error:
                failure = error
            finally:
                group.cancel_scope.cancel()
        if failure is not None:
            raise failure
        return answer

    async def terms(self) -> vocabulary.Vocabulary:
        """The ontology's terms, read from the store once (none while the store cannot answer)."""
        if self.service.vocabulary is None:
            try:
                self.service.vocabulary = vocabulary.from_rows(await self.rows(vocabulary.TERMS_QUERY))
            except StoreError:
                return vocabulary.EMPTY
        return self.service.vocabulary

    async def explained(self, sparql: str, error: QuerySyntaxError) -> query_errors.MalformedQuery:
        """The parser's error for ``sparql`` (the client's text), explained (``server.query_errors``)."""
        found = await self.terms()
        return query_errors.MalformedQuery(query_errors.explain(sparql, error.message, found, self.service.base_iri))

    async def warnings(self, sparql: str) -> list[str]:
        """What is suspect in a query that ran: the ``mig:`` terms it names that the ontology does not have."""
        if not query_errors.mentions_ours(sparql, self.service.base_iri):
            return []  # the ontology's terms are not even read
        return query_errors.unknown_terms(sparql, await self.terms(), self.service.base_iri)

    async def run(self, query: str, accept: str) -> bytes:
        return (await self.outcome(query, accept)).body

    async def rows(self, query: str) -> list[Row]:
        """The SPARQL JSON bindings of a SELECT."""
        body = await self.run(query, media.SPARQL_JSON.media_type)
        result: list[Row] = json.loads(body)["results"]["bindings"]
        return result

    async def gather(self, queries: Sequence[str]) -> list[list[Row]]:
        """Several SELECTs at once (the store's workers share them), results in order; an empty query ("": a
        builder with nothing to ask) answers no rows without reaching the store. The first to fail stops the others
        and is raised as it is (a QueryTimeout stays a 503), not wrapped in the task group's ExceptionGroup."""
        results: list[list[Row]] = [[] for _ in queries]

        async def one(i: int, query: str) -> None:
            results[i] = await self.rows(query)

        try:
            async with anyio.create_task_group() as group:
                for i, query in enumerate(queries):
                    if query:
                        group.start_soon(one, i, query)
        except BaseExceptionGroup as failed:
            raise first_error(failed) from None
        return results

    async def gather_joined(self, groups: Sequence[Sequence[str]]) -> list[list[Row]]:
        """Several groups of SELECTs at once (``gather``), each group's rows joined in order: a query asked in
        batches of its VALUES (``labels.batches``) answers as one."""
        results = await self.gather([query for group in groups for query in group])
        joined, start = [], 0
        for group in groups:
            joined.append([row for rows in results[start : start + len(group)] for row in rows])
            start += len(group)
        return joined


def first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The first exception of ``group`` that is not itself a group.

    >>> first_error(BaseExceptionGroup("two", [ExceptionGroup("one", [KeyError("k")]), ValueError("v")]))
    KeyError('k')
    """
    found = group.exceptions[0]
    return first_error(found) if isinstance(found, BaseExceptionGroup) else found


async def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(get_service)]


async def get_queries(request: Request, service: ServiceDep) -> Queries:
    return Queries(service, fairness.client_of(request, service.settings.client_address_header), request.receive)


async def get_languages(request: Request) -> list[str]:
    """The reader's languages, best first: ``?lang=``, Accept-Language, then our fallback chain."""
    return list(i18n.choose(request.query_params.get("lang"), request.headers.get("accept-language")).languages)


QueriesDep = Annotated[Queries, Depends(get_queries)]
LanguagesDep = Annotated[list[str], Depends(get_languages)]
