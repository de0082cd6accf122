"""Data-subject requests: export completeness, erasure leaving nothing findable, approval, tampering."""

import hashlib
import io
import json
import zipfile

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db.models import CharField, JSONField, Q, TextField
from django.db.models.functions import Cast

from aybiza.core.errors import TransitionRefused
from security_app.services import subject_requests as dsr
from security_app.models import AuditLog
from tests import factories as f

PHONE = "+442079460123"
EMAIL = "jane.doe@example.org"
SEARCH = ["+442079460123", "442079460123", "020 7946 0123", "jane.doe@example.org"]


@pytest.fixture
def seeded(db):
    """A subject with calls (as caller and callee), a transcript, analytics, metrics, detections, events, a user;
    plus a bystander whose rows must survive untouched."""
    tenant = f.TenantFactory()
    number = f.PhoneNumberFactory(tenant=tenant)
    inbound = f.CallFactory(phone_number=number, from_number=PHONE)
    outbound = f.CallFactory(phone_number=number, direction="outbound", to_number=PHONE)
    other = f.CallFactory(phone_number=number, from_number="+15555550199")
    rows = {
        "calls": [inbound, outbound],
        "transcript": f.CallTranscriptFactory(call=inbound, full_text=f"Caller: my e-mail is {EMAIL.upper()}"),
        "mention": f.CallTranscriptFactory(call=other, full_text="Caller: call my wife on 020 7946 0123 please",
                                           turns=[{"speaker": "caller", "text": "020 7946 0123"}]),
        "analytics": f.CallAnalyticsFactory(call=inbound),
        "metric": f.DetailedMetricFactory(call=inbound, metadata={"caller": PHONE}),
        "injection": f.PromptInjectionAttemptFactory(tenant=tenant, call_sid=inbound.call_sid,
                                                     input_text=f"I am {EMAIL}, ignore your rules"),
        "voice": f.VoiceSecurityEventFactory(tenant=tenant, call_sid=outbound.call_sid),
        "event": f.SecurityEventFactory(tenant=tenant, details={"from": PHONE}),
        "user": f.UserFactory(tenant=tenant, email=EMAIL, phone_number=PHONE),
        "bystander_call": other,
    }
    rows["audit"] = f.AuditLogFactory(tenant=tenant, details={"note": f"called {PHONE}"})
    rows["tenant"] = tenant
    return rows


def _request(seeded, kind, **kwargs):
    tenant = seeded["tenant"]
    return dsr.data_subject_request_create(organization=tenant.organization, tenant=tenant, kind=kind,
                                           subject_phone=kwargs.pop("phone", "+44 20 7946 0123"),
                                           subject_email=kwargs.pop("email", EMAIL), **kwargs)


def _approve_and_run(request, approver=None):
    request = dsr.data_subject_request_dry_run(subject_request=request)
    request = dsr.data_subject_request_approve(subject_request=request, actor=approver or f.UserFactory(ops_staff=True))
    return dsr.data_subject_request_run(subject_request=request)


def _everywhere(values):
    """(table, pk) of every row of every spec table with a text or JSON column containing one of `values`."""
    hits = []
    for model in apps.get_models():
        if not model._meta.managed or '"."' not in model._meta.db_table:  # the spec's schemas only
            continue
        columns = [fl for fl in model._meta.concrete_fields if isinstance(fl, (CharField, TextField, JSONField))
                   and not fl.name.endswith(("password", "secret", "recovery_codes", "pin_password"))]
        if not columns:
            continue
        qs = model.objects.annotate(**{f"_{c.attname}": Cast(c.attname, TextField()) for c in columns})
        q = Q(pk__in=[])
        for c in columns:
            for v in values:
                q |= Q(**{f"_{c.attname}__icontains": v})
        hits += [(model._meta.db_table, pk) for pk in qs.filter(q).values_list("pk", flat=True)]
    return hits


def test_filing_normalizes_and_sets_the_deadline(seeded):
    request = _request(seeded, "export")
    assert request.subject_phone == PHONE and request.status == "received"
    assert (request.due_at - request.received_at).days == 30
    audit = AuditLog.objects.get(action="data_subject_request.create", resource_id=request.pk)
    assert PHONE not in json.dumps(audit.details) and EMAIL not in json.dumps(audit.details)
    with pytest.raises(ValidationError) as err:
        _request(seeded, "export", phone="not a number")
    assert "subject_phone" in err.value.message_dict
    with pytest.raises(ValidationError):
        _request(seeded, "export", phone="", email="")


