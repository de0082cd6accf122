"""Concurrent resolves at the limit admit exactly the limit: threads, each with its own database connection."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from rest_framework.test import APIClient

from analytics.models import Call
from tests import factories as f

from .conftest import make_key

URL = "/api/v1/routing/resolve/"


def _resolve_many(raw_key: str, number: str, sids: list[str]) -> list[tuple[int, str | None]]:
    try:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
        out = []
        for sid in sids:
            response = client.post(URL, {"to": number, "from": "+12025550199", "call_sid": sid}, format="json")
            out.append((response.status_code, response.json().get("code")))
        return out
    finally:
        connections.close_all()


@pytest.fixture
def routed_tenant(clean_spec_tables):
    tenant = f.TenantFactory(max_concurrent_calls=7)
    agent = f.AgentFactory(tenant=tenant)
    f.AgentVersionFactory(agent=agent, published=True)
    trunk = f.SipTrunkFactory(tenant=tenant, max_concurrent_calls=5)
    on_trunk = f.PhoneNumberFactory(tenant=tenant, agent=agent, status="active",
                                    settings={"sip_trunk_id": str(trunk.id)})
    direct = f.PhoneNumberFactory(tenant=tenant, agent=agent, status="active")
    key = make_key(tenant, permissions={"routing": ["resolve"]})
    return tenant, on_trunk, direct, key


@pytest.mark.django_db(transaction=True)
def test_parallel_resolves_admit_exactly_the_trunk_then_the_tenant_limit(routed_tenant):
    tenant, on_trunk, direct, key = routed_tenant
    # 8 threads x 4 resolves on the trunk's number: exactly the trunk's 5 get through.
    with ThreadPoolExecutor(8) as pool:
        batches = pool.map(lambda t: _resolve_many(key.raw, on_trunk.number, [f"T{t}-{i}" for i in range(4)]), range(8))
        results = [r for batch in batches for r in batch]
    assert [s for s, _ in results].count(201) == 5, results
    assert {c for s, c in results if s != 201} == {"trunk_at_capacity"}
    # Then both numbers at once: the tenant's 7 leave room for exactly 2 more.
    with ThreadPoolExecutor(8) as pool:
        batches = pool.map(lambda t: _resolve_many(key.raw, (on_trunk, direct)[t % 2].number,
                                                   [f"U{t}-{i}" for i in range(4)]), range(8))
        results = [r for batch in batches for r in batch]
    assert [s for s, _ in results].count(201) == 2, results
    assert {c for s, c in results if s != 201} <= {"tenant_at_capacity", "trunk_at_capacity"}
    assert Call.objects.filter(tenant=tenant, status="initiated").count() == 7
