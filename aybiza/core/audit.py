"""The trail: one `security.audit_logs` row per change, and security events.

    before = snapshot(request_obj, ["status"])
    ... change it ...
    audit_record(action="porting_request.approve", instance=request_obj, actor=user,
                 before=before, after=snapshot(request_obj, ["status"]), reason="...")

Every write path calls `audit_record` in the write's own transaction: the
services, the API's base viewset, the admin's save/delete and the staff
security actions. What it copies is bounded: secret columns (encrypted
fields, hashes) are masked, and long text or JSON (a transcript, its
segments) is summarised by size, so the trail never becomes a second copy of
secrets or personal data.

The rows go to the models named by settings.AYBIZA_AUDIT_LOG_MODEL and
settings.AYBIZA_SECURITY_EVENT_MODEL ("security_app.AuditLog",
"security_app.SecurityEvent"), looked up like AUTH_USER_MODEL: the core
writes the trail without importing the app that stores it.
"""

import datetime
import uuid
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.db import models

from .db.fields import EncryptedJSONField, EncryptedTextField
from .db.rows import insert
from .network import client_ip
from .ownership import owner_of

MASK = "(encrypted)"  # what a secret column shows: set, never its value
MAX_COPIED_CHARS = 200  # longer text / JSON is summarised, not copied
HASH_COLUMNS = ("encrypted_password", "key_hash")  # hashes: not encrypted, still never copied


def audit_log_model():
    return apps.get_model(settings.AYBIZA_AUDIT_LOG_MODEL)


def security_event_model():
    return apps.get_model(settings.AYBIZA_SECURITY_EVENT_MODEL)


def is_secret(field) -> bool:
    """Encrypted columns and password / key hashes."""
    return isinstance(field, (EncryptedTextField, EncryptedJSONField)) or field.column in HASH_COLUMNS


def _json_safe(value):
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_json_safe(v) for v in value]
    return value


def _bounded(value):
    """The value, or a summary of its size when it is long text or large JSON."""
    if isinstance(value, str) and len(value) > MAX_COPIED_CHARS:
        return {"summary": f"text of {len(value)} characters"}
    if isinstance(value, (dict, list)):
        size = len(repr(value))
        if size > MAX_COPIED_CHARS:
            return {"summary": f"{type(value).__name__} of {len(value)} items, ~{size} characters"}
    return value


def snapshot(instance: models.Model, fields) -> dict:
    """{field: value} for the audit's before/after, JSON-safe and bounded; a FK gives its id.

    Secret columns give "(encrypted)" (or None when empty): whether it changed shows, never what it is.
    """
    result = {}
    for name in fields:
        field = instance._meta.get_field(name)
        value = getattr(instance, field.attname)
        if is_secret(field):
            result[name] = MASK if value not in (None, "", {}, []) else None
        else:
            result[name] = _bounded(_json_safe(value))
    return result


def _request_meta(request) -> dict:
    if request is None:
        return {}
    meta = getattr(request, "META", {}) or {}
    # Ours only (aybiza/api/middleware.py): a client's X-Request-ID is not unique, so never the audit's id.
    request_id = getattr(request, "request_id", None)
    try:
        request_id = uuid.UUID(str(request_id)) if request_id else None
    except ValueError:
        request_id = None
    session = getattr(request, "session", None)
    return {
        # X-Forwarded-For only from a trusted proxy: a client can write anything there.
        "ip_address": client_ip(request) if meta.get("REMOTE_ADDR") else None,
        "user_agent": meta.get("HTTP_USER_AGENT") or None,
        "request_id": request_id,
        "session_id": getattr(session, "session_key", None) if session is not None else None,
    }


def _owner_ids(instance, actor, api_key) -> tuple:
    owner = owner_of(type(instance))
    organization_id, tenant_id = owner.ids(instance) if owner else (None, None)
    for fallback in (actor, api_key):
        if organization_id is None and fallback is not None:
            organization_id = fallback.organization_id
    return organization_id, tenant_id


