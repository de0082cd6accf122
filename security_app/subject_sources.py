"""The personal-data sources of security_app's tables and of accounts' users (see personal_data.py).

Subject erasure redacts in place (security records keep their shape, lose the person); organization
offboarding deletes. Audit logs are a legal hold: exported, listed, never erased.
"""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat

from accounts.models import User

from .choices import ApiKeyStatus
from .models import ApiAccessLog, ApiKey, AuditLog, PromptInjectionAttempt, SecurityEvent, VoiceSecurityEvent
from .personal_data import ERASED, Source, Subject, as_text, register, resolver, scrub_json

AUDIT_RETENTION_YEARS = 7


@resolver
def _users(subject: Subject) -> None:
    if subject.whole_organization:
        subject.refs["user_ids"] = set()
        return
    users = User.objects.filter(subject.scope())
    q = User.objects.none()
    if subject.email:
        q = q | users.filter(email__iexact=subject.email)
    if subject.phone:
        q = q | users.filter(phone_number__in=subject.phone_variants())
    subject.refs["user_ids"] = set(q.values_list("id", flat=True))


def _user_ids(subject):
    return subject.refs.get("user_ids", set())


# --- users -------------------------------------------------------------------------------------------------

def _find_users(subject):
    users = User.objects.filter(subject.scope())
    return users if subject.whole_organization else users.filter(id__in=_user_ids(subject))


def _erase_users(queryset, subject, actor):
    rows = queryset.update(
        email=Concat(Value("erased-"), Cast("id", CharField()), Value("@erased.invalid"), output_field=CharField()), full_name=ERASED, phone_number=None,
        position=None, department=None, settings={}, is_active=False, mfa_enabled=False, mfa_secret=None,
        recovery_codes=None, password=make_password(None), locked_until=None,
    )
    return "redacted", rows


register(Source("agent_manager.users", _find_users, _erase_users, order=900,
                exclude=("password", "mfa_secret", "recovery_codes")))


# --- API keys (offboarding only: a subject has none) -------------------------------------------------------

def _find_keys(subject):
    return ApiKey.objects.filter(subject.scope()) if subject.whole_organization else ApiKey.objects.none()


def _erase_keys(queryset, subject, actor):
    return "revoked", queryset.exclude(status=ApiKeyStatus.REVOKED).update(status=ApiKeyStatus.REVOKED)


register(Source("security.api_keys", _find_keys, _erase_keys, order=800, exclude=("key_hash",)))


# --- access logs ------------------------------------------------------------------------------------------

def _find_access(subject):
    logs = ApiAccessLog.objects.filter(subject.scope())
    return logs if subject.whole_organization else logs.filter(user_id__in=_user_ids(subject))


def _erase_access(queryset, subject, actor):
    if subject.whole_organization:
        return "deleted", queryset.delete()[0]
    return "redacted", queryset.update(ip_address=None, user_agent=None, error_details={})


register(Source("security.api_access_logs", _find_access, _erase_access, order=200))


# --- security events ---------------------------------------------------------------------------------------

def _find_events(subject):
    events = SecurityEvent.objects.filter(subject.scope())
    if subject.whole_organization:
        return events
    return as_text(events, "details").filter(subject.text_q("details_text") | _by_user(subject))


def _by_user(subject) -> Q:
    return Q(user_id__in=_user_ids(subject))


def _erase_events(queryset, subject, actor):
    if subject.whole_organization:
        return "deleted", queryset.delete()[0]
    ids = list(queryset.values_list("id", flat=True))
    rows = SecurityEvent.objects.filter(id__in=ids)
    scrub_json(rows, subject, "details", "automated_response")
    rows.filter(user_id__in=_user_ids(subject)).update(ip_address=None)
    return "redacted", len(ids)


register(Source("security.security_events", _find_events, _erase_events, order=200))


# --- detections (hypertables, keyed by call_sid) ---------------------------------------------------------

def _detections(model, extra_erase):
    def find(subject):
        rows = model.objects.filter(subject.scope())
        if subject.whole_organization:
            return rows
        text_columns = ("input_text",) if model is PromptInjectionAttempt else ()
        rows = as_text(rows, "metadata")
        return rows.filter(Q(call_sid__in=subject.refs.get("call_sids", set()))
                           | subject.text_q("metadata_text", *text_columns))

    def erase(queryset, subject, actor):
        if subject.whole_organization:
            return "deleted", queryset.delete()[0]
        ids = list(queryset.values_list("id", flat=True))
        return "redacted", model.objects.filter(id__in=ids).update(metadata={}, **extra_erase)

    return find, erase


register(Source("security.prompt_injection_attempts",
                *_detections(PromptInjectionAttempt, {"input_text": ERASED}), order=200))
register(Source("security.voice_security_events",
                *_detections(VoiceSecurityEvent, {"audio_sample_url": None}), order=200))


# --- audit logs: legal hold ----------------------------------------------------------------------------------

def _find_audit(subject):
    logs = AuditLog.objects.filter(subject.scope())
    if subject.whole_organization:
        return logs
    logs = as_text(logs, "details")
    return logs.filter(_by_user(subject) | subject.text_q("details_text", "resource_name"))


register(Source("security.audit_logs", _find_audit, None, order=1000, exclude=("user_agent",),
                hold=f"Audit trail retained {AUDIT_RETENTION_YEARS} years (SOC 2 CC7.2, HIPAA 164.316(b)(2)): "
                     "kept unchanged, never erased.", hold_years=AUDIT_RETENTION_YEARS))
