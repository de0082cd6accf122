"""Two workers running the same approved erasure at once: exactly one runs it, the other is refused."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from aybiza.core.errors import TransitionRefused
from security_app.services import subject_requests as dsr
from security_app.models import AuditLog
from tests import factories as f


@pytest.mark.django_db(transaction=True)
def test_parallel_runs_of_one_request(clean_spec_tables):
    tenant = f.TenantFactory()
    f.CallFactory(phone_number=f.PhoneNumberFactory(tenant=tenant), from_number="+442079460123")
    row = dsr.data_subject_request_create(organization=tenant.organization, tenant=tenant, kind="erasure",
                                          subject_phone="+442079460123")
    row = dsr.data_subject_request_dry_run(subject_request=row)
    row = dsr.data_subject_request_approve(subject_request=row, actor=f.UserFactory(ops_staff=True))

    def run(_):
        try:
            return dsr.data_subject_request_run(subject_request=row).status
        except TransitionRefused:
            return "refused"
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(run, range(2)))
    assert outcomes == ["completed", "refused"]
    assert AuditLog.objects.filter(action="data_subject_request.start", resource_id=row.pk).count() == 1
    assert AuditLog.objects.filter(action="data_subject_request.complete", resource_id=row.pk).count() == 1


@pytest.mark.django_db(transaction=True)
def test_api_generation_runs_after_commit_outside_the_tenant_role(clean_spec_tables, pdf_renderer):
    """No test transaction around the request: the job really runs when the request's transaction commits."""
    import datetime as dt

    from django.utils import timezone

    from tests.api.conftest import client_for, make_key

    tenant = f.TenantFactory()
    f.UserFactory(ops_staff=True, mfa_enabled=True, mfa_secret="JBSWY3DPEHPK3PXP")  # visible only as the owner
    client = client_for(make_key(tenant))
    now = timezone.now()
    created = client.post("/api/v1/compliance-reports/", {
        "report_type": "soc2", "reporting_period_start": (now - dt.timedelta(days=7)).isoformat(),
        "reporting_period_end": now.isoformat()}, format="json")
    assert created.status_code == 201 and created.json()["status"] == "generating"
    report = client.get(f"/api/v1/compliance-reports/{created.json()['id']}/").json()
    assert report["status"] == "completed", report["error_message"]
    staff = next(c for c in report["report_data"]["controls"] if c["id"] == "staff_mfa")
    assert staff["status"] == "pass" and staff["evidence"]["staff_accounts"] == 1