def audit_record(
    *,
    action: str,
    instance: models.Model,
    actor=None,
    api_key=None,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
    request=None,
    status: str = "success",
    details: dict | None = None,
    owner_ids: tuple | None = None,
) -> models.Model:
    """Write one audit row for `action` on `instance` (in the caller's transaction).

    The row's organization and tenant are the instance's (its model's `owner`),
    else the actor's organization; `owner_ids` overrides them.
    """
    organization_id, tenant_id = owner_ids or _owner_ids(instance, actor, api_key)
    if organization_id is None:
        raise ValueError(f"Cannot audit {action}: no organization for {instance!r} and no actor.")
    payload = {"before": before or {}, "after": after or {}, "reason": reason or ""}
    payload.update(_json_safe(details or {}))
    user = actor if actor is not None and getattr(actor, "pk", None) else None
    return insert(audit_log_model()(  # = objects.create(...), planned once per connection
        organization_id=organization_id,
        tenant_id=tenant_id,
        user=user,
        api_key=api_key,
        action=action,
        resource_type=instance._meta.label_lower,
        resource_id=instance.pk if isinstance(instance.pk, uuid.UUID) else None,
        resource_name=str(instance)[:255],
        details=payload,
        status=status,
        **_request_meta(request),
    ))


# --------------------------------------------------------------------------
# Generic write paths (admin forms and bulk actions): every column recorded
# --------------------------------------------------------------------------

BOOKKEEPING = ("id", "created_at", "updated_at", "version")


def audit_columns(model) -> list[str]:
    """What an add, an edit or a delete records: every column but the bookkeeping ones."""
    return [f.name for f in model._meta.concrete_fields if f.name not in BOOKKEEPING]


def audit_save(instance: models.Model, *, stored: models.Model | None = None, actor=None, api_key=None,
               request=None) -> models.Model | None:
    """Audit an add (`stored` None) or an edit (`stored`: the row as it was) of `instance`.

    An edit records the changed columns only; an edit that changed nothing writes no row.
    """
    label = instance._meta.model_name
    names = audit_columns(type(instance))
    who = {"actor": actor, "api_key": api_key, "request": request}
    if stored is None:
        return audit_record(action=f"{label}.create", instance=instance, after=snapshot(instance, names), **who)
    changed = [n for n in names if _raw(stored, n) != _raw(instance, n)]
    if not changed:
        return None
    return audit_record(action=f"{label}.update", instance=instance, before=snapshot(stored, changed),
                        after=snapshot(instance, changed), **who)


def audit_delete(instance: models.Model, *, actor=None, api_key=None, request=None) -> models.Model:
    """Audit the deletion of `instance` (call before deleting it, in the same transaction).

    A row that is its own owner (an organization, a tenant) is recorded against its
    parent or the actor's organization: the audit row must outlive it.
    """
    owner = owner_of(type(instance))
    organization_id, tenant_id = owner.ids(instance) if owner else (None, None)
    organization_id = None if organization_id == instance.pk else organization_id
    tenant_id = None if tenant_id == instance.pk else tenant_id
    if organization_id is None:
        organization_id = next((w.organization_id for w in (actor, api_key) if w is not None), None)
    return audit_record(
        action=f"{instance._meta.model_name}.delete", instance=instance, actor=actor, api_key=api_key, request=request,
        before=snapshot(instance, audit_columns(type(instance))), owner_ids=(organization_id, tenant_id),
    )


def _raw(instance, name):
    return getattr(instance, instance._meta.get_field(name).attname)


def security_event_record(*, event_type: str, severity: str, organization_id, request=None, **fields) -> models.Model:
    """One security event (login failures, rate-limit abuse, ...), in the caller's transaction."""
    if request is not None and "ip_address" not in fields:
        fields["ip_address"] = client_ip(request) if getattr(request, "META", {}).get("REMOTE_ADDR") else None
    return security_event_model().objects.create(
        event_type=event_type, severity=severity, organization_id=organization_id, **fields
    )