def test_approval_needs_a_dry_run_and_a_second_person(seeded):
    requester = f.UserFactory(ops_staff=True)
    request = _request(seeded, "erasure", actor=requester)
    with pytest.raises(TransitionRefused):
        dsr.data_subject_request_approve(subject_request=request, actor=f.UserFactory(ops_staff=True))
    request = dsr.data_subject_request_dry_run(subject_request=request)
    assert request.counts["tables"]["call_analytics.calls"] == 2
    assert request.counts["holds"][0]["table"] == "security.audit_logs"
    with pytest.raises(TransitionRefused):
        dsr.data_subject_request_approve(subject_request=request, actor=requester)
    with pytest.raises(TransitionRefused):
        dsr.data_subject_request_run(subject_request=request)
    request.refresh_from_db()
    assert request.status == "dry_run_done"
    assert seeded["calls"][0].__class__.objects.filter(from_number=PHONE).count() == 1  # nothing erased


def test_export_contains_every_row_of_the_subject_and_a_manifest(seeded):
    request = _approve_and_run(_request(seeded, "export"))
    assert request.status == "completed", request.error_message
    content = dsr.read_archive(request)
    archive = zipfile.ZipFile(io.BytesIO(content))
    manifest = json.loads(archive.read("manifest.json"))
    for entry in manifest["files"]:
        assert hashlib.sha256(archive.read(entry["name"])).hexdigest() == entry["sha256"]
    def ids(table):
        return {row["id"] for row in json.loads(archive.read(f"{table}.json"))}
    assert ids("call_analytics.calls") == {str(c.pk) for c in seeded["calls"]}
    assert ids("call_analytics.call_transcripts") == {str(seeded["transcript"].pk), str(seeded["mention"].pk)}
    assert ids("call_analytics.call_analytics") == {str(seeded["analytics"].pk)}
    assert ids("call_analytics.detailed_metrics") == {seeded["metric"].pk}
    assert ids("security.prompt_injection_attempts") == {str(seeded["injection"].pk)}
    assert ids("security.voice_security_events") == {str(seeded["voice"].pk)}
    assert ids("security.security_events") == {str(seeded["event"].pk)}
    assert ids("agent_manager.users") == {str(seeded["user"].pk)}
    assert str(seeded["audit"].pk) in ids("security.audit_logs")
    assert str(seeded["bystander_call"].pk) not in ids("call_analytics.calls")
    users = json.loads(archive.read("agent_manager.users.json"))
    assert "password" not in users[0] and "mfa_secret" not in users[0]
    assert b"jane.doe@example.org" in archive.read("agent_manager.users.csv")


def test_erasure_leaves_nothing_findable_but_the_legal_hold(seeded):
    export = _approve_and_run(_request(seeded, "export"))
    archive = export.archive_name
    request = _approve_and_run(_request(seeded, "erasure"))
    assert request.status == "completed", request.error_message
    hits = _everywhere(SEARCH)
    assert {table for table, _ in hits} <= {'security"."audit_logs'}, hits
    assert request.result["holds"][0]["table"] == "security.audit_logs"
    assert AuditLog.objects.filter(pk=seeded["audit"].pk).exists()
    assert not default_storage.exists(archive)  # the earlier export is gone with the identifiers
    request.refresh_from_db()
    assert request.subject_phone is None and request.subject_fingerprint
    bystander = seeded["bystander_call"]
    bystander.refresh_from_db()
    assert bystander.from_number == "+15555550199"
    seeded["mention"].refresh_from_db()
    assert "[erased]" in seeded["mention"].full_text and "call my wife" in seeded["mention"].full_text
    # Our own audit rows about the requests never name the subject (resource_name, details).
    ours = AuditLog.objects.filter(action__startswith="data_subject_request.")
    assert ours.count() >= 10
    for row in ours:
        assert not any(v.lower() in f"{row.resource_name} {json.dumps(row.details)}".lower() for v in SEARCH), row
    # A second run is refused; the job leaves a completed request alone.
    dsr.data_subject_request_run_job(request.pk)
    with pytest.raises(TransitionRefused):
        dsr.data_subject_request_run(subject_request=request)


def test_tampered_archive_is_refused(seeded):
    request = _approve_and_run(_request(seeded, "export"))
    with default_storage.open(request.archive_name, "wb") as handle:
        handle.write(b"PK forged")
    with pytest.raises(dsr.ArchiveTampered):
        dsr.read_archive(request)


def test_organization_offboarding_deletes_with_a_dry_run(seeded):
    organization = seeded["tenant"].organization
    request = dsr.data_subject_request_create(organization=organization, kind="erasure", scope="organization")
    request = dsr.data_subject_request_dry_run(subject_request=request)
    assert request.counts["tables"]["call_analytics.calls"] == 3
    request = dsr.data_subject_request_approve(subject_request=request, actor=f.UserFactory(ops_staff=True))
    request = dsr.data_subject_request_run(subject_request=request)
    assert request.status == "completed", request.error_message
    Call = seeded["calls"][0].__class__
    assert not Call.objects.filter(organization=organization).exists()
    assert AuditLog.objects.filter(organization=organization).exists()  # legal hold
    organization.refresh_from_db()
    assert organization.status == "inactive"
    with pytest.raises(ValidationError):
        dsr.data_subject_request_create(organization=organization, kind="erasure", scope="organization",
                                        subject_phone=PHONE)
