"""Fuzz the whole API from its own OpenAPI schema, in-process (WSGI), with schemathesis' default checks.

Every operation gets a modest number of generated requests (positive and negative data), authenticated with
an admin's API token. A failure here is a 5xx, an undocumented status or content type, a response that does
not match its schema, an endpoint that ignores auth, or schema-violating input that was accepted.

One default check is left out on purpose: `positive_data_acceptance` (a schema-valid request must get a 2xx).
Many schema-valid requests break rules a schema cannot express and are rightly refused with a 400 naming the
field: SKUs must be unique, foreign ids must exist, currencies must be ISO 4217, barcodes need a valid check
digit, a compare-at price must not be below the price. Everything else runs, including negative data.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from accounts.services import token_create
from common.api.throttling import TokenRateThrottle
from config.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)

FUZZ_SETTINGS = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@pytest.fixture
def _test_connection_kept():
    """Keep the test's database connection across the in-process WSGI calls, as Django's test client does.

    Without this, a request ending in a database error makes `close_old_connections` close the connection that
    holds the test transaction (PostgreSQL), and every later request fails with "the connection is closed".
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def auth_headers(db, django_user_model, monkeypatch, _test_connection_kept):
    user = django_user_model.objects.create_superuser("fuzz", "fuzz@example.com", "pw-fuzz-123")
    _, key = token_create(user=user, name="fuzz")
    # The fuzzer sends thousands of requests a minute; the per-token limit is tested on its own.
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "1000000/min"})
    cache.clear()
    return {"Authorization": f"Token {key}"}


@pytest.mark.slow
@schema.parametrize()
@FUZZ_SETTINGS
def test_api_conforms_to_its_schema(case, auth_headers):
    case.call_and_validate(headers=auth_headers, excluded_checks=[positive_data_acceptance])
