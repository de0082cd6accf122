"""Compliance report generation: the control catalogue run over a period, stored as canonical JSON and PDF.

    generating --generate--> completed | failed (with the error)      failed --generate--> ...

`compliance_report_generate_job(report_id)` is the job (idempotent: a completed report is left
alone). Both documents are written through Django's storage API; `checksum` is the SHA-256 of the
stored JSON document (the spec's column), `documents` holds name, SHA-256 and size of each. A
download reads the stored file and refuses it (DocumentTampered) unless its SHA-256 still matches.
"""

from __future__ import annotations

import hashlib
import json

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from aybiza.core.errors import TransitionRefused
from aybiza.core.state import StateMachine, lock

from .. import controls
from aybiza.core.audit import audit_record, snapshot
from ..choices import ComplianceReportStatus as R
from ..models import ComplianceReport

MACHINE = StateMachine("compliance report", "status", {"generate": ([R.GENERATING, R.FAILED], R.COMPLETED)})
STORAGE_PREFIX = "compliance-reports"
FORMATS = {"json": "application/json", "pdf": "application/pdf"}


class DocumentTampered(Exception):
    pass


def canonical(data) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def evaluate(report: ComplianceReport, *, now=None) -> dict:
    now = now or timezone.now()
    ctx = controls.Context(organization=report.organization, tenant=report.tenant,
                           start=report.reporting_period_start, end=report.reporting_period_end, now=now)
    rows = []
    for item in controls.catalogue(report.report_type):
        outcome = item.check(ctx)
        reference = item.references.get(report.report_type) or "; ".join(
            f"{k}: {v}" for k, v in sorted(item.references.items()))
        rows.append({"id": item.id, "title": item.title, "reference": reference, **outcome})
    summary = {s: sum(r["status"] == s for r in rows) for s in (controls.PASS, controls.FAIL, controls.NA)}
    return {
        "framework": report.report_type,
        "scope": {"organization_id": str(report.organization_id), "organization_name": report.organization.name,
                  "tenant_id": str(report.tenant_id) if report.tenant_id else None,
                  "tenant_name": report.tenant.name if report.tenant_id else None,
                  "data_residency_region": report.organization.data_residency_region},
        "period": {"start": report.reporting_period_start.isoformat(), "end": report.reporting_period_end.isoformat()},
        "generated_at": now.isoformat(),
        "summary": summary,
        "controls": rows,
    }


def render_pdf(data: dict) -> bytes:
    from weasyprint import HTML  # heavy (pango via cffi): loaded when a PDF is rendered, not at startup

    title = f"{data['framework'].upper().replace('_', ' ')} compliance report"
    rows = [{**c, "evidence_json": json.dumps(c["evidence"], indent=1, sort_keys=True, default=str)}
            for c in data["controls"]]
    html = render_to_string("security_app/compliance_report.html", {"title": title, "data": {**data, "controls": rows}})
    return HTML(string=html).write_pdf()


def _store(report: ComplianceReport, fmt: str, content: bytes) -> dict:
    name = f"{STORAGE_PREFIX}/{report.organization_id}/{report.pk}.{fmt}"
    if default_storage.exists(name):
        default_storage.delete(name)
    stored = default_storage.save(name, ContentFile(content))
    return {"name": stored, "sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)}


def compliance_report_generate(*, report: ComplianceReport, actor=None, api_key=None, request=None,
                               now=None) -> ComplianceReport:
    """Run the controls, store the documents, complete; any error: failed with the error (nothing stored)."""
    try:
        with transaction.atomic():
            report = lock(report)
            MACHINE.ensure(report, "generate")
            before = snapshot(report, ["status"])
            data = evaluate(report, now=now)
            json_doc = canonical(data)
            pdf_doc = render_pdf(data)
            documents = {"json": _store(report, "json", json_doc), "pdf": _store(report, "pdf", pdf_doc)}
            failed = [c for c in data["controls"] if c["status"] == controls.FAIL]
            report.report_data = data
            report.findings = [{"control": c["id"], "title": c["title"], "reference": c["reference"]} for c in failed]
            report.recommendations = [{"control": c["id"], "remediation": c["remediation"]} for c in failed]
            report.documents = documents
            report.checksum = documents["json"]["sha256"]
            report.report_file_url = f"/api/v1/compliance-reports/{report.pk}/download/"
            report.status = R.COMPLETED
            report.error_message = None
            report.generated_at = timezone.now()
            report.save()
            audit_record(action="compliance_report.generate", instance=report, actor=actor, api_key=api_key,
                         request=request, before=before,
                         after=snapshot(report, ["report_type", "status", "checksum"]), details=data["summary"])
            return report
    except TransitionRefused:
        raise  # the report's state forbids generating: nothing changed
    except Exception as exc:  # noqa: BLE001 - recorded on the report
        with transaction.atomic():
            report = lock(report)
            before = snapshot(report, ["status"])
            report.status = R.FAILED
            report.error_message = f"{type(exc).__name__}: {exc}"[:2000]
            report.save(update_fields=["status", "error_message"])
            audit_record(action="compliance_report.fail", instance=report, actor=actor, api_key=api_key,
                         request=request, before=before, after=snapshot(report, ["status"]), status="failure",
                         details={"error": report.error_message})
        return report


def compliance_report_generate_job(report_id) -> None:
    """Job: generate a report that is generating (or failed); a completed one is left alone."""
    report = ComplianceReport.objects.get(pk=report_id)
    if MACHINE.can(report, "generate"):
        compliance_report_generate(report=report)


def read_document(report: ComplianceReport, fmt: str) -> bytes:
    """The stored document, verified: DocumentTampered if its SHA-256 no longer matches (or it is gone)."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    if report.status != R.COMPLETED:
        raise FileNotFoundError("This report has no document yet.")
    entry = (report.documents or {}).get(fmt)
    if not entry:
        if fmt == "json" and report.checksum:  # a report generated before documents were stored
            content = canonical(report.report_data)
            if hashlib.sha256(content).hexdigest() != report.checksum:
                raise DocumentTampered("The report data does not match its checksum.")
            return content
        raise FileNotFoundError(f"This report has no {fmt} document.")
    expected = report.checksum if fmt == "json" else entry["sha256"]
    try:
        with default_storage.open(entry["name"], "rb") as handle:
            content = handle.read()
    except FileNotFoundError as exc:
        raise DocumentTampered("The stored document is missing.") from exc
    if hashlib.sha256(content).hexdigest() != expected or entry["sha256"] != expected:
        raise DocumentTampered("The stored document does not match its SHA-256: refused.")
    return content
