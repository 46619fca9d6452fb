"""Who may write what, over real HTTP: the authorisation attacks (each refused with the status and the rule it
breaks, nothing changed, the server still serving), CORS for writes, and tokens kept out of the server's log."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import quote

import httpx
import pytest
from partner_server import ACME_ORIGIN, BEE_ORIGIN, PartnerServer, graph, programme

from server import prefixes
from server.partners.registry import new_token

pytestmark = [pytest.mark.http, pytest.mark.build, pytest.mark.xdist_group("partner-writes")]

TRIPLE = "<https://example.org/agency/x> <http://www.w3.org/2000/01/rdf-schema#label> 'x'"
EXCERPT = prefixes.EXCERPT + "gfmd-2011-ws-organised-hosted"
OWN = graph("attacked")
WRONG = new_token()  # well-formed, never issued


@dataclass(frozen=True)
class Attack:
    """One request a partner (or anyone) must not get away with, and how it is refused."""

    name: str
    method: str
    path: str  # after the server's URL, query string included
    auth: str | None  # "acme", "gone" (revoked), "wrong", "basic", or None (no header)
    status: int
    words: str  # in the message: the rule, or what to do
    body: str = field(default=programme(1))
    content_type: str = "text/turtle"


def gsp(
    name: str, target: str | None, status: int, words: str, method: str = "PUT", auth: str | None = "acme"
) -> Attack:
    path = "/graph-store?default" if target is None else f"/graph-store?graph={quote(target, safe='')}"
    return Attack(name, method, path, auth, status, words)


def upd(name: str, update: str, status: int, words: str, auth: str | None = "acme", path: str = "/sparql") -> Attack:
    return Attack(
        name, "POST", path, auth, status, words, f"update={quote(update)}", "application/x-www-form-urlencoded"
    )


ATTACKS = [
    gsp("no-token", OWN, 401, "Authorization: Bearer", auth=None),
    gsp("wrong-token", OWN, 401, "not valid", auth="wrong"),
    gsp("basic-auth", OWN, 401, "not a bearer token", auth="basic"),
    gsp("revoked-partner", OWN, 401, "not valid", auth="gone"),
    Attack("token-in-url", "PUT", f"/graph-store?graph={quote(OWN, safe='')}&access_token=TOKEN", None, 400, "header"),
    Attack("token-param-in-url", "PUT", f"/graph-store?graph={quote(OWN, safe='')}&token=TOKEN", "acme", 400, "header"),
    gsp("other-agency", graph("programmes", "bee"), 403, "rule: other-partner"),
    gsp("excerpt", EXCERPT, 403, "rule: curated-excerpt"),
    gsp("excerpt-delete", EXCERPT, 403, "rule: curated-excerpt", method="DELETE"),
    gsp("provenance", prefixes.GRAPH_PROVENANCE, 403, "rule: release-graph"),
    gsp("partner-provenance", prefixes.GRAPH_PARTNER_PROVENANCE, 403, "rule: partner-provenance"),
    gsp("reference", prefixes.GRAPH_REFERENCE + "pycountry", 403, "rule: release-graph"),
    gsp("inferred", prefixes.GRAPH_INFERRED, 403, "rule: release-graph", method="POST"),
    gsp("ontology", prefixes.GRAPH_ONTOLOGY, 403, "rule: release-graph"),
    gsp("ontology-delete", prefixes.GRAPH_ONTOLOGY, 403, "rule: release-graph", method="DELETE"),
    gsp("default-graph", None, 403, "rule: default-graph"),
    gsp("outside-our-graphs", "https://example.org/graph", 403, "rule: outside-partner-graphs"),
    gsp("nested-dataset", graph("a/b"), 403, "rule: dataset-name"),
    upd("update-anonymous", f"INSERT DATA {{ GRAPH <{OWN}> {{ {TRIPLE} }} }}", 403, "read-only", auth=None),
    upd("update-wrong-token", f"INSERT DATA {{ GRAPH <{OWN}> {{ {TRIPLE} }} }}", 401, "not valid", auth="wrong"),
    upd("update-revoked", f"INSERT DATA {{ GRAPH <{OWN}> {{ {TRIPLE} }} }}", 401, "not valid", auth="gone"),
    upd(
        "update-token-in-url",
        f"INSERT DATA {{ GRAPH <{OWN}> {{ {TRIPLE} }} }}",
        400,
        "header",
        path="/sparql?access_token=TOKEN",
    ),
    upd("update-excerpt", f"INSERT DATA {{ GRAPH <{EXCERPT}> {{ {TRIPLE} }} }}", 403, "rule: curated-excerpt"),
    upd(
        "update-ontology", f"DELETE WHERE {{ GRAPH <{prefixes.GRAPH_ONTOLOGY}> {{ ?s ?p ?o }} }}", 403, "release-graph"
    ),
    upd(
        "update-partner-provenance",
        f"INSERT DATA {{ GRAPH <{prefixes.GRAPH_PARTNER_PROVENANCE}> {{ {TRIPLE} }} }}",
        403,
        "rule: partner-provenance",
    ),
    upd("update-clear-missing-graph", f"CLEAR GRAPH <{graph('never-written')}>", 400, "does not exist"),
    upd("update-other-agency", f"INSERT DATA {{ GRAPH <{graph('x', 'bee')}> {{ {TRIPLE} }} }}", 403, "other-partner"),
    upd("update-default-graph", f"INSERT DATA {{ {TRIPLE} }}", 403, "rule: default-graph"),
    upd("update-delete-everything", "DELETE WHERE { ?s ?p ?o }", 403, "rule: default-graph"),
    upd(
        "update-graph-variable",
        f"INSERT {{ GRAPH ?g {{ {TRIPLE} }} }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        403,
        "rule:",
    ),
    upd("update-drop-all", "DROP ALL", 403, "rule: default-graph"),
    upd("update-load", f"LOAD <http://127.0.0.1:9/data.ttl> INTO GRAPH <{OWN}>", 403, "LOAD is refused"),
    upd(
        "update-service",
        f"INSERT {{ GRAPH <{OWN}> {{ ?s ?p ?o }} }} WHERE {{ SERVICE <http://127.0.0.1:9/sparql> {{ ?s ?p ?o }} }}",
        400,
        "SERVICE",
    ),
]


def headers_for(server: PartnerServer, attack: Attack) -> dict[str, str]:
    sent = {"Content-Type": attack.content_type}
    if attack.auth == "wrong":
        sent["Authorization"] = f"Bearer {WRONG}"
    elif attack.auth == "basic":
        sent["Authorization"] = "Basic YWNtZTpzZWNyZXQ="
    elif attack.auth is not None:
        sent["Authorization"] = f"Bearer {server.tokens[attack.auth]}"
    return sent


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_refuse_write_attack_changing_nothing(partner_server: PartnerServer, attack: Attack) -> None:
    generation = partner_server.storage.generation()
    path = attack.path.replace("TOKEN", partner_server.tokens["acme"])
    response = httpx.request(
        attack.method,
        partner_server.url + path,
        content=attack.body.encode(),
        headers=headers_for(partner_server, attack),
        timeout=180,
    )
    assert response.status_code == attack.status, response.text
    assert attack.words in response.text
    assert partner_server.tokens["acme"] not in response.text
    if attack.status == 401:
        expected = (
            'Bearer realm="migkg", error="invalid_token"'
            if attack.auth in ("wrong", "gone")
            else 'Bearer realm="migkg"'
        )
        assert response.headers["www-authenticate"] == expected
    assert partner_server.storage.generation() == generation
    partner_server.server.assert_serving()


def test_refuse_token_in_form_body(partner_server: PartnerServer) -> None:
    body = {"update": f"INSERT DATA {{ GRAPH <{OWN}> {{ {TRIPLE} }} }}", "access_token": partner_server.tokens["acme"]}
    response = httpx.post(partner_server.server.sparql, data=body, headers=partner_server.auth(), timeout=60)
    assert response.status_code == 400 and "header" in response.text


def test_refuse_token_in_query_url(partner_server: PartnerServer) -> None:
    response = httpx.get(partner_server.server.sparql, params={"query": "ASK {}", "access_token": "x"})
    assert response.status_code == 400 and "Authorization header" in response.text


# --- CORS for writes ----------------------------------------------------------------------------------------------


def preflight(server: PartnerServer, origin: str, method: str, path: str = "/graph-store") -> httpx.Response:
    return httpx.options(
        server.url + path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
def test_write_preflight_from_a_partner_origin_is_allowed_without_a_token(
    partner_server: PartnerServer, method: str
) -> None:
    response = preflight(partner_server, ACME_ORIGIN, method)
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == ACME_ORIGIN
    assert method in response.headers["access-control-allow-methods"]
    allowed = {h.strip() for h in response.headers["access-control-allow-headers"].split(",")}
    assert {"Authorization", "Content-Type", "Content-Encoding", "If-Match", "If-None-Match"} <= allowed
    assert "Origin" in response.headers["vary"]


def test_write_preflight_from_an_unknown_origin_is_refused(partner_server: PartnerServer) -> None:
    response = preflight(partner_server, "https://evil.example", "PUT")
    assert response.status_code == 403 and "cors-origin" in response.text
    assert "access-control-allow-origin" not in response.headers


def test_update_preflight_is_a_write_preflight(partner_server: PartnerServer) -> None:
    allowed = preflight(partner_server, BEE_ORIGIN, "POST", "/sparql")
    assert allowed.status_code == 204 and allowed.headers["access-control-allow-origin"] == BEE_ORIGIN
    assert preflight(partner_server, "https://evil.example", "POST", "/sparql").status_code == 403


def test_read_preflight_and_reads_stay_open_to_every_origin(partner_server: PartnerServer) -> None:
    response = httpx.options(
        partner_server.server.sparql,
        headers={"Origin": "https://anyone.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"},
    )  # fmt: skip
    assert response.status_code == 200 and response.headers["access-control-allow-origin"] == "*"
    read = httpx.get(partner_server.graph_store + "?default", headers={"Origin": "https://anyone.example"})
    assert read.status_code == 200 and read.headers["access-control-allow-origin"] == "*"


def test_write_from_a_page_the_partner_configured_is_accepted(partner_server: PartnerServer) -> None:
    response = partner_server.put(graph("from-browser"), programme(1), Origin=ACME_ORIGIN)
    assert response.status_code == 201, response.text
    assert "location" in response.headers["access-control-expose-headers"].lower()


def test_write_from_a_page_the_partner_did_not_configure_is_403(partner_server: PartnerServer) -> None:
    generation = partner_server.storage.generation()
    response = partner_server.put(graph("from-elsewhere"), programme(1), Origin=BEE_ORIGIN)  # bee's, not acme's
    assert response.status_code == 403 and "cors-origin" in response.text
    assert partner_server.storage.generation() == generation


# --- logs --------------------------------------------------------------------------------------------------------


def test_tokens_never_reach_the_server_log(partner_server: PartnerServer) -> None:
    """The server runs with its access log on: a write, a failed authentication and a token sent in a URL by
    mistake leave their lines, never the tokens."""
    token = partner_server.tokens["acme"]
    assert partner_server.put(graph("logged"), programme(1)).status_code == 201
    wrong = {"Authorization": f"Bearer {WRONG}", "Content-Type": "text/turtle"}
    assert httpx.put(partner_server.graph_store, params={"graph": graph("logged")}, headers=wrong).status_code == 401
    leaked = httpx.put(partner_server.graph_store, params={"graph": graph("logged"), "access_token": token})
    assert leaked.status_code == 400
    update = {"update": "CLEAR ALL", "token": WRONG}
    assert (
        httpx.post(partner_server.server.sparql, data=update, headers={"Authorization": f"Bearer {WRONG}"}).status_code
        == 400
    )
    log = partner_server.server.log.read_text(encoding="utf-8", errors="replace")
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]  # the JSON access log is on
    writes = [line for line in lines if line["method"] == "PUT" and "logged" in line.get("query", "")]
    assert [line["status"] for line in writes] == [201, 401, 400]  # this test's three writes, in order
    assert "access_token=REDACTED" in writes[-1]["query"]
    for secret in (*partner_server.tokens.values(), WRONG):
        assert secret not in log
