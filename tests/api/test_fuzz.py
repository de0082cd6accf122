"""Fuzz the API from its own OpenAPI schema (schemathesis): no operation may answer 5xx.

Each operation gets a bounded number of generated requests (MAX_EXAMPLES, env
AYBIZA_FUZZ_EXAMPLES, default 5),
authenticated with a tenant key holding every scope; generated path ids
are mostly unknown (404), bodies and query strings are what the schema
allows and, in negative mode, what it does not.
"""

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings as hypothesis_settings
from schemathesis.checks import not_a_server_error

from .conftest import make_key

MAX_EXAMPLES = int(os.environ.get("AYBIZA_FUZZ_EXAMPLES", "5"))
SLOW_EXAMPLES = int(os.environ.get("AYBIZA_FUZZ_SLOW_EXAMPLES", "50"))

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@pytest.fixture
def fuzz_key(api, settings):
    # Like Django's test Client: the WSGI handler must not close the test's connection after each request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    settings.AYBIZA_API = {**settings.AYBIZA_API, "MAX_BODY_BYTES": 256 * 1024}
    key = make_key(api.tenant_a, rate_limit={"requests_per_minute": 1_000_000, "requests_per_hour": 1_000_000,
                                             "requests_per_day": 1_000_000})
    yield key.raw
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@hypothesis_settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
                     suppress_health_check=list(HealthCheck))
def test_no_server_errors(case, fuzz_key):
    response = case.call(headers={"Authorization": f"Bearer {fuzz_key}"})
    assert response.status_code < 500, (case.method, case.formatted_path, response.status_code, response.text[:500])
    case.validate_response(response, checks=[not_a_server_error])


@pytest.mark.slow
@schema.parametrize()
@hypothesis_settings(max_examples=SLOW_EXAMPLES, deadline=None, derandomize=True,
                     suppress_health_check=list(HealthCheck))
def test_no_server_errors_many_examples(case, fuzz_key):
    """The same, with many more examples per operation (`./dev test -m slow tests/api/test_fuzz.py`)."""
    response = case.call(headers={"Authorization": f"Bearer {fuzz_key}"})
    assert response.status_code < 500, (case.method, case.formatted_path, response.status_code, response.text[:500])
    case.validate_response(response, checks=[not_a_server_error])
