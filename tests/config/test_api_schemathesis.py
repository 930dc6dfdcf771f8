"""Fuzz the whole API from its own OpenAPI schema, in-process (WSGI), with every schemathesis check.

Every operation gets a modest number of generated requests (positive and negative data), authenticated with a
real API token of an admin (issued by `token_create`, sent as `Authorization: Token <key>`). The database holds
one of each kind of row (a product with a variant and an image, a channel, a listing that was never published,
a sync job and a failed attempt), so lists and details answer with real objects and their bodies are checked
against the schema, not only empty pages. A failure here is a 5xx, an undocumented status, header or content
type, a response body that does not match its schema, an endpoint that ignores auth, a resource that is
missing after it was created or still there after it was deleted, or schema-violating input that was accepted.

One check cannot hold in full, for a reason the schema cannot express: `positive_data_acceptance` (a
schema-valid request must not get a 400). Many schema-valid requests break rules that depend on stored data or
on more than one field and are rightly refused with a 400 naming the field: SKUs must be unique, foreign ids
must exist (in bodies and in filters), a compare-at price must not be below the price, a barcode needs a valid
check digit, a currency must be ISO 4217. That check still runs, with 400 added to its accepted statuses, so a
schema-valid request is still refused if it gets 405, 406, 415 or 422.

The lockout answer of the token endpoint (429 after repeated failed logins) is checked against the schema by
its own test below: random data never fails five logins of one user in a row.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from accounts.services import token_create
from common.api.throttling import TokenRateThrottle
from config.wsgi import application
from syncing.models import SyncEvent
from syncing.services.jobs import sync_job_create

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
# Schema-valid requests that break a rule the schema cannot state (see the docstring) are a 400.
schema.config.checks.positive_data_acceptance.expected_statuses = [
    *schema.config.checks.positive_data_acceptance.expected_statuses,
    "400",
]

FUZZ_SETTINGS = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
TOKEN_URL = "/api/v1/auth/token/"
JSON = "application/json"


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
def stored_rows(make_listing):
    """One row of each kind the API returns; the listing was never published (no external id or URL)."""
    listing = make_listing()
    job = sync_job_create(channel=listing.channel, kind="push", listing_ids=[listing.pk])
    SyncEvent.objects.create(
        channel_id=listing.channel_id, listing=listing, job=job, operation="create", outcome="failed", message="x"
    )
    return listing


@pytest.fixture
def auth_headers(db, django_user_model, monkeypatch, _test_connection_kept, stored_rows):
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
    case.call_and_validate(headers=auth_headers)


@pytest.mark.slow
@pytest.mark.usefixtures("_test_connection_kept")
def test_token_lockout_answer_conforms_to_its_schema(db, django_user_model):
    # given a user locked out after five failed logins from one address
    django_user_model.objects.create_user("locked", "locked@example.com", "pw-locked-123")
    operation = schema[TOKEN_URL]["POST"]
    for attempt in range(5):
        operation.Case(body={"username": "locked", "password": f"wrong-{attempt}"}, media_type=JSON).call()
    # when the right password is sent from the same address
    case = operation.Case(body={"username": "locked", "password": "pw-locked-123"}, media_type=JSON)
    response = case.call()
    # then the 429 is documented and its body has the error shape
    assert response.status_code == 429
    case.validate_response(response)
    assert set(response.json()) == {"status", "code", "detail", "errors"}
