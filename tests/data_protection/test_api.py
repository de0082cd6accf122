"""The API of data-subject requests and compliance reports: filing, downloads verified, tampering refused."""

import datetime as dt
import hashlib
import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from security_app.services import subject_requests as dsr
from security_app.models import AuditLog, ComplianceReport, DataSubjectRequest, SecurityEvent
from tests import factories as f
from tests.api.conftest import api  # noqa: F401 - the two-organization world

def test_tenant_files_a_request_and_sees_only_its_own(api):  # noqa: F811
    response = api.a.post("/api/v1/data-subject-requests/", {
        "kind": "erasure", "subject_phone": "+44 20 7946 0123", "subject_email": "Jane@Example.org"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["subject_phone"] == "+442079460123" and body["subject_email"] == "jane@example.org"
    assert body["status"] == "received" and body["tenant"] == str(api.tenant_a.pk)
    row = DataSubjectRequest.objects.get(pk=body["id"])
    assert row.requested_by_id is not None and (row.due_at - row.received_at).days == 30
    assert api.b.get(f"/api/v1/data-subject-requests/{row.pk}/").status_code == 404
    assert api.a.get("/api/v1/data-subject-requests/").json()["results"][0]["id"] == str(row.pk)


@pytest.mark.parametrize("body, field", [
    ({"kind": "erasure"}, "subject_phone"),
    ({"kind": "erasure", "subject_phone": "12"}, "subject_phone"),
    ({"kind": "erasure", "subject_email": "not-an-email"}, "subject_email"),
    ({"kind": "delete-everything", "subject_email": "a@example.org"}, "kind"),
])
def test_bad_requests_name_the_field(api, body, field):  # noqa: F811
    response = api.a.post("/api/v1/data-subject-requests/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in str(response.json())
    assert not DataSubjectRequest.objects.exists()


def test_tenant_cannot_approve_or_change_status(api):  # noqa: F811
    response = api.a.post("/api/v1/data-subject-requests/", {"kind": "export", "subject_email": "a@example.org",
                                                              "status": "approved"}, format="json")
    assert response.json()["status"] == "received"
    assert api.a.patch(f"/api/v1/data-subject-requests/{response.json()['id']}/", {"status": "approved"},
                       format="json").status_code == 405


def test_export_download_is_verified_and_tampering_refused(api):  # noqa: F811
    f.CallFactory(phone_number=f.PhoneNumberFactory(tenant=api.tenant_a), from_number="+442079460123")
    row = dsr.data_subject_request_create(organization=api.org1, tenant=api.tenant_a, kind="export",
                                          subject_phone="+442079460123")
    assert api.a.get(f"/api/v1/data-subject-requests/{row.pk}/download/").status_code == 404  # not run yet
    row = dsr.data_subject_request_dry_run(subject_request=row)
    row = dsr.data_subject_request_approve(subject_request=row, actor=f.UserFactory(ops_staff=True))
    row = dsr.data_subject_request_run(subject_request=row)
    response = api.a.get(f"/api/v1/data-subject-requests/{row.pk}/download/")
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == row.archive_checksum == response["X-Checksum-SHA256"]
    assert "call_analytics.calls.csv" in zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    with default_storage.open(row.archive_name, "wb") as handle:
        handle.write(b"forged")
    response = api.a.get(f"/api/v1/data-subject-requests/{row.pk}/download/")
    assert response.status_code == 409 and b"forged" not in response.content
    assert SecurityEvent.objects.filter(source="document-integrity", details__resource_id=str(row.pk)).exists()


def run_queued_report_job(report_id: str) -> None:
    """What the worker does with the job the request queued (the real worker: tests/data_protection/test_concurrency.py)."""
    from procrastinate.contrib.django.models import ProcrastinateJob

    from security_app import tasks

    job = ProcrastinateJob.objects.get(task_name="security.generate_compliance_report", args={"report_id": report_id})
    assert job.status == "todo" and job.queueing_lock == f"compliance_report:{report_id}"
    tasks.generate_compliance_report(**job.args)


@pytest.fixture
def make_report(api, django_capture_on_commit_callbacks, pdf_renderer):  # noqa: F811
    def make(report_type="pci_dss"):
        now = timezone.now()
        with django_capture_on_commit_callbacks(execute=True):  # the generation job is queued after the commit
            response = api.a.post("/api/v1/compliance-reports/", {
                "report_type": report_type, "reporting_period_start": (now - dt.timedelta(days=30)).isoformat(),
                "reporting_period_end": (now + dt.timedelta(days=1)).isoformat()}, format="json")
        assert response.status_code == 201, response.json()
        assert response.json()["status"] == "generating"
        run_queued_report_job(response.json()["id"])
        return api.a.get(f"/api/v1/compliance-reports/{response.json()['id']}/").json()
    return make


def test_report_has_controls_and_both_documents_verify(api, make_report):  # noqa: F811
    call = f.CallFactory(phone_number=f.PhoneNumberFactory(tenant=api.tenant_a))
    leak = f.CallTranscriptFactory(call=call, full_text="Caller: 4111 1111 1111 1111")
    report = make_report()
    assert report["status"] == "completed", report["error_message"]
    by_id = {c["id"]: c for c in report["report_data"]["controls"]}
    assert by_id["pci_unredacted_cards"]["status"] == "fail"
    assert by_id["pci_unredacted_cards"]["evidence"]["sample"] == [str(leak.pk)]
    assert {"control": "pci_unredacted_cards", "title": by_id["pci_unredacted_cards"]["title"],
            "reference": by_id["pci_unredacted_cards"]["reference"]} in report["findings"]
    as_json = api.a.get(f"/api/v1/compliance-reports/{report['id']}/download/?format=json")
    assert as_json.status_code == 200 and hashlib.sha256(as_json.content).hexdigest() == report["checksum"]
    as_pdf = api.a.get(f"/api/v1/compliance-reports/{report['id']}/download/?format=pdf")
    assert as_pdf.status_code == 200 and as_pdf.content.startswith(b"%PDF-")
    assert hashlib.sha256(as_pdf.content).hexdigest() == report["documents"]["pdf"]["sha256"]
    assert api.a.get(f"/api/v1/compliance-reports/{report['id']}/download/?format=docx").status_code == 400
    assert api.b.get(f"/api/v1/compliance-reports/{report['id']}/download/?format=pdf").status_code == 404


@pytest.mark.parametrize("fmt", ["json", "pdf"])
def test_tampered_report_is_refused(api, make_report, fmt):  # noqa: F811
    report = ComplianceReport.objects.get(pk=make_report()["id"])
    name = report.documents[fmt]["name"]
    original = default_storage.open(name, "rb").read()
    with default_storage.open(name, "wb") as handle:
        handle.write(original.replace(b"fail", b"pass") if fmt == "json" else original + b"%tampered")
    response = api.a.get(f"/api/v1/compliance-reports/{report.pk}/download/?format={fmt}")
    assert response.status_code == 409 and response.json()["code"] == "document_tampered"
    assert AuditLog.objects.filter(action="compliancereport.download", status="failure",
                                   resource_id=report.pk).exists()
    default_storage.delete(name)
    assert api.a.get(f"/api/v1/compliance-reports/{report.pk}/download/?format={fmt}").status_code == 409


def test_generation_failure_is_recorded(api, make_report, monkeypatch):  # noqa: F811
    from security_app.services import compliance

    def broken(data):
        raise OSError("renderer crashed")

    monkeypatch.setattr(compliance, "render_pdf", broken)
    report = make_report()
    assert report["status"] == "failed" and "renderer crashed" in report["error_message"]
    assert report["checksum"] is None and report["documents"] == {}
    assert api.a.get(f"/api/v1/compliance-reports/{report['id']}/download/").status_code == 404
    monkeypatch.undo()
    row = compliance.compliance_report_generate(report=ComplianceReport.objects.get(pk=report["id"]))
    assert row.status == "completed" and row.error_message is None


def test_commands_run_the_jobs(api, pdf_renderer):  # noqa: F811
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    row = dsr.data_subject_request_create(organization=api.org1, tenant=api.tenant_a, kind="erasure",
                                          subject_email="gone@example.org")
    with pytest.raises(CommandError, match="allowed from: approved"):
        call_command("data_subject_request", "run", str(row.pk))
    out = StringIO()
    call_command("data_subject_request", "dry-run", str(row.pk), stdout=out)
    assert "Dry run done" in out.getvalue()
    dsr.data_subject_request_approve(subject_request=row, actor=f.UserFactory(ops_staff=True))
    call_command("data_subject_request", "run", str(row.pk), stdout=out)
    row.refresh_from_db()
    assert row.status == "completed" and row.subject_email is None
    out = StringIO()
    call_command("generate_compliance_report", "--organization", api.org1.slug, "--type", "gdpr",
                 "--by", api.user_a.email, stdout=out)
    report = ComplianceReport.objects.get()
    assert report.status == "completed" and report.checksum in out.getvalue()


def test_outsider_cannot_file_for_another_tenant(api):  # noqa: F811
    response = api.client("org2").post("/api/v1/data-subject-requests/", {
        "kind": "erasure", "subject_email": "a@example.org", "tenant": str(api.tenant_a.pk)}, format="json")
    assert response.status_code == 400 and "tenant" in response.json().get("fields", response.json())
    assert not DataSubjectRequest.objects.exists()
