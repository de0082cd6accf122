"""Rate limits (exact across threads and processes), IP allowlists, trusted proxies, access logs."""

import datetime as dt
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest
from django.db import connections
from django.utils import timezone
from rest_framework.test import APIClient

from aybiza.api import accesslog
from security_app.models import ApiAccessLog, SecurityEvent
from tests import factories as f

from .conftest import client_for, make_key

AGENTS = "/api/v1/agents/"


def _away_from_minute_boundary():
    second = timezone.now().second
    if second >= 45:
        time.sleep(61 - second)


def _hammer(raw_key: str, n: int) -> list[tuple[int, str | None]]:
    """n requests with one key from this thread/process, on its own database connection."""
    try:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
        out = []
        for _ in range(n):
            response = client.get(AGENTS)
            out.append((response.status_code, response.get("Retry-After")))
        return out
    finally:
        connections.close_all()


@pytest.fixture
def limited_key(clean_spec_tables, settings):
    tenant = f.TenantFactory()
    return make_key(tenant, permissions={"agents": ["read"]},
                    rate_limit={"requests_per_minute": 25, "requests_per_hour": 1000, "requests_per_day": 10000})


def _check(results, limit):
    codes = [code for code, _ in results]
    assert codes.count(200) == limit, codes
    assert codes.count(429) == len(codes) - limit
    assert all(retry and 1 <= int(retry) <= 60 for code, retry in results if code == 429)


@pytest.mark.django_db(transaction=True)
def test_rate_limit_is_exact_across_threads(limited_key):
    _away_from_minute_boundary()
    with ThreadPoolExecutor(8) as pool:
        results = [r for batch in pool.map(lambda _: _hammer(limited_key.raw, 10), range(8)) for r in batch]
    _check(results, 25)
    events = SecurityEvent.objects.filter(event_type="rate_limit_exceeded", api_key=limited_key)
    assert events.count() == 1  # once per key and window, not once per refused request
    limited_key.refresh_from_db()
    assert limited_key.usage_count >= 1 and limited_key.last_used_at is not None


@pytest.mark.django_db(transaction=True)
def test_rate_limit_is_exact_across_processes(limited_key):
    _away_from_minute_boundary()
    connections.close_all()  # each forked worker opens its own connection
    with ProcessPoolExecutor(4, mp_context=multiprocessing.get_context("fork")) as pool:
        results = [r for batch in pool.map(_hammer, [limited_key.raw] * 4, [12] * 4) for r in batch]
    _check(results, 25)


def test_429_body_and_headers(api):
    key = make_key(api.tenant_a, rate_limit={"requests_per_minute": 2, "requests_per_hour": 100,
                                             "requests_per_day": 1000})
    client = client_for(key)
    _away_from_minute_boundary()
    first = client.get(AGENTS)
    assert first["X-RateLimit-Limit"] == "2" and first["X-RateLimit-Remaining"] == "1"
    client.get(AGENTS)
    refused = client.get(AGENTS)
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 60
    accesslog.flush()
    assert ApiAccessLog.objects.filter(api_key=key, rate_limited=True, status_code=429).count() == 1


def test_a_new_window_counts_from_one_while_the_longer_windows_keep_counting(api):
    from django.db.models import F

    from aybiza.api.models import ApiRateWindow

    key = make_key(api.tenant_a, rate_limit={"requests_per_minute": 2, "requests_per_hour": 5,
                                             "requests_per_day": 1000})
    client = client_for(key)
    _away_from_minute_boundary()
    assert [client.get(AGENTS).status_code for _ in range(3)] == [200, 200, 429]
    row = ApiRateWindow.objects.get(api_key=key)
    assert (row.minute_count, row.minute_refused, row.minute_over) == (2, 1, True)
    assert (row.hour_count, row.hour_refused, row.hour_over) == (3, 0, False)  # the refused request took an hour unit
    assert row.total == 3
    ApiRateWindow.objects.filter(api_key=key).update(minute_start=F("minute_start") - dt.timedelta(minutes=1))
    response = client.get(AGENTS)
    assert response.status_code == 200 and response["X-RateLimit-Remaining"] == "1"
    row.refresh_from_db()
    assert (row.minute_count, row.minute_refused, row.minute_over, row.hour_count, row.total) == (1, 0, False, 4, 4)
    assert client.get(AGENTS).status_code == 200  # minute 2/2, hour 5/5
    refused = client.get(AGENTS)
    assert refused.status_code == 429
    row.refresh_from_db()
    assert (row.minute_count, row.hour_count, row.hour_over, row.total) == (2, 5, True, 6)


