"""Fixtures for the business-service tests: an ops user, a tenant and its user."""

from contextlib import contextmanager

import pytest

from aybiza.core.errors import TransitionRefused
from security_app.models import AuditLog
from tests import factories as f


@pytest.fixture
def ops(db):
    return f.UserFactory(ops_staff=True)


@pytest.fixture
def tenant(db):
    return f.TenantFactory(max_agents=2, max_phone_numbers=2, max_concurrent_calls=10)


@pytest.fixture
def tenant_user(tenant):
    return f.UserFactory(tenant=tenant)


def row_of(instance) -> dict:
    """Every column of the row as the database holds it now."""
    fresh = type(instance)._default_manager.get(pk=instance.pk)
    return {field.attname: getattr(fresh, field.attname) for field in fresh._meta.concrete_fields}


@contextmanager
def refused(instance, exc=TransitionRefused, match=None):
    """The block must raise `exc` and leave the row (and the audit trail) exactly as it was."""
    before, audits = row_of(instance), AuditLog.objects.count()
    with pytest.raises(exc, match=match) as info:
        yield info
    assert row_of(instance) == before
    assert AuditLog.objects.count() == audits


def audit_of(instance, action) -> AuditLog:
    return AuditLog.objects.get(resource_id=instance.pk, action=action)


def assert_audited(instance, action, *, actor, before: dict, after: dict, reason: str = ""):
    log = audit_of(instance, action)
    assert log.user_id == (actor.pk if actor else None)
    assert log.resource_type == instance._meta.label_lower
    assert log.resource_name == str(instance)[:255]
    assert log.status == "success"
    for key, value in before.items():
        assert log.details["before"][key] == value, (key, log.details["before"])
    for key, value in after.items():
        assert log.details["after"][key] == value, (key, log.details["after"])
    assert log.details["reason"] == reason
    return log
