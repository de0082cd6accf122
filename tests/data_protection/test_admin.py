"""Ops console: filing, dry run, four-eyes approval and run of a request; report generation and verified downloads."""

import datetime as dt

from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from security_app.models import ComplianceReport, DataSubjectRequest
from tests import factories as f
from tests.admin.conftest import admin_client, logged_in, operator_client, ops_operator, ops_superuser  # noqa: F401


def flow(client, row, name, data=None):
    return client.post(reverse("admin:security_app_datasubjectrequest_flow", args=[row.pk, name]), data or {})


def test_request_goes_through_the_console(admin_client, ops_superuser, operator_client):  # noqa: F811
    tenant = f.TenantFactory()
    f.CallFactory(phone_number=f.PhoneNumberFactory(tenant=tenant), from_number="+442079460123")
    response = admin_client.post(reverse("admin:security_app_datasubjectrequest_add"), {
        "organization": tenant.organization.pk, "tenant": tenant.pk, "kind": "export", "scope": "subject",
        "subject_phone": "+44 20 7946 0123", "subject_email": "", "notes": "ticket 42"})
    assert response.status_code == 302, response.content.decode()[:3000]
    row = DataSubjectRequest.objects.get()
    assert row.subject_phone == "+442079460123" and row.requested_by == ops_superuser

    change = admin_client.get(reverse("admin:security_app_datasubjectrequest_change", args=[row.pk])).content.decode()
    assert "/flow/dry_run/" in change and "/flow/approve/" not in change
    assert flow(operator_client, row, "dry_run").status_code == 403  # view-only staff
    assert flow(admin_client, row, "dry_run").status_code == 302
    row.refresh_from_db()
    assert row.status == "dry_run_done" and row.counts["tables"]["call_analytics.calls"] == 1

    refused = flow(admin_client, row, "approve", {"reason": "ok"})  # the requester cannot approve
    assert refused.status_code == 200 and "second person" in refused.content.decode()
    row.refresh_from_db()
    assert row.status == "dry_run_done"
    second = logged_in(f.UserFactory(ops_superuser=True, email="second@aybiza.example"))
    assert flow(second, row, "approve", {"reason": "identity checked"}).status_code == 302
    assert flow(second, row, "run").status_code == 302
    row.refresh_from_db()
    assert row.status == "completed" and row.approved_by.email == "second@aybiza.example"

    download = reverse("admin:security_app_datasubjectrequest_download", args=[row.pk, "archive"])
    assert download in admin_client.get(reverse("admin:security_app_datasubjectrequest_change",
                                                args=[row.pk])).content.decode()
    assert admin_client.get(download).status_code == 200
    with default_storage.open(row.archive_name, "wb") as handle:
        handle.write(b"forged")
    refused = admin_client.get(download, follow=True)
    assert b"forged" not in refused.content and "Refused" in refused.content.decode()
    from django.contrib.admin.models import LogEntry

    assert LogEntry.objects.exists()
    assert not LogEntry.objects.filter(object_repr__contains="7946").exists()  # the change log names nobody


def test_report_is_generated_and_downloaded_in_the_console(admin_client, pdf_renderer):  # noqa: F811
    tenant = f.TenantFactory()
    now = timezone.now()
    response = admin_client.post(reverse("admin:security_app_compliancereport_add"), {
        "organization": tenant.organization.pk, "tenant": tenant.pk, "report_type": "gdpr",
        "reporting_period_start_0": (now - dt.timedelta(days=30)).strftime("%Y-%m-%d"),
        "reporting_period_start_1": "00:00:00",
        "reporting_period_end_0": now.strftime("%Y-%m-%d"), "reporting_period_end_1": "23:59:59"})
    assert response.status_code == 302, response.content.decode()[:3000]
    report = ComplianceReport.objects.get()
    assert report.status == "completed", report.error_message
    page = admin_client.get(reverse("admin:security_app_compliancereport_change", args=[report.pk])).content.decode()
    assert "Data-subject requests are answered within one month" in page
    pdf = admin_client.get(reverse("admin:security_app_compliancereport_download", args=[report.pk, "pdf"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_bad_filing_is_a_form_error(admin_client):  # noqa: F811
    tenant = f.TenantFactory()
    response = admin_client.post(reverse("admin:security_app_datasubjectrequest_add"), {
        "organization": tenant.organization.pk, "tenant": tenant.pk, "kind": "erasure", "scope": "organization",
        "subject_phone": "+442079460123", "subject_email": "", "notes": ""})
    assert response.status_code == 200 and "Organization offboarding covers the whole organization" in \
        response.content.decode()
    response = admin_client.post(reverse("admin:security_app_datasubjectrequest_add"), {
        "organization": tenant.organization.pk, "tenant": tenant.pk, "kind": "erasure", "scope": "subject",
        "subject_phone": "12", "subject_email": "", "notes": ""})
    assert response.status_code == 200 and "phone number" in response.content.decode()
    assert not DataSubjectRequest.objects.exists()
