"""Data-subject requests (GDPR Art. 15 export, Art. 17 erasure) and organization offboarding.

    received --dry_run--> dry_run_done --approve--> approved --start--> running --complete--> completed
        |  (dry_run again refreshes the counts)        |                    +-----fail-------> failed --start--> running
        +-------------------reject---------------------+--> rejected

Erasure is irreversible, so every request is counted first (dry run: rows per table, legal holds),
then approved by someone other than its requester, then run. Jobs (the long work, idempotent):

- `data_subject_request_dry_run_job(request_id)`: count; safe to repeat.
- `data_subject_request_run_job(request_id)`: the export or erasure; a completed request is left
  alone, a failed one may be run again (erasure only ever finds fewer rows the second time).

Audit rows name the request, the counts and the fingerprint, never the phone number or e-mail.
After an erasure, the request itself and earlier export requests of the same person forget the
identifiers (only the fingerprint is kept) and their archives are deleted.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import zipfile

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from accounts.models import Organization, Tenant
from aybiza.core.errors import TransitionRefused
from aybiza.core.state import StateMachine, lock
from aybiza.core.transitions import apply_transition, require_reason

from .. import personal_data
from aybiza.core.audit import audit_record, snapshot
from ..choices import SubjectRequestKind as Kind
from ..choices import SubjectRequestScope as Scope
from ..choices import SubjectRequestStatus as S
from ..models import DataSubjectRequest

DEADLINE = datetime.timedelta(days=30)  # GDPR Art. 12(3): one month
STORAGE_PREFIX = "data-subject-requests"

MACHINE = StateMachine("data-subject request", "status", {
    "dry_run": ([S.RECEIVED, S.DRY_RUN_DONE], S.DRY_RUN_DONE),
    "approve": ([S.DRY_RUN_DONE], S.APPROVED),
    "reject": ([S.RECEIVED, S.DRY_RUN_DONE, S.APPROVED], S.REJECTED),
    "start": ([S.APPROVED, S.FAILED], S.RUNNING),
    "complete": ([S.RUNNING], S.COMPLETED),
    "fail": ([S.RUNNING], S.FAILED),
})

AUDITED = ["status", "kind", "scope", "subject_fingerprint", "due_at"]


def subject_of(request: DataSubjectRequest) -> personal_data.Subject:
    return personal_data.Subject(
        organization_id=request.organization_id, tenant_id=request.tenant_id,
        phone=request.subject_phone if request.scope == Scope.SUBJECT else None,
        email=request.subject_email if request.scope == Scope.SUBJECT else None,
    )


# --- filing -----------------------------------------------------------------------------------------------

def validate_request(*, organization, tenant, kind, scope, subject_phone, subject_email) -> tuple:
    """(E.164 phone, lower-case e-mail), or ValidationError naming the field (the admin form calls it too)."""
    if kind not in Kind.values:
        raise ValidationError({"kind": f"One of: {', '.join(Kind.values)}."})
    if scope not in Scope.values:
        raise ValidationError({"scope": f"One of: {', '.join(Scope.values)}."})
    if tenant is not None and organization is not None and tenant.organization_id != organization.pk:
        raise ValidationError({"tenant": "The tenant is not the organization's."})
    phone, email = personal_data.normalize_phone(subject_phone), personal_data.normalize_email(subject_email)
    if scope == Scope.SUBJECT and not (phone or email):
        raise ValidationError({"subject_phone": "Name the subject: a phone number and/or an e-mail address."})
    if scope == Scope.ORGANIZATION and (phone or email or tenant is not None):
        raise ValidationError({"scope": "Organization offboarding covers the whole organization: "
                                        "no subject, no tenant."})
    return phone, email


@transaction.atomic
def data_subject_request_create(
    *, organization, kind: str, tenant=None, scope: str = Scope.SUBJECT, subject_phone: str | None = None,
    subject_email: str | None = None, notes: str = "", actor=None, api_key=None, request=None,
    received_at=None,
) -> DataSubjectRequest:
    phone, email = validate_request(organization=organization, tenant=tenant, kind=kind, scope=scope,
                                    subject_phone=subject_phone, subject_email=subject_email)
    received_at = received_at or timezone.now()
    row = DataSubjectRequest.objects.create(
        organization=organization, tenant=tenant, kind=kind, scope=scope, subject_phone=phone,
        subject_email=email, subject_fingerprint=personal_data.fingerprint(phone, email) if scope == Scope.SUBJECT
        else None, received_at=received_at, due_at=received_at + DEADLINE, notes=notes or None,
        requested_by=actor,
    )
    audit_record(action="data_subject_request.create", instance=row, actor=actor, api_key=api_key,
                 request=request, after=snapshot(row, AUDITED))
    return row


# --- dry run ----------------------------------------------------------------------------------------------

def count(request: DataSubjectRequest) -> dict:
    """Rows per table that the request would export or erase, and the legal holds."""
    subject = personal_data.resolve(subject_of(request))
    tables, holds = {}, []
    for source in personal_data.sources():
        rows = source.find(subject).count()
        tables[source.key] = rows
        if source.erase is None and rows:
            holds.append({"table": source.key, "rows": rows, "reason": source.hold, "years": source.hold_years})
    return {"tables": tables, "total": sum(tables.values()), "holds": holds, "counted_at": timezone.now().isoformat()}


@transaction.atomic
def data_subject_request_dry_run(*, subject_request: DataSubjectRequest, actor=None, api_key=None, request=None,
                                 reason: str = "") -> DataSubjectRequest:
    subject_request = lock(subject_request)
    MACHINE.ensure(subject_request, "dry_run")
    counts = count(subject_request)
    return apply_transition(machine=MACHINE, instance=subject_request, verb="dry_run",
                            action="data_subject_request.dry_run", changes={"counts": counts}, actor=actor,
                            api_key=api_key, request=request, reason=reason,
                            details={"total": counts["total"], "tables": counts["tables"]})


def data_subject_request_dry_run_job(request_id) -> None:
    """Job: count (again). A request past its dry run stage is left alone."""
    row = DataSubjectRequest.objects.get(pk=request_id)
    if MACHINE.can(row, "dry_run"):
        data_subject_request_dry_run(subject_request=row)


# --- approval ---------------------------------------------------------------------------------------------

@transaction.atomic
def data_subject_request_approve(*, subject_request: DataSubjectRequest, actor, api_key=None, request=None,
                                 reason: str = "") -> DataSubjectRequest:
    subject_request = lock(subject_request)
    MACHINE.ensure(subject_request, "approve")
    if actor is not None and subject_request.requested_by_id == actor.pk:
        raise TransitionRefused("Cannot approve a data-subject request you filed yourself: "
                                "a second person approves.", field="approved_by")
    return apply_transition(machine=MACHINE, instance=subject_request, verb="approve",
                            action="data_subject_request.approve",
                            changes={"approved_by": actor, "approved_at": timezone.now()},
                            actor=actor, api_key=api_key, request=request, reason=reason)


@transaction.atomic
def data_subject_request_reject(*, subject_request: DataSubjectRequest, actor, reason: str, api_key=None,
                                request=None) -> DataSubjectRequest:
    subject_request = lock(subject_request)
    MACHINE.ensure(subject_request, "reject")
    reason = require_reason(reason)
    return apply_transition(machine=MACHINE, instance=subject_request, verb="reject",
                            action="data_subject_request.reject", changes={"completed_at": timezone.now()},
                            actor=actor, api_key=api_key, request=request, reason=reason)


# --- running ----------------------------------------------------------------------------------------------

def data_subject_request_run(*, subject_request: DataSubjectRequest, actor=None, api_key=None, request=None,
                             reason: str = "") -> DataSubjectRequest:
    """Start, do the export or erasure, and complete; on an error: failed (with the error), work rolled back.

    Returns the request in either case (callers look at `status`); a refused start raises TransitionRefused.
    """
    with transaction.atomic():
        row = lock(subject_request)
        MACHINE.ensure(row, "start")
        row = apply_transition(machine=MACHINE, instance=row, verb="start", action="data_subject_request.start",
                               changes={"started_at": timezone.now(), "error_message": None},
                               actor=actor, api_key=api_key, request=request, reason=reason)
    try:
        with transaction.atomic():
            row = lock(row)
            MACHINE.ensure(row, "complete")
            result = _export(row) if row.kind == Kind.EXPORT else _erase(row, actor)
            changes = {"result": result, "completed_at": timezone.now()}
            if row.kind == Kind.EXPORT:
                changes.update(archive_name=result["archive"]["name"], archive_checksum=result["archive"]["sha256"])
            else:  # forget who it was (not through the audited changes: the audit row must not name them)
                DataSubjectRequest.objects.filter(pk=row.pk).update(subject_phone=None, subject_email=None)
                row.subject_phone = row.subject_email = None
            summary = {k: v for k, v in result.items() if k in ("tables", "holds", "total")}
            return apply_transition(machine=MACHINE, instance=row, verb="complete",
                                    action="data_subject_request.complete", changes=changes, actor=actor,
                                    api_key=api_key, request=request, details=summary)
    except Exception as exc:  # noqa: BLE001 - recorded on the row, then re-raised for the job runner
        with transaction.atomic():
            row = lock(row)
            apply_transition(machine=MACHINE, instance=row, verb="fail", action="data_subject_request.fail",
                             changes={"error_message": f"{type(exc).__name__}: {exc}"[:2000]},
                             actor=actor, api_key=api_key, request=request)
        return row


def data_subject_request_run_job(request_id) -> None:
    """Job: run an approved (or failed) request; a completed, rejected or running one is left alone."""
    row = DataSubjectRequest.objects.get(pk=request_id)
    if MACHINE.can(row, "start"):
        row = data_subject_request_run(subject_request=row)
        if row.status == S.FAILED:  # the runner records the failure and may retry (start is allowed from failed)
            raise RuntimeError(f"Data-subject request {row.pk} failed: {row.error_message}")


# --- export -----------------------------------------------------------------------------------------------

def _csv(rows: list[dict], fields: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: json.dumps(v, cls=DjangoJSONEncoder) if isinstance(v, (dict, list)) else
                         ("" if v is None else v) for k, v in row.items()})
    return out.getvalue().encode()


def build_archive(request: DataSubjectRequest) -> tuple[bytes, dict]:
    """(zip bytes, manifest): per table <table>.json and <table>.csv, and manifest.json with a SHA-256 each."""
    subject = personal_data.resolve(subject_of(request))
    buffer = io.BytesIO()
    files, tables, holds = [], {}, []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for source in personal_data.sources():
            queryset = source.find(subject)
            fields = personal_data.export_fields(source, queryset)
            rows = list(queryset.order_by("pk").values(*fields))
            tables[source.key] = len(rows)
            if source.erase is None and rows:
                holds.append({"table": source.key, "rows": len(rows), "reason": source.hold})
            for name, content in ((f"{source.key}.json", json.dumps(rows, cls=DjangoJSONEncoder, indent=1,
                                                                    sort_keys=True).encode()),
                                  (f"{source.key}.csv", _csv(rows, fields))):
                archive.writestr(name, content)
                files.append({"name": name, "rows": len(rows), "bytes": len(content),
                              "sha256": hashlib.sha256(content).hexdigest()})
        manifest = {
            "request_id": str(request.pk), "kind": request.kind, "scope": request.scope,
            "organization_id": str(request.organization_id),
            "tenant_id": str(request.tenant_id) if request.tenant_id else None,
            "subject": {"phone": request.subject_phone, "email": request.subject_email},
            "generated_at": timezone.now().isoformat(), "tables": tables, "holds": holds, "files": files,
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=1, sort_keys=True))
    return buffer.getvalue(), manifest


def _export(request: DataSubjectRequest) -> dict:
    content, manifest = build_archive(request)
    name = f"{STORAGE_PREFIX}/{request.organization_id}/{request.pk}.zip"
    if default_storage.exists(name):  # a re-run after a failure replaces the earlier file
        default_storage.delete(name)
    stored = default_storage.save(name, ContentFile(content))
    return {"tables": manifest["tables"], "holds": manifest["holds"], "total": sum(manifest["tables"].values()),
            "files": manifest["files"],
            "archive": {"name": stored, "sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)}}


class ArchiveTampered(Exception):
    pass


def read_archive(request: DataSubjectRequest) -> bytes:
    """The stored export, verified against its SHA-256; ArchiveTampered if it was changed or lost."""
    if request.status != S.COMPLETED or not request.archive_name:
        raise FileNotFoundError("This request has no archive.")
    try:
        with default_storage.open(request.archive_name, "rb") as handle:
            content = handle.read()
    except FileNotFoundError as exc:
        raise ArchiveTampered("The stored archive is missing.") from exc
    if hashlib.sha256(content).hexdigest() != request.archive_checksum:
        raise ArchiveTampered("The stored archive does not match its SHA-256: refused.")
    return content


# --- erasure ----------------------------------------------------------------------------------------------

def _erase(request: DataSubjectRequest, actor) -> dict:
    subject = personal_data.resolve(subject_of(request))
    tables, holds = {}, []
    for source in personal_data.sources():
        queryset = source.find(subject)
        if source.erase is None:
            rows = queryset.count()
            if rows:
                holds.append({"table": source.key, "rows": rows, "reason": source.hold, "years": source.hold_years})
            continue
        verb, rows = source.erase(queryset, subject, actor)
        tables[source.key] = {"action": verb, "rows": rows}
    if request.scope == Scope.SUBJECT:
        left = {k: n for k, n in remaining(request, phone=subject.phone, email=subject.email).items()
                if personal_data.SOURCES[k].erase is not None}
        if left:  # rolled back: the request fails, nothing is half-erased
            raise RuntimeError(f"Erasure left rows that still name the subject: {left}.")
    forgotten = _forget_earlier_requests(request)
    if request.scope == Scope.ORGANIZATION:
        Tenant.objects.filter(organization_id=request.organization_id).update(status="inactive")
        Organization.objects.filter(pk=request.organization_id).update(status="inactive")
    return {"tables": tables, "holds": holds, "total": sum(t["rows"] for t in tables.values()),
            "earlier_requests_forgotten": forgotten,
            "not_erased": "Agents, workflows, tools, phone numbers and SIP trunks are configuration, not personal "
                          "data: kept (deactivated with the organization on offboarding)."
            if request.scope == Scope.ORGANIZATION else ""}


def _forget_earlier_requests(request: DataSubjectRequest) -> int:
    """Other requests of the same person (or organization) lose the identifiers and their archives."""
    others = DataSubjectRequest.objects.filter(organization_id=request.organization_id).exclude(pk=request.pk)
    if request.scope == Scope.SUBJECT:
        others = others.filter(subject_fingerprint=request.subject_fingerprint)
    n = 0
    for other in others.select_for_update():
        if other.archive_name and default_storage.exists(other.archive_name):
            default_storage.delete(other.archive_name)
        other.subject_phone = other.subject_email = None
        other.archive_name = None
        other.save(update_fields=["subject_phone", "subject_email", "archive_name"])
        n += 1
    return n


def remaining(request: DataSubjectRequest, *, phone=None, email=None) -> dict:
    """Rows still referring to a subject (tests and the erasure's own check): {table: rows}, holds included."""
    subject = personal_data.resolve(personal_data.Subject(
        organization_id=request.organization_id, tenant_id=request.tenant_id, phone=phone, email=email))
    return {s.key: n for s in personal_data.sources() if (n := s.find(subject).count())}
