"""Hardening of the API's edges (issue 9): JSON depth, NUL/surrogates, request ids, unknown routes, access log."""

import json
import uuid

import pytest
from rest_framework.test import APIClient

from agents.models import Agent
from aybiza.api import accesslog
from aybiza.api.parsers import check_value
from security_app.models import ApiAccessLog

AGENTS = "/api/v1/agents/"


def _deep(depth: int):
    value = "x"
    for _ in range(depth):
        value = {"a": value}
    return value


def _post_raw(client, path, text: str):
    return client.post(path, data=text.encode("utf-8", "surrogatepass"), content_type="application/json")


# --- 3. JSON depth ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("depth", [33, 1000, 100_000])
def test_deep_json_is_a_400_naming_the_problem_and_writes_nothing(api, depth):
    text = '{"name": "x", "metadata": ' + "[" * depth + "]" * depth + "}"
    response = _post_raw(api.a, AGENTS, text)
    assert response.status_code == 400, response.content[:300]
    assert "nesting is deeper than 32 levels" in json.dumps(response.json())
    assert not Agent.objects.exists()


def test_json_at_the_depth_limit_is_accepted_by_the_parser(api):
    assert check_value(_deep(31)) is None
    assert check_value(_deep(33))[1] == "JSON nesting is deeper than 32 levels."


# --- 4. NUL and lone surrogates --------------------------------------------------------------------------
@pytest.mark.parametrize("text, problem", [
    ('{"name": "a\\u0000b"}', "NUL characters are not allowed."),
    ('{"name": "a\\ud800b"}', "Lone surrogate characters are not allowed."),
    ('{"name": "ok", "description": "x", "metadata": {"k": ["fine", "\\udfff"]}}',
     "Lone surrogate characters are not allowed."),
])
def test_nul_and_lone_surrogates_are_a_400_naming_the_field(api, text, problem):
    response = _post_raw(api.a, AGENTS, text)
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert list(fields.values()) == [[problem]]
    assert list(fields)[0] in ("name", "metadata.k.1")
    assert not Agent.objects.exists()


def test_nul_in_bulk_metrics_names_the_row_and_field(api):
    body = '{"metrics": [{"call_sid": "CA1", "metric_name": "x\\u0000", "metric_value": 1}]}'
    response = _post_raw(api.a, "/api/v1/call-metrics/bulk/", body)
    assert response.status_code == 400
    assert response.json()["fields"] == {"metrics.0.metric_name": ["NUL characters are not allowed."]}


@pytest.mark.parametrize("query", ["search=a%00b", "name=a%00", "a%00=1"])  # invalid UTF-8 is decoded as U+FFFD by Django
def test_nul_or_surrogate_in_a_query_parameter_is_a_400(api, query):
    response = api.a.get(f"{AGENTS}?{query}")
    assert response.status_code == 400, response.content[:300]
    assert response.json()["code"] in ("validation_error", "malformed_request")


def test_nul_in_the_path_is_a_400(api):
    response = api.a.get(f"{AGENTS}abc%00def/")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"


# --- 12. request ids --------------------------------------------------------------------------------------
def test_a_client_request_id_is_a_correlation_id_and_never_our_request_id(api):
    shared = str(uuid.uuid4())
    first = api.a.get(AGENTS, HTTP_X_REQUEST_ID=shared)
    second = api.b.get(AGENTS, HTTP_X_REQUEST_ID=shared)
    assert first["X-Request-ID"] != second["X-Request-ID"] and shared not in (first["X-Request-ID"], second["X-Request-ID"])
    assert first["X-Correlation-ID"] == second["X-Correlation-ID"] == shared
    accesslog.flush()
    ids = set(ApiAccessLog.objects.values_list("request_id", flat=True))
    assert ids == {uuid.UUID(first["X-Request-ID"]), uuid.UUID(second["X-Request-ID"])}


def test_a_hostile_correlation_id_is_cut_to_printable_ascii(api):
    response = api.a.get(AGENTS, HTTP_X_REQUEST_ID="a\x00b\nc" + "z" * 500)
    assert response["X-Correlation-ID"] == "abc" + "z" * 125


# --- 14. every /api/ response is JSON ---------------------------------------------------------------------
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_unknown_route_with_any_method_is_a_json_404_not_a_csrf_page(api, method):
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api.key_a.raw}")
    response = getattr(client, method)("/api/v1/agents/not-an-action-typo/publsh/", {}, format="json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"
    anonymous = getattr(APIClient(enforce_csrf_checks=True), method)("/api/v2/anything/")
    assert anonymous.status_code == 404 and anonymous.json()["code"] == "not_found"


# --- 6. the access-log writer ------------------------------------------------------------------------------
def test_access_log_sanitises_nul_and_surrogates_and_keeps_other_rows(api):
    api.a.get(AGENTS)
    APIClient().get("/api/v1/agents/", HTTP_USER_AGENT="evil\x00agent\udc80")
    api.b.get(AGENTS)
    assert accesslog.flush() == 3
    agents = sorted(ApiAccessLog.objects.values_list("user_agent", flat=True), key=str)
    assert "evil\ufffdagent?" in agents


def test_one_refused_row_never_loses_the_others(api):
    api.a.get(AGENTS)
    api.b.get(AGENTS)
    with accesslog._lock:
        good = list(accesslog._rows)
        bad = list(good[0])
        bad[0], bad[accesslog.COLUMNS.index("status_code")] = uuid.uuid4(), 10**12  # out of range: refused
        accesslog._rows[:] = [good[0], tuple(bad), good[1]]
    before = accesslog.dropped
    assert accesslog.flush() == 2
    assert accesslog.dropped == before + 1
    assert ApiAccessLog.objects.count() == 2
