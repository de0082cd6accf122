"""The compliance control catalogue: each control evidenced from the platform's own data.

A control has references per framework (SOC 2, HIPAA, GDPR, PCI DSS; a "custom" report runs them
all) and a check that returns pass / fail / not_applicable with its evidence (counts, sample ids,
settings read) and a remediation. security_app registers the controls over its own tables, the
users and the time-series status; analytics registers the ones over calls and transcripts (card
numbers, residency) in its AppConfig.ready(), so this module imports no higher app.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models import F, Q

from accounts.models import User
from accounts.roles import role_grants
from aybiza.core import timeseries
from aybiza.core.db import encryption
from aybiza.core.db.fields import EncryptedJSONField, encrypted_fields

from . import key_rotation
from .choices import ApiKeyStatus, SubjectRequestStatus
from .models import ApiKey, AuditLog, DataSubjectRequest, PromptInjectionAttempt, SecurityEvent, VoiceSecurityEvent

PASS, FAIL, NA = "pass", "fail", "not_applicable"
SAMPLE = 10  # ids shown per finding
FRAMEWORKS = ("soc2", "hipaa", "gdpr", "pci_dss")


@dataclass(frozen=True)
class Context:
    organization: object
    tenant: object | None
    start: datetime.datetime
    end: datetime.datetime
    now: datetime.datetime

    def scope(self, prefix: str = "") -> Q:
        q = Q(**{f"{prefix}organization_id": self.organization.pk})
        return q & Q(**{f"{prefix}tenant_id": self.tenant.pk}) if self.tenant is not None else q


@dataclass(frozen=True)
class Control:
    id: str
    title: str
    references: dict  # {"soc2": "CC6.1", ...}
    check: Callable[[Context], dict]  # -> {"status", "evidence", "remediation"}


CONTROLS: dict[str, Control] = {}


def control(id: str, title: str, **references):
    def register(check):
        CONTROLS[id] = Control(id, title, references, check)
        return check
    return register


def catalogue(report_type: str) -> list[Control]:
    return [c for c in CONTROLS.values() if report_type == "custom" or report_type in c.references]


def result(ok: bool | None, evidence: dict, remediation: str = "") -> dict:
    status = NA if ok is None else PASS if ok else FAIL
    return {"status": status, "evidence": evidence, "remediation": remediation if status == FAIL else ""}


def sample(queryset, field: str = "id") -> list[str]:
    return [str(v) for v in queryset.order_by(field).values_list(field, flat=True)[:SAMPLE]]


def setting(name: str, default):
    return getattr(settings, name, default)


# --- access control ---------------------------------------------------------------------------------------

def _staff(ctx):
    users = User.objects.filter(organization__slug=settings.PLATFORM_ORGANIZATION_SLUG, is_active=True)
    return [u for u in users.select_related("role") if role_grants(u.role, "staff") or role_grants(u.role, "superuser")]


@control("staff_mfa", "Back-office staff use multi-factor authentication",
         soc2="CC6.1", hipaa="164.312(d)", gdpr="Art. 32(1)(b)", pci_dss="8.4.2")
def staff_mfa(ctx):
    staff = _staff(ctx)
    without = [u for u in staff if not (u.mfa_enabled and u.mfa_secret)]
    return result(
        None if not staff else not without,
        {"staff_accounts": len(staff), "with_mfa": len(staff) - len(without),
         "coverage": round((len(staff) - len(without)) / len(staff), 4) if staff else None,
         "without_mfa_sample": sorted(str(u.pk) for u in without)[:SAMPLE],
         "mfa_required_for_admin": bool(setting("AYBIZA_ADMIN_REQUIRE_MFA", False))},
        "Enrol every active staff account in TOTP (ops console: /admin/mfa/setup/) or deactivate it; "
        "set AYBIZA_ADMIN_REQUIRE_MFA=true.")


@control("login_lockout", "Repeated failed logins lock the account",
         soc2="CC6.1", hipaa="164.308(a)(5)(ii)(C)", pci_dss="8.3.4")
def login_lockout(ctx):
    attempts = int(setting("AYBIZA_LOGIN_MAX_ATTEMPTS", 5))
    minutes = int(setting("AYBIZA_LOGIN_LOCKOUT_MINUTES", 15))
    failures = SecurityEvent.objects.filter(event_type="login_failure", timestamp__gte=ctx.start,
                                            timestamp__lt=ctx.end)
    return result(
        1 <= attempts <= 10 and minutes >= 15,
        {"max_attempts": attempts, "lockout_minutes": minutes, "required": "at most 10 attempts, at least 15 minutes",
         "login_failure_events_in_period": failures.count(),
         "accounts_locked_now": User.objects.filter(locked_until__gt=ctx.now).count()},
        "Set AYBIZA_LOGIN_MAX_ATTEMPTS to 10 or fewer and AYBIZA_LOGIN_LOCKOUT_MINUTES to 15 or more.")


def _active_keys(ctx):
    return ApiKey.objects.filter(ctx.scope(), status=ApiKeyStatus.ACTIVE)


@control("api_keys_expiry", "API keys expire", soc2="CC6.1", pci_dss="8.3.9", hipaa="164.312(a)(1)")
def api_keys_expiry(ctx):
    keys = _active_keys(ctx)
    never = keys.filter(expires_at__isnull=True)
    return result(None if not keys.exists() else not never.exists(),
                  {"active_keys": keys.count(), "without_expiry": never.count(), "sample": sample(never)},
                  "Give every key an expires_at (at most a year) or revoke it.")


@control("api_keys_age", "API keys are rotated within 90 days", soc2="CC6.1", pci_dss="8.3.9")
def api_keys_age(ctx):
    keys = _active_keys(ctx)
    old = keys.filter(created_at__lt=ctx.now - datetime.timedelta(days=90))
    return result(None if not keys.exists() else not old.exists(),
                  {"active_keys": keys.count(), "older_than_90_days": old.count(), "sample": sample(old)},
                  "Mint a replacement for each key older than 90 days, then revoke the old one.")


@control("api_keys_unused", "Unused API keys are revoked", soc2="CC6.2", pci_dss="8.2.6", hipaa="164.308(a)(4)")
def api_keys_unused(ctx):
    keys = _active_keys(ctx)
    cutoff = ctx.now - datetime.timedelta(days=90)
    unused = keys.filter(created_at__lt=cutoff).filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=cutoff))
    return result(None if not keys.exists() else not unused.exists(),
                  {"active_keys": keys.count(), "unused_90_days": unused.count(), "sample": sample(unused)},
                  "Revoke keys not used for 90 days.")


# --- cryptography -----------------------------------------------------------------------------------------

def _tokens_not_current() -> tuple[int, int]:
    total = stale = 0
    for model in apps.get_models():
        if not model._meta.managed or model._meta.proxy:
            continue
        for field in encrypted_fields(model):
            column = connection.ops.quote_name(field.column)
            token = f"({column} #>> '{{}}')" if isinstance(field, EncryptedJSONField) else column
            where = f"jsonb_typeof({column}) = 'string'" if isinstance(field, EncryptedJSONField) else \
                f"{column} IS NOT NULL AND {column} <> ''"
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT {token} FROM {connection.ops.quote_name(model._meta.db_table)} WHERE {where}")
                for (value,) in cursor.fetchall():
                    total += 1
                    stale += not encryption.is_current(value)
    return total, stale


@control("encryption_key_rotation", "Field-encryption keys are rotated yearly",
         soc2="CC6.1", hipaa="164.312(a)(2)(iv)", gdpr="Art. 32(1)(a)", pci_dss="3.6.4")
def encryption_key_rotation(ctx):
    max_days = int(setting("AYBIZA_KEY_ROTATION_MAX_DAYS", 365))
    since = key_rotation.primary_key_since()
    total, stale = _tokens_not_current()
    age = (ctx.now - since).days if since else None
    return result(
        since is not None and age <= max_days and stale == 0,
        {"primary_key_fingerprint": key_rotation.primary_fingerprint(),
         "primary_key_first_rotation": since.isoformat() if since else None, "primary_key_age_days": age,
         "max_age_days": max_days, "encrypted_values": total, "values_under_old_keys": stale},
        "Put a new key first in AYBIZA_FIELD_ENCRYPTION_KEYS and run manage.py rotate_encryption_keys "
        "(it records the rotation); never leave values under a retired key.")


# --- monitoring and incident response ---------------------------------------------------------------------

@control("security_events_sla", "High and critical security events are resolved within the SLA",
         soc2="CC7.4", hipaa="164.308(a)(6)(ii)", gdpr="Art. 33", pci_dss="12.10.1")
def security_events_sla(ctx):
    hours = int(setting("AYBIZA_SECURITY_EVENT_SLA_HOURS", 72))
    serious = SecurityEvent.objects.filter(ctx.scope(), severity__in=["high", "critical"], timestamp__lt=ctx.end)
    late = serious.filter(resolved=False, timestamp__lt=ctx.now - datetime.timedelta(hours=hours))
    return result(
        None if not serious.exists() else not late.exists(),
        {"sla_hours": hours, "high_or_critical": serious.count(),
         "unresolved": serious.filter(resolved=False).count(), "unresolved_past_sla": late.count(),
         "sample": sample(late)},
        "Resolve (with notes) every high/critical security event older than the SLA.")


@control("detections_reviewed", "Prompt-injection and voice-security detections are reviewed",
         soc2="CC7.3", hipaa="164.308(a)(1)(ii)(D)", pci_dss="10.4.1")
def detections_reviewed(ctx):
    days = int(setting("AYBIZA_DETECTION_REVIEW_DAYS", 7))
    cutoff = min(ctx.end, ctx.now - datetime.timedelta(days=days))
    evidence, missing = {"review_within_days": days}, False
    seen = False
    for model, name in ((PromptInjectionAttempt, "prompt_injection"), (VoiceSecurityEvent, "voice_security")):
        rows = model.objects.filter(ctx.scope(), timestamp__gte=ctx.start, timestamp__lt=ctx.end)
        late = rows.filter(reviewed_at__isnull=True, timestamp__lt=cutoff)
        seen = seen or rows.exists()
        missing = missing or late.exists()
        evidence[name] = {"detections": rows.count(), "unreviewed_past_deadline": late.count(),
                          "sample": sample(late)}
    return result(None if not seen else not missing, evidence,
                  "Review each detection (false positive or confirmed) in the ops console.")


# --- audit trail ------------------------------------------------------------------------------------------

AUDITED_ACTIONS = (  # (model, time column, audit action, extra filter): each row must have its audit row
    (ApiKey, "created_at", "api_key.create", {}),
    (SecurityEvent, "resolved_at", "security_event.resolve", {"resolved": True}),
    (DataSubjectRequest, "received_at", "data_subject_request.create", {}),
)


@control("audit_trail_complete", "Every audited action of the period has its audit row",
         soc2="CC7.2", hipaa="164.312(b)", gdpr="Art. 30", pci_dss="10.2.1")
def audit_trail_complete(ctx):
    evidence, gaps, rows_seen = {}, False, 0
    for model, column, action, extra in AUDITED_ACTIONS:
        rows = model.objects.filter(ctx.scope(), **{f"{column}__gte": ctx.start, f"{column}__lt": ctx.end}, **extra)
        audited = AuditLog.objects.filter(action=action).values("resource_id")
        missing = rows.exclude(id__in=audited)
        rows_seen += rows.count()
        gaps = gaps or missing.exists()
        evidence[action] = {"rows": rows.count(), "without_audit_row": missing.count(), "sample": sample(missing)}
    evidence["audit_rows_in_period"] = AuditLog.objects.filter(
        ctx.scope(), timestamp__gte=ctx.start, timestamp__lt=ctx.end).count()
    return result(None if not rows_seen else not gaps, evidence,
                  "Find what changed these rows outside the services (plain SQL, a script) and route it "
                  "through the audited services.")


@control("retention_in_force", "Retention policies are in force on the time-series tables",
         soc2="CC6.5", hipaa="164.316(b)(2)", gdpr="Art. 5(1)(e)", pci_dss="3.2.1")
def retention_in_force(ctx):
    tables, failing = [], []
    for table in timeseries.retention_tables():
        job = timeseries.retention_job(table)
        recorded = timeseries.state(f"retention:{table.relation}") or {}
        finished = recorded.get("last_run_finished_at")
        fresh = finished is not None and finished >= ctx.now - datetime.timedelta(days=2) and \
            recorded.get("last_run_status") == "success"
        ok = job is not None or fresh
        tables.append({"table": table.relation, "retention": table.retention,
                       "timescale_policy": bool(job), "last_application_run": finished.isoformat() if finished else None,
                       "last_status": recorded.get("last_run_status")})
        if not ok:
            failing.append(table.relation)
    return result(not failing, {"mode": timeseries.mode(), "tables": tables, "without_retention": failing},
                  "Schedule manage.py enforce_retention daily (plain mode) or add the Timescale retention policies.")


# --- data-subject rights ----------------------------------------------------------------------------------

@control("dsr_deadlines", "Data-subject requests are answered within one month", gdpr="Art. 12(3)",
         soc2="P8.1", hipaa="164.524(b)(2)")
def dsr_deadlines(ctx):
    requests = DataSubjectRequest.objects.filter(ctx.scope(), received_at__lt=ctx.end)
    done = (SubjectRequestStatus.COMPLETED, SubjectRequestStatus.REJECTED)
    overdue = requests.exclude(status__in=done).filter(due_at__lt=ctx.now)
    late = requests.filter(status__in=done, completed_at__gt=F("due_at"))
    relevant = requests.filter(Q(received_at__gte=ctx.start) | ~Q(status__in=done))
    return result(None if not relevant.exists() else not (overdue.exists() or late.exists()),
                  {"requests": relevant.count(), "open_past_deadline": overdue.count(),
                   "answered_late": late.count(), "sample": sample(overdue) + sample(late)},
                  "Dry-run, approve and run every open request before its due date (ops console).")
