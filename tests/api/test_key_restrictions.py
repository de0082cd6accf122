"""A key never creates or becomes a key less restricted than itself (issue 9, #2)."""

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.utils import timezone

from security_app.models import ApiKey

from .conftest import client_for, make_key

KEYS = "/api/v1/api-keys/"
TIGHT = {"requests_per_minute": 7, "requests_per_hour": 70, "requests_per_day": 700}


@pytest.fixture
def tight(api):
    expires = (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0)
    key = make_key(api.tenant_a, permissions={"api-keys": ["read", "write"], "agents": ["read"]}, rate_limit=TIGHT,
                   ip_whitelist=["127.0.0.0/8"], expires_at=expires)
    return key, client_for(key)


def test_omitted_restrictions_are_inherited_from_the_creator(tight):
    key, client = tight
    response = client.post(KEYS, {"name": "child", "permissions": {"agents": ["read"]}}, format="json")
    assert response.status_code == 201, response.json()
    child = ApiKey.objects.get(pk=response.json()["id"])
    assert child.rate_limit == TIGHT
    assert child.expires_at == key.expires_at
    assert child.ip_whitelist == ["127.0.0.0/8"]


@pytest.mark.parametrize("body, field", [
    ({"expires_at": None}, "expires_at"),
    ({"expires_at": "2099-01-01T00:00:00Z"}, "expires_at"),
    ({"ip_whitelist": []}, "ip_whitelist"),
    ({"ip_whitelist": ["0.0.0.0/0"]}, "ip_whitelist"),
    ({"ip_whitelist": ["127.0.0.1", "10.0.0.0/8"]}, "ip_whitelist"),
    ({"ip_whitelist": ["::1"]}, "ip_whitelist"),
    ({"rate_limit": {"requests_per_minute": 8}}, "rate_limit"),
    ({"permissions": {"agents": ["read", "write"]}}, "permissions"),
])
def test_a_key_cannot_create_a_looser_key(tight, body, field):
    key, client = tight
    before = ApiKey.objects.count()
    response = client.post(KEYS, {"name": "child", "permissions": {"agents": ["read"]}, **body}, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert ApiKey.objects.count() == before


@pytest.mark.parametrize("body, field", [
    ({"expires_at": None}, "expires_at"),
    ({"expires_at": "2099-01-01T00:00:00Z"}, "expires_at"),
    ({"ip_whitelist": []}, "ip_whitelist"),
    ({"ip_whitelist": ["0.0.0.0/0"]}, "ip_whitelist"),
    ({"rate_limit": {"requests_per_minute": 100}}, "rate_limit"),
    ({"permissions": {"*": ["read", "write"]}}, "permissions"),
])
def test_a_key_cannot_loosen_itself(tight, body, field):
    key, client = tight
    response = client.patch(f"{KEYS}{key.pk}/", {**body, "version": key.version}, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    fresh = ApiKey.objects.get(pk=key.pk)
    assert (fresh.expires_at, fresh.ip_whitelist, fresh.rate_limit, fresh.version) == (
        key.expires_at, ["127.0.0.0/8"], TIGHT, key.version)


def test_a_key_may_tighten_itself(tight):
    key, client = tight
    sooner = key.expires_at - dt.timedelta(days=1)
    response = client.patch(f"{KEYS}{key.pk}/", {"expires_at": sooner.isoformat(), "ip_whitelist": ["127.0.0.1/32"],
                                                  "version": key.version}, format="json")
    assert response.status_code == 200, response.json()
    fresh = ApiKey.objects.get(pk=key.pk)
    assert fresh.expires_at == sooner and fresh.ip_whitelist == ["127.0.0.1/32"]


@pytest.mark.django_db(transaction=True)
def test_parallel_loosening_attempts_all_fail(api):
    """Several threads (own connections) PATCH the key to loosen it at once: none succeeds."""
    expires = timezone.now() + dt.timedelta(days=3)
    key = make_key(api.tenant_a, permissions={"api-keys": ["read", "write"]}, ip_whitelist=["127.0.0.0/8"],
                   expires_at=expires, rate_limit={"requests_per_minute": 1000})
    bodies = [{"expires_at": None}, {"ip_whitelist": []}, {"rate_limit": {"requests_per_minute": 5000}}] * 2

    def attempt(body):
        try:
            return client_for(key).patch(f"{KEYS}{key.pk}/", {**body, "version": 1}, format="json").status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(6) as pool:
        codes = list(pool.map(attempt, bodies))
    assert codes == [400] * 6
    fresh = ApiKey.objects.get(pk=key.pk)
    assert fresh.expires_at is not None and fresh.ip_whitelist == ["127.0.0.0/8"]
    assert fresh.rate_limit["requests_per_minute"] == 1000
