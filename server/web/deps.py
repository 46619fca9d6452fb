"""What handlers depend on, modelled on the FastAPI full-stack template's ``api/deps.py``: the ``Service`` the app
holds between requests, the store's queries run off the event loop (``Queries``), and the ``Annotated`` aliases
handlers declare (``service: ServiceDep``, ``queries: QueriesDep``, ``languages: LanguagesDep``).
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, TypeVar

import anyio
import anyio.to_thread
from fastapi import Depends, Request

from server import media, query_errors, vocabulary
from server.federation import federate
from server.partners.messages import WriterUnavailable
from server.partners.process import WriterClient
from server.partners.registry import Registry
from server.release import Release
from server.settings import Settings
from server.store.base import Dataset, QueryOutcome, QuerySyntaxError, Store, StoreError, StoreUnavailable
from server.web.labels import preferred_languages
from server.web.partners import Catalogue, PartnerData

if TYPE_CHECKING:
    from server.web.sparql_request import QueryRequest

UNRELEASED = "unreleased"

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
    void_statistics: tuple[int, dict[str, list]] | None = None  # (partner generation, statistics)
    vocabulary: vocabulary.Vocabulary | None = None  # the ontology's terms, read once from the store
    writer: WriterClient | None = None
    _limiter: anyio.CapacityLimiter | None = field(default=None, repr=False)
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


@dataclass(frozen=True)
class Queries:
    """SPARQL on the service's store for one request. The store blocks (on a worker process, or on pyoxigraph
    itself), so every call runs in a worker thread, never on the event loop."""

    service: Service

    async def in_thread(self, call: Callable[[], T]) -> T:
        """``call`` (which waits on the store) in a worker thread, within the service's query limiter."""
        return await anyio.to_thread.run_sync(call, limiter=self.service.query_limiter())

    async def outcome(self, query: str, accept: str | None, dataset: Dataset | None = None) -> QueryOutcome:
        """The store's answer, serialized in the format ``accept`` asks for."""
        store = self.service.require_store()
        base = self.service.base_iri
        call = functools.partial(store.query, query, accept=accept, base_iri=base, dataset=dataset)
        return await self.in_thread(call)

    async def federate(self, query: QueryRequest) -> QueryRequest:
        """A client's query with its SERVICE calls answered by our client (``server.federation``) and written into
        it as VALUES, as every client query is before a store sees it."""
        return dataclasses.replace(query, query=await federate.resolve(query.query, self.service.settings))

    async def answer(self, query: QueryRequest, accept: str | None) -> QueryOutcome:
        """A client's query (the endpoint's) answered: federated, then evaluated in the format it asks for
        (``format=``) or else ``accept``. A syntax error is explained against the client's text (MalformedQuery)."""
        self.service.require_store()  # a starting store answers 503 before any SERVICE call goes out
        federated = await self.federate(query)
        try:
            return await self.outcome(federated.query, query.accept or accept, query.dataset)
        except QuerySyntaxError as error:
            raise await self.explained(query.query, error) from None

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
        """Several SELECTs at once (the store's workers share them), results in order."""
        results: list[list[Row]] = [[] for _ in queries]

        async def one(i: int, query: str) -> None:
            results[i] = await self.rows(query)

        async with anyio.create_task_group() as group:
            for i, query in enumerate(queries):
                group.start_soon(one, i, query)
        return results


async def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(get_service)]


async def get_queries(service: ServiceDep) -> Queries:
    return Queries(service)


async def get_languages(request: Request) -> list[str]:
    """The reader's languages, best first: Accept-Language, then our fallback chain."""
    return preferred_languages(request.headers.get("accept-language"))


QueriesDep = Annotated[Queries, Depends(get_queries)]
LanguagesDep = Annotated[list[str], Depends(get_languages)]
