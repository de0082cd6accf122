"""Organization compliance: verify, reject, expire, and the expire_compliance command."""

import datetime
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Organization
from accounts.services import (
    COMPLIANCE,
    organization_compliance_expire,
    organization_compliance_reject,
    organization_compliance_verify,
)
from tests import factories as f

from .conftest import assert_audited, refused

pytestmark = pytest.mark.django_db
STATES = ["pending", "verified", "rejected", "expired"]


def org_in(status, verified_at=None):
    return f.OrganizationFactory(compliance_status=status, compliance_verified_at=verified_at)


@pytest.mark.parametrize("status", ["pending", "rejected", "expired"])
def test_verify(ops, status):
    org = org_in(status)
    org = organization_compliance_verify(organization=org, actor=ops, reason="KYC docs checked",
                                         documents={"kyc": "doc-1"})
    assert org.compliance_status == "verified" and org.compliance_verified_at is not None
    assert org.compliance_documents == {"kyc": "doc-1"} and org.updated_by == ops
    assert_audited(org, "organization.compliance_verify", actor=ops, before={"compliance_status": status},
                   after={"compliance_status": "verified"}, reason="KYC docs checked")


@pytest.mark.parametrize("status", ["pending", "verified", "expired"])
def test_reject(ops, status):
    org = org_in(status)
    with refused(org, ValidationError):
        organization_compliance_reject(organization=org, actor=ops, reason="")
    org = organization_compliance_reject(organization=org, actor=ops, reason="Registration number invalid")
    assert org.compliance_status == "rejected"
    assert_audited(org, "organization.compliance_reject", actor=ops, before={"compliance_status": status},
                   after={"compliance_status": "rejected"}, reason="Registration number invalid")


def test_expire_keeps_the_verification_date(ops):
    when = timezone.now() - datetime.timedelta(days=400)
    org = organization_compliance_expire(organization=org_in("verified", when), actor=ops, reason="stale")
    assert (org.compliance_status, org.compliance_verified_at) == ("expired", when)
    assert_audited(org, "organization.compliance_expire", actor=ops, before={"compliance_status": "verified"},
                   after={"compliance_status": "expired"}, reason="stale")


CALLS = {
    "verify": lambda o, u: organization_compliance_verify(organization=o, actor=u),
    "reject": lambda o, u: organization_compliance_reject(organization=o, actor=u, reason="x"),
    "expire": lambda o, u: organization_compliance_expire(organization=o, actor=u),
}


@pytest.mark.parametrize(("verb", "status"), [
    (verb, status) for verb, t in COMPLIANCE.transitions.items() for status in STATES if status not in t.sources
])
def test_illegal_transitions_change_nothing(ops, verb, status):
    org = org_in(status)
    with refused(org, match=f"Cannot {verb} an organization that is {status}; allowed from: "):
        CALLS[verb](org, ops)


def test_expire_compliance_command_is_idempotent(db):
    now = timezone.now()
    old = org_in("verified", now - datetime.timedelta(days=366))
    fresh = org_in("verified", now - datetime.timedelta(days=10))
    older_than_30 = org_in("verified", now - datetime.timedelta(days=31))

    out = StringIO()
    call_command("expire_compliance", stdout=out)
    assert out.getvalue().strip() == "Expired 1 organization compliance verification(s) older than 365 days."
    assert Organization.objects.get(pk=old.pk).compliance_status == "expired"
    assert Organization.objects.get(pk=fresh.pk).compliance_status == "verified"

    out = StringIO()
    call_command("expire_compliance", stdout=out)
    assert out.getvalue().startswith("Expired 0 ")

    out = StringIO()
    call_command("expire_compliance", "--older-than-days", "30", stdout=out)
    assert out.getvalue().startswith("Expired 1 ")
    assert Organization.objects.get(pk=older_than_30.pk).compliance_status == "expired"
    assert Organization.objects.get(pk=fresh.pk).compliance_status == "verified"


def test_ops_user_create_still_importable():
    from accounts.services import ops_user_create  # noqa: F401
