"""Schemathesis over the app's own OpenAPI description (``/openapi.json``): every operation, with valid and invalid
parameters and bodies, is answered with a 2xx, 3xx or a clear 4xx."""

from __future__ import annotations

import pytest
import schemathesis
from fuzzing import TIMEOUT, FuzzServer, assert_clear_answer
from hypothesis import given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

pytestmark = [pytest.mark.http, pytest.mark.build, pytest.mark.fuzz, pytest.mark.xdist_group("fuzz")]

# Operations per Hypothesis example budget: the description has some 50, so each gets an eighth of the budget.
OPERATIONS = settings(settings.get_profile("fuzz"), max_examples=max(5, settings.get_profile("fuzz").max_examples // 8))
DEREFERENCE = r"^/(id|doc)/"  # answer 500 to %00 and non-ASCII until issue 11 item 5 (i11-http) lands


@pytest.fixture(scope="session")
def openapi(fuzz_server: FuzzServer) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(fuzz_server.url + "/openapi.json")


def call(case: schemathesis.Case) -> None:
    response = case.call(timeout=TIMEOUT)
    where = f"{case.method} {case.formatted_path} {case.query or ''}"[:300]
    assert_clear_answer(where, response.status_code, response.content, head=case.method == "HEAD")


def fuzz(schema: schemathesis.BaseSchema) -> int:
    """Every operation of ``schema``, with valid and invalid data (``OPERATIONS`` examples each); how many."""
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        cases = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
        )

        @OPERATIONS
        @given(case=cases)
        def answered_clearly(case: schemathesis.Case) -> None:
            call(case)

        answered_clearly()
    return len(operations)


def test_call_operation_answers_clearly(openapi: schemathesis.BaseSchema) -> None:
    assert fuzz(openapi.exclude(path_regex=DEREFERENCE)) > 30  # every operation but the two below


def test_call_dereference_answers_clearly(openapi: schemathesis.BaseSchema) -> None:
    assert fuzz(openapi.include(path_regex=DEREFERENCE)) == 2  # GET /id/{path}, GET /doc/{path}
