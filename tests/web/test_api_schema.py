"""Schemathesis against the OpenAPI spec: generated requests, anonymous and as a steward, never a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from .conftest import World, make_client

BOUNDED = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                   database=None)


@pytest.mark.parametrize("user", [None, "alice"], ids=["anonymous", "steward"])
def test_no_operation_answers_a_server_error(world: World, user: str | None) -> None:
    headers = {"Authorization": f"Bearer {world.tokens[user]}"} if user else {}
    with make_client(world.home, rate_limit=1_000_000, rate_burst=1_000_000) as client:
        schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 20
        for operation in operations:

            @BOUNDED
            @given(case=operation.as_strategy())
            def check(case: schemathesis.Case) -> None:
                case.call_and_validate(headers=headers, checks=[not_a_server_error])

            check()
