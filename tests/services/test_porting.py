"""Number porting: every transition, its audit row, refusals, completion creating the number."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from aybiza.core.errors import LimitExceeded
from telephony.models import PhoneNumber
from telephony.services import (
    PORTING,
    porting_request_approve,
    porting_request_cancel,
    porting_request_complete,
    porting_request_reject,
    porting_request_start,
    porting_request_submit,
)
from tests import factories as f

from .conftest import assert_audited, audit_of, refused

pytestmark = pytest.mark.django_db

NUMBER = "+442079460123"


@pytest.fixture
def porting(tenant, tenant_user):
    return f.PortingRequestFactory(tenant=tenant, created_by=tenant_user, phone_number=NUMBER, status="pending")


def at(porting, status):
    type(porting).objects.filter(pk=porting.pk).update(status=status)
    porting.refresh_from_db()
    return porting


def test_happy_path_records_everything(porting, ops):
    eta = timezone.now() + datetime.timedelta(days=10)
    porting = porting_request_submit(porting_request=porting, actor=ops, estimated_completion=eta,
                                     provider_response={"ticket": "BT-1"}, reason="docs complete")
    assert (porting.status, porting.processed_by, porting.estimated_completion) == ("submitted", ops, eta)
    assert_audited(porting, "porting_request.submit", actor=ops, before={"status": "pending"},
                   after={"status": "submitted", "processed_by": str(ops.pk)}, reason="docs complete")

    porting = porting_request_start(porting_request=porting, actor=ops, provider_response={"stage": "foc"})
    assert porting.provider_response == {"ticket": "BT-1", "stage": "foc"}
    assert_audited(porting, "porting_request.start", actor=ops, before={"status": "submitted"},
                   after={"status": "in_progress"})

    porting = porting_request_approve(porting_request=porting, actor=ops)
    assert_audited(porting, "porting_request.approve", actor=ops, before={"status": "in_progress"},
                   after={"status": "approved"})

    porting, phone = porting_request_complete(porting_request=porting, actor=ops, reason="ported")
    assert porting.status == "completed" and porting.actual_completion is not None
    log = assert_audited(porting, "porting_request.complete", actor=ops, before={"status": "approved"},
                         after={"status": "completed"}, reason="ported")
    assert log.details["phone_number_id"] == str(phone.pk)
    assert log.organization_id == porting.organization_id and log.tenant_id == porting.tenant_id

    phone = PhoneNumber.objects.get(pk=phone.pk)
    assert phone.number == NUMBER
    assert (phone.country_code, phone.area_code, phone.local_number) == ("44", "20", "79460123")
    assert phone.formatted_number == "+44 20 7946 0123"
    assert (phone.acquisition_method, phone.status, phone.provider) == ("ported", "active", "BT Business")
    assert phone.tenant_id == porting.tenant_id and phone.created_by == ops
    audit_of(phone, "phone_number.create")


def test_reject_requires_a_reason_and_records_it(porting, ops):
    porting = at(porting, "in_progress")
    with refused(porting, ValidationError):
        porting_request_reject(porting_request=porting, actor=ops, reason="  ")
    porting = porting_request_reject(porting_request=porting, actor=ops, reason="Account number mismatch")
    assert porting.status == "rejected"
    assert porting.provider_response["rejection_reason"] == "Account number mismatch"
    assert_audited(porting, "porting_request.reject", actor=ops, before={"status": "in_progress"},
                   after={"status": "rejected"}, reason="Account number mismatch")


@pytest.mark.parametrize("status", ["pending", "submitted", "in_progress", "approved"])
def test_cancel_from_every_open_state(porting, ops, status):
    porting = porting_request_cancel(porting_request=at(porting, status), actor=ops, reason="customer")
    assert_audited(porting, "porting_request.cancel", actor=ops, before={"status": status},
                   after={"status": "cancelled"}, reason="customer")


SERVICES = {
    "submit": lambda p, u: porting_request_submit(porting_request=p, actor=u),
    "start": lambda p, u: porting_request_start(porting_request=p, actor=u),
    "approve": lambda p, u: porting_request_approve(porting_request=p, actor=u),
    "reject": lambda p, u: porting_request_reject(porting_request=p, actor=u, reason="no"),
    "complete": lambda p, u: porting_request_complete(porting_request=p, actor=u),
    "cancel": lambda p, u: porting_request_cancel(porting_request=p, actor=u),
}
ILLEGAL = [
    (verb, status)
    for verb, transition in PORTING.transitions.items()
    for status in ["pending", "submitted", "in_progress", "approved", "rejected", "completed", "cancelled"]
    if status not in transition.sources
]


@pytest.mark.parametrize(("verb", "status"), ILLEGAL)
def test_illegal_transitions_change_nothing(porting, ops, verb, status):
    porting = at(porting, status)
    with refused(porting, match=f"Cannot {verb} a porting request that is {status}; allowed from: "):
        SERVICES[verb](porting, ops)


def test_complete_refuses_an_existing_number(porting, ops):
    f.PhoneNumberFactory(number=NUMBER, tenant=porting.tenant)
    porting = at(porting, "approved")
    with refused(porting, ValidationError) as info:
        porting_request_complete(porting_request=porting, actor=ops)
    assert "phone_number" in info.value.message_dict


def test_complete_respects_the_number_limit(porting, ops):
    tenant = porting.tenant
    f.PhoneNumberFactory.create_batch(2, tenant=tenant)
    porting = at(porting, "approved")
    with refused(porting, LimitExceeded, match=r"already has 2 of 2 phone numbers \(max_phone_numbers\)"):
        porting_request_complete(porting_request=porting, actor=ops)


def test_complete_refused_for_a_suspended_tenant(porting, ops):
    type(porting.tenant).objects.filter(pk=porting.tenant_id).update(status="suspended")
    porting = at(porting, "approved")
    with refused(porting, LimitExceeded, match="is suspended"):
        porting_request_complete(porting_request=porting, actor=ops)


def test_allowed_verbs_for_ui(porting):
    assert PORTING.allowed_verbs(porting) == ["submit", "cancel"]
