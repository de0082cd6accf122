"""Security review: resolve events, review detections, revoke API keys."""

import pytest
from django.core.exceptions import ValidationError

from aybiza.core.errors import TransitionRefused
from security_app.services import (
    api_key_revoke,
    prompt_injection_review,
    security_event_resolve,
    voice_security_event_review,
)
from tests import factories as f

from .conftest import assert_audited, refused

pytestmark = pytest.mark.django_db


def test_resolve_security_event(tenant, ops):
    event = f.SecurityEventFactory(tenant=tenant)
    with refused(event, ValidationError):
        security_event_resolve(security_event=event, actor=ops, notes="")
    event = security_event_resolve(security_event=event, actor=ops, notes="Brute force from one IP; blocked")
    assert (event.resolved, event.resolved_by, event.resolution_notes) == (
        True, ops, "Brute force from one IP; blocked")
    assert event.resolved_at is not None
    log = assert_audited(event, "security_event.resolve", actor=ops, before={"resolved": False},
                         after={"resolved": True, "resolved_by": str(ops.pk)},
                         reason="Brute force from one IP; blocked")
    assert log.tenant_id == tenant.pk
    with refused(event, match="Cannot resolve a security event that is resolved: it was resolved on"):
        security_event_resolve(security_event=event, actor=ops, notes="again")


@pytest.mark.parametrize(("factory", "service", "kwarg", "action"), [
    (f.PromptInjectionAttemptFactory, prompt_injection_review, "attempt", "promptinjectionattempt.review"),
    (f.VoiceSecurityEventFactory, voice_security_event_review, "event", "voicesecurityevent.review"),
])
def test_review_once_then_only_with_force(tenant, ops, factory, service, kwarg, action):
    row = factory(tenant=tenant)
    with refused(row, ValidationError):
        service(**{kwarg: row}, actor=ops, false_positive=None)
    row = service(**{kwarg: row}, actor=ops, false_positive=True, notes="benign test phrase")
    assert (row.false_positive, row.reviewed_by) == (True, ops) and row.reviewed_at is not None
    assert row.metadata["review_notes"] == "benign test phrase"
    assert_audited(row, action, actor=ops, before={"false_positive": None, "reviewed_by": None},
                   after={"false_positive": True, "reviewed_by": str(ops.pk)}, reason="benign test phrase")
    with refused(row, TransitionRefused, match="already reviewed"):
        service(**{kwarg: row}, actor=ops, false_positive=False)
    row = service(**{kwarg: row}, actor=ops, false_positive=False, force=True, notes="on reflection, real")
    assert row.false_positive is False


@pytest.mark.parametrize("status", ["active", "inactive", "expired"])
def test_revoke_api_key(tenant, ops, status):
    key = f.ApiKeyFactory(tenant=tenant, status=status)
    with refused(key, ValidationError):
        api_key_revoke(key=key, actor=ops, reason="")
    key = api_key_revoke(key=key, actor=ops, reason="Leaked in a public repo")
    assert key.status == "revoked"
    assert_audited(key, "api_key.revoke", actor=ops, before={"status": status}, after={"status": "revoked"},
                   reason="Leaked in a public repo")
    with refused(key, match="Cannot revoke an API key that is revoked; allowed from: active, inactive, expired."):
        api_key_revoke(key=key, actor=ops, reason="again")
