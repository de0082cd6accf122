"""Fixtures for the API tests: two organizations, three tenants, keys for each, and clients.

org1 has tenants A and A2; org2 has tenant B. B (and org2's key) always tries A's objects.
"""

from dataclasses import dataclass, field

import pytest
from rest_framework.permissions import SAFE_METHODS
from rest_framework.test import APIClient

from aybiza.api import accesslog
from aybiza.api.principal import Principal
from aybiza.api.viewsets import ScopedViewSetMixin
from security_app.models import AuditLog
from security_app.services.api_keys import api_key_create
from tests import factories as f

ALL = {"*": ["read", "write"]}


@pytest.fixture(autouse=True)
def _api_settings(settings):
    settings.AYBIZA_API = {**settings.AYBIZA_API, "ACCESS_LOG_MODE": "manual", "TRUSTED_PROXIES": []}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # Argon2 costs 0.5 s a user
    accesslog.clear()
    yield
    accesslog.clear()


# Plain writes change one row; these actions change several (each audited).
COMPOUND = {("phone-number-reservation", "complete"), ("porting-request", "complete"), ("agent-version", "publish"),
            ("agent-version", "rollback"), ("workflow-version", "publish"), ("workflow-version", "rollback"),
            ("tool-version", "publish"), ("tool-version", "rollback"),
            ("call-transcript", "create"),  # created, then redacted when the tenant has pii_redaction
            ("agent-experiment", "experiment_promote")}  # the experiment closed, the winner published
# Idempotent actions: asked again, they change nothing and so write nothing.
IDEMPOTENT = {("call-transcript", "redact"), ("routing", "resolve")}


@pytest.fixture(autouse=True)
def _every_api_write_is_audited(monkeypatch):
    """In every API test: a successful write leaves audit rows (one for a plain write) naming the key and its user.

    The one audited write path (docs/architecture.md), checked for whatever write any test makes.
    """
    finalize = ScopedViewSetMixin.finalize_response

    def checked(self, request, response, *args, **kwargs):
        response = finalize(self, request, response, *args, **kwargs)
        principal = request.auth
        if request.method in SAFE_METHODS or not 200 <= response.status_code < 300 or not isinstance(principal, Principal):
            return response
        rows = list(AuditLog.objects.filter(request_id=request._request.request_id).values_list("user_id", "api_key_id"))
        where = f"{request.method} {request.path} ({self.basename}.{self.action})"
        if not rows and (self.basename, self.action) in IDEMPOTENT:
            return response
        assert rows, f"{where} changed data without an audit row"
        if (self.basename, self.action) not in COMPOUND:
            assert len(rows) == 1, f"{where} wrote {len(rows)} audit rows"
        assert set(rows) == {(principal.actor.pk, principal.api_key.pk)}, f"{where}: audit rows name {rows}"
        return response

    monkeypatch.setattr(ScopedViewSetMixin, "finalize_response", checked)


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
