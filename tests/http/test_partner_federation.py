"""Two migkg servers on loopback, each the partner of the other and each allowlisting the other for SERVICE.

Agency ``alpha`` runs server A and publishes its programme into server B with its token there; agency ``beta`` runs
server B and publishes into A. One query on either server then joins both servers' data: its own release and the
programme the other agency published into it, with the programme the other server holds, through SERVICE — in both
directions. Server A runs on each backend (``backends``: the embedded store, Virtuoso, the Oxigraph server, each
holding the full build published by ``migkg build``'s own publish), server B on the embedded store: partner writes
and federation work the same when the graph lives in a remote store.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from backends import PublishedStores
from partner_server import P25Q, add_partner, graph, start

from server import prefixes
from server.release import Release
from tools import loopback

pytestmark = [pytest.mark.http, pytest.mark.build, pytest.mark.backends, pytest.mark.xdist_group("partner-federation")]

HEAD = prefixes.sparql_header(("mig", "rdfs"))


@dataclass
class Twin:
    a: loopback.Server
    b: loopback.Server
    token_alpha_on_b: str
    token_beta_on_a: str


def programme(agency: str) -> str:
    return (
        f"<https://{agency}.example/programme/1> a <{prefixes.MIG}Programme> ; "
        f'<{prefixes.RDFS}label> "Programa {agency}"@es ; <{prefixes.MIG}givesEffectTo> <{P25Q}> .'
    )


def put(server: loopback.Server, token: str, graph_iri: str, body: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/turtle"}
    return httpx.put(server.url + "/graph-store", params={"graph": graph_iri}, content=body.encode(),
                     headers=headers, timeout=180)  # fmt: skip


def select(server: loopback.Server, query: str) -> set[tuple[str, ...]]:
    response = httpx.post(server.sparql, data={"query": HEAD + query}, timeout=60)
    assert response.status_code == 200, response.text
    body = response.json()
    names = body["head"]["vars"]
    return {tuple(row[n]["value"] for n in names) for row in body["results"]["bindings"]}


@pytest.fixture(scope="module")
def twin(
    backend: str, published_stores: PublishedStores, release: Release, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Twin]:
    port_a, port_b = loopback.free_port(), loopback.free_port()
    origin_a, origin_b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
    state_a, state_b = tmp_path_factory.mktemp("state-a"), tmp_path_factory.mktemp("state-b")
    beta_on_a, alpha_on_b = add_partner(state_a, "beta", origin_b), add_partner(state_b, "alpha", origin_a)
    store = published_stores.settings(backend, release.path)
    a = start(tmp_path_factory.mktemp(f"server-a-{backend}"), release.path, state_a, port=port_a,
              service_allowlist=origin_b, **store)  # fmt: skip
    try:
        b = start(tmp_path_factory.mktemp("server-b"), release.path, state_b, port=port_b,
                  service_allowlist=origin_a)  # fmt: skip
    except Exception:
        a.stop()
        raise
    yield Twin(a, b, alpha_on_b, beta_on_a)
    a.stop()
    b.stop()


def test_publish_each_agency_programme_into_the_other_server(twin: Twin) -> None:
    on_a = put(twin.a, twin.token_beta_on_a, graph("programmes", "beta"), programme("beta"))
    on_b = put(twin.b, twin.token_alpha_on_b, graph("programmes", "alpha"), programme("alpha"))
    assert (on_a.status_code, on_b.status_code) == (201, 201), (on_a.text, on_b.text)


def test_refuse_each_agency_token_on_its_own_server(twin: Twin) -> None:
    """A token is the partner's on the server that issued it, and nowhere else."""
    assert put(twin.a, twin.token_alpha_on_b, graph("programmes", "alpha"), programme("alpha")).status_code == 401
    assert put(twin.b, twin.token_beta_on_a, graph("programmes", "beta"), programme("beta")).status_code == 401


@pytest.mark.parametrize("direction", ["a-calls-b", "b-calls-a"])
def test_join_both_servers_partner_programmes_with_the_release_in_one_query(twin: Twin, direction: str) -> None:
    here, there = (twin.a, twin.b) if direction == "a-calls-b" else (twin.b, twin.a)
    query = (
        "SELECT ?programme ?label ?document WHERE { "
        "{ ?programme mig:givesEffectTo ?item ; rdfs:label ?label } "
        f"UNION {{ SERVICE <{there.sparql}> {{ ?programme mig:givesEffectTo ?item ; rdfs:label ?label }} }} "
        "?item mig:itemOf ?document }"
    )
    document = prefixes.ID + "commitment/montevideo-2006"
    assert select(here, query) == {
        ("https://alpha.example/programme/1", "Programa alpha", document),
        ("https://beta.example/programme/1", "Programa beta", document),
    }
