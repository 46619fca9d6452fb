"""The fuzz and attack corpus's server: a real uvicorn on loopback over the full build, with one partner agency
(``acme``, made with the registry as ``migkg partner add`` makes it) whose token the upload cases send.

How many examples each strategy runs: ``FUZZ_EXAMPLES`` (200 unless set; e.g. ``FUZZ_EXAMPLES=2000 pytest
tests/fuzz``). Hypothesis's deadline is off (a request over loopback on a busy machine is not a bug); hangs are
caught by the client's timeout instead, and a hang or a 5xx fails the case.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest
from fuzzing import TIMEOUT, FuzzServer
from hypothesis import HealthCheck, settings

from server.partners.registry import Registry
from server.release import Release
from tools import loopback

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))

settings.register_profile(
    "fuzz",
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # nothing written to the checkout; a failure prints the example and its reproduction blob
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)


@pytest.fixture(scope="session")
def fuzz_server(release: Release, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzServer]:
    """Two query workers, a 5 s deadline, uploads capped at 1 MB, partner ``acme`` registered."""
    directory = tmp_path_factory.mktemp("fuzz")
    state = directory / "var"
    _, token = Registry(state / "partners.json").add("acme", name="ACME agency")
    running = loopback.start_server(
        directory, release.path, state_dir=str(state), query_workers="2", query_timeout="5", max_upload_bytes="1000000"
    )
    yield FuzzServer(running, token)
    running.stop()


@pytest.fixture(scope="session")
def client(fuzz_server: FuzzServer) -> Iterator[httpx.Client]:
    """One keep-alive client for the corpus; its timeout makes a hang fail the case."""
    with httpx.Client(base_url=fuzz_server.url, timeout=TIMEOUT) as session:
        yield session
