"""Fixtures for the API tests: two organizations, three tenants, keys for each, and clients.

org1 has tenants A and A2; org2 has tenant B. B (and org2's key) always tries A's objects.
"""

from dataclasses import dataclass, field

import pytest
from rest_framework.test import APIClient

from aybiza.api import accesslog
from security_app.api_keys import api_key_create
from tests import factories as f

ALL = {"*": ["read", "write"]}


@pytest.fixture(autouse=True)
def _api_settings(settings):
    settings.AYBIZA_API = {**settings.AYBIZA_API, "ACCESS_LOG_MODE": "manual", "TRUSTED_PROXIES": []}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # Argon2 costs 0.5 s a user
    accesslog.clear()
    yield
    accesslog.clear()


def make_key(tenant=None, organization=None, user=None, *, permissions=None, **kwargs):
    organization = organization or tenant.organization
    user = user or f.UserFactory(tenant=tenant, organization=organization)
    row, raw = api_key_create(
        organization=organization, tenant=tenant, actor=user, name=f"key of {tenant or organization}",
        permissions=ALL if permissions is None else permissions, **kwargs,
    )
    row.raw = raw
    return row


def client_for(key) -> APIClient:
    client = APIClient()
    raw = key if isinstance(key, str) else key.raw
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@dataclass
class ApiWorld:
    org1: object
    org2: object
    tenant_a: object
    tenant_a2: object
    tenant_b: object
    user_a: object
    user_b: object
    key_a: object
    key_a2: object
    key_b: object
    key_org1: object
    key_org2: object
    clients: dict = field(default_factory=dict)

    def client(self, name: str) -> APIClient:
        if name not in self.clients:
            self.clients[name] = client_for(getattr(self, f"key_{name}"))
        return self.clients[name]

    @property
    def a(self):
        return self.client("a")

    @property
    def b(self):
        return self.client("b")


@pytest.fixture
def api(db):
    org1, org2 = f.OrganizationFactory(slug="org-one"), f.OrganizationFactory(slug="org-two")
    tenant_a = f.TenantFactory(organization=org1, slug="tenant-a", subdomain="tenant-a", max_agents=50,
                               max_phone_numbers=50)
    tenant_a2 = f.TenantFactory(organization=org1, slug="tenant-a2", subdomain="tenant-a2")
    tenant_b = f.TenantFactory(organization=org2, slug="tenant-b", subdomain="tenant-b", max_agents=50,
                               max_phone_numbers=50)
    user_a = f.UserFactory(tenant=tenant_a)
    user_b = f.UserFactory(tenant=tenant_b)
    return ApiWorld(
        org1=org1, org2=org2, tenant_a=tenant_a, tenant_a2=tenant_a2, tenant_b=tenant_b, user_a=user_a, user_b=user_b,
        key_a=make_key(tenant_a, user=user_a), key_a2=make_key(tenant_a2), key_b=make_key(tenant_b, user=user_b),
        key_org1=make_key(organization=org1), key_org2=make_key(organization=org2),
    )
