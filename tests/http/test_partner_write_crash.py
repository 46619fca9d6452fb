"""kill -9 of the whole server (uvicorn, its query workers, its partner writer and the reasoner's JVM) during a
partner upload, then a restart on the same state: the graph is either wholly there or wholly absent, and after a
2xx it is there."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from partner_server import Upload, add_partner, graph, kill_whole_server, programme, reasoner_running, start
from waiting import wait_until

from server.partners.storage import PartnerStorage
from server.release import Release
from tools.loopback import Server

pytestmark = [pytest.mark.http, pytest.mark.build, pytest.mark.xdist_group("partner-writes")]

PROGRAMMES = 700  # 2,100 triples: the gate takes a few seconds, time enough to kill in its middle


def test_kill_whole_server_during_upload_leaves_all_or_nothing(release: Release, tmp_path: Path) -> None:
    state = tmp_path / "var"
    token = add_partner(state, "acme")
    body = "\n".join(programme(n) for n in range(PROGRAMMES)).encode()
    whole = {q.triple for q in ox.parse(body, format=ox.RdfFormat.TURTLE)}
    reports = state / "partner-reports"
    moments: list[tuple[str, Callable[[Server, Upload], bool], bool]] = [
        # (when the server is killed, what shows it has come, whether the graph must then be there)
        ("while the upload is received", lambda s, u: u.sent.is_set(), False),
        ("while the reasoner checks it", lambda s, u: reasoner_running(s) or u.done.is_set(), False),
        ("once its report is kept", lambda s, u: any(reports.glob("*.nt")) or u.done.is_set(), False),
        ("right after the 2xx", lambda s, u: u.done.is_set(), True),
    ]
    server = start(tmp_path / "server-0", release.path, state)
    try:
        for trial, (when, moment, required) in enumerate(moments):
            for report in reports.glob("*.nt"):
                report.unlink()
            target = graph(f"crash-{trial}")
            upload = Upload(server, token, target, body)
            wait_until(partial(moment, server, upload), 240, f"the moment to kill: {when}")
            kill_whole_server(server)
            upload.done.wait(30)
            server = start(tmp_path / f"server-{trial + 1}", release.path, state)
            found = {q.triple for q in PartnerStorage(state / "partner-graphs").graph_quads(target)}
            assert found in (set(), whole), f"killed {when}: {len(found)} of {len(whole)} triples"
            if required or upload.status in (200, 201, 204):
                assert found == whole, f"killed {when}, after a {upload.status}: the graph is missing"
            answer = httpx.get(server.url + "/graph-store", params={"graph": target})
            assert answer.status_code == (200 if found else 404)
    finally:
        kill_whole_server(server)