def test_ip_allowlist_with_addresses_and_cidrs(api):
    key = make_key(api.tenant_a, ip_whitelist=["10.1.2.3", "192.168.0.0/24", "2001:db8::/32"])
    client = client_for(key)
    assert client.get(AGENTS, REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get(AGENTS, REMOTE_ADDR="192.168.0.77").status_code == 200
    assert client.get(AGENTS, REMOTE_ADDR="2001:db8::1").status_code == 200
    refused = client.get(AGENTS, REMOTE_ADDR="10.1.2.4")
    assert refused.status_code == 403 and refused.json()["code"] == "ip_not_allowed"


def test_forwarded_for_is_believed_only_from_trusted_proxies(api, settings):
    key = make_key(api.tenant_a, ip_whitelist=["203.0.113.7"])
    client = client_for(key)
    spoofed = client.get(AGENTS, REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert spoofed.status_code == 403
    settings.AYBIZA_API = {**settings.AYBIZA_API, "TRUSTED_PROXIES": ["10.0.0.0/8"]}
    via_proxy = client.get(AGENTS, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7, 10.0.0.9")
    assert via_proxy.status_code == 200
    client_lies = client.get(AGENTS, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.7, 1.2.3.4")
    assert client_lies.status_code == 403  # the right-most untrusted hop is the client


def test_every_request_is_access_logged(api):
    response = api.a.get(AGENTS, HTTP_USER_AGENT="pytest", HTTP_X_REQUEST_ID="6f0c7a36-7f5e-4d6c-9b1e-2a1c1b7e4a10")
    api.a.post(AGENTS, {"name": "x"}, format="json")
    api.b.get(f"{AGENTS}not-a-uuid/")
    APIClient().get(AGENTS)  # unauthenticated
    assert ApiAccessLog.objects.count() == 0  # nothing written on the request path
    assert accesslog.flush() == 4
    rows = list(ApiAccessLog.objects.order_by("timestamp"))
    assert [(r.method, r.status_code) for r in rows] == [("GET", 200), ("POST", 400), ("GET", 404), ("GET", 401)]
    first, post = rows[0], rows[1]
    assert (first.api_key_id, first.tenant_id, first.organization_id) == (api.key_a.pk, api.tenant_a.pk, api.org1.pk)
    # The client's X-Request-ID is its correlation id; the request id is ours (one id, one request).
    assert str(first.request_id) == response["X-Request-ID"] != "6f0c7a36-7f5e-4d6c-9b1e-2a1c1b7e4a10"
    assert first.error_details == {"correlation_id": "6f0c7a36-7f5e-4d6c-9b1e-2a1c1b7e4a10"}
    assert response["X-Correlation-ID"] == "6f0c7a36-7f5e-4d6c-9b1e-2a1c1b7e4a10" and first.user_agent == "pytest"
    assert first.endpoint == AGENTS and first.ip_address == "127.0.0.1" and first.response_size_bytes > 0
    assert first.response_time_ms >= 0 and first.request_body_hash is None
    import hashlib
    assert post.request_body_hash == hashlib.sha256(b'{"name":"x"}').hexdigest() and post.request_size_bytes == 12
    assert rows[3].api_key_id is None


def test_usage_counters_are_written_at_most_once_per_interval(api):
    for _ in range(5):
        api.a.get(AGENTS)
    api.key_a.refresh_from_db()
    assert api.key_a.usage_count == 1  # the first request wrote it; the next four were folded in the counter
    type(api.key_a).objects.filter(pk=api.key_a.pk).update(last_used_at=timezone.now() - dt.timedelta(minutes=5))
    api.a.get(AGENTS)
    api.key_a.refresh_from_db()
    assert api.key_a.usage_count == 6


@pytest.mark.django_db(transaction=True)
def test_counts_commit_without_waiting_for_the_disk_only_in_their_own_transaction(limited_key):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from aybiza.api import ratelimit

    def synchronous_commit():
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    with CaptureQueriesContext(connection) as alone:
        assert ratelimit.hit(limited_key).allowed
    assert "set_config('synchronous_commit', 'off', true)" in alone.captured_queries[-1]["sql"]
    assert synchronous_commit() == "on"  # it ended with the count's own transaction
    with transaction.atomic(), CaptureQueriesContext(connection) as inside:
        assert ratelimit.hit(limited_key).allowed
        assert synchronous_commit() == "on"  # the caller's other writes stay durable
    assert "synchronous_commit" not in inside.captured_queries[0]["sql"]
