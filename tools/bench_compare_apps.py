"""The two Python endpoints ``tools.bench_compare`` measures ours against, as uvicorn app factories.

``bare_app``: GET and POST ``/sparql`` over one in-memory pyoxigraph ``Store`` holding the N-Quads file named by
``BENCH_COMPARE_DATA``, queried with the union of the named graphs as default graph (``store.query`` in FastAPI's
thread pool), results as SPARQL JSON (graph results as Turtle). No limits, no negotiation, no pages: what ours costs
above the engine. ``rdflib_app``: rdflib-endpoint's ``SparqlEndpoint`` at ``/sparql`` over an rdflib ``Dataset``
(union default graph) of the same file. Run with ``python -m tools.bench_compare_apps bare|rdflib --port P --workers
N``: uvicorn's own supervisor, each worker process loading its own copy, over a listening socket that says it is TCP.
``uvicorn --workers N`` binds one that does not, so asyncio never sets ``TCP_NODELAY`` on its connections and every
keep-alive request after the first waits ~40 ms for a delayed ACK (uvicorn issue 3149, open): that, not the engine,
would be measured.
"""

from __future__ import annotations

import argparse
import os
import socket
from pathlib import Path

import pyoxigraph as ox
import uvicorn
from fastapi import FastAPI, Form, HTTPException, Query
from fastapi.responses import Response
from uvicorn.supervisors import Multiprocess

from server import media

DATA_VARIABLE = "BENCH_COMPARE_DATA"
# uvicorn's supervisor replaces a worker that does not answer its ping in time, even while it loads the data
HEALTHCHECK_SECONDS = 120


def data_file() -> Path:
    return Path(os.environ[DATA_VARIABLE])


def bare_app() -> FastAPI:
    store = ox.Store()
    store.bulk_load(path=str(data_file()), format=ox.RdfFormat.N_QUADS)
    app = FastAPI(title="bare pyoxigraph endpoint")

    def answer(query: str) -> Response:
        try:
            result = store.query(query, use_default_graph_as_union=True)
        except SyntaxError as error:
            raise HTTPException(400, str(error)) from None
        if isinstance(result, ox.QueryTriples):
            return Response(result.serialize(format=ox.RdfFormat.TURTLE), media_type=media.TURTLE.media_type)
        body = result.serialize(format=ox.QueryResultsFormat.JSON)
        return Response(body, media_type=media.SPARQL_JSON.media_type)

    @app.get("/sparql")
    def get(query: str = Query()) -> Response:
        return answer(query)

    @app.post("/sparql")
    def post(query: str = Form()) -> Response:
        return answer(query)

    return app


def rdflib_app() -> FastAPI:
    from rdflib import Dataset
    from rdflib_endpoint import SparqlEndpoint

    dataset = Dataset(default_union=True)
    dataset.parse(data_file(), format="nquads")
    return SparqlEndpoint(path="/sparql", graph=dataset, cors_enabled=False)


def serve(factory: str, port: int, workers: int) -> None:
    """``factory`` on 127.0.0.1:``port`` in ``workers`` processes (uvicorn's supervisor; access log off)."""
    config = uvicorn.Config(
        f"tools.bench_compare_apps:{factory}", factory=True, host="127.0.0.1", port=port, workers=workers,
        log_level="info", access_log=False, timeout_worker_healthcheck=HEALTHCHECK_SECONDS,
    )  # fmt: skip
    bound = config.bind_socket()
    listener = socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, fileno=bound.detach())
    Multiprocess(config, sockets=[listener]).run()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m tools.bench_compare_apps")
    p.add_argument("app", choices=("bare", "rdflib"))
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args(argv)
    serve(f"{args.app}_app", args.port, args.workers)


if __name__ == "__main__":
    main()
