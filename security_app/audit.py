"""The audit trail: one `security.audit_logs` row per business action.

    before = snapshot(request_obj, ["status"])
    ... change it ...
    audit_record(action="porting_request.approve", instance=request_obj, actor=user,
                 before=before, after=snapshot(request_obj, ["status"]), reason="...")
"""

import datetime
import uuid
from decimal import Decimal

from django.db import models

from aybiza.api.network import client_ip
from aybiza.db.fields import EncryptedJSONField, EncryptedTextField

from .models import AuditLog


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


def snapshot(instance: models.Model, fields) -> dict:
    """{field: value} for the audit's before/after, JSON-safe; a FK gives its id.

    An encrypted column is never copied: only whether it is set ("(encrypted)") or not (None).
    """
    result = {}
    for name in fields:
        field = instance._meta.get_field(name)
        value = getattr(instance, field.attname)
        if isinstance(field, (EncryptedTextField, EncryptedJSONField)):
            result[name] = None if value in (None, "", {}, []) else "(encrypted)"
            continue
        result[name] = _json_safe(value)
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
    organization_id = getattr(instance, "organization_id", None)
    tenant_id = getattr(instance, "tenant_id", None)
    if instance._meta.label_lower == "accounts.organization":
        organization_id = instance.pk
    elif instance._meta.label_lower == "accounts.tenant":
        organization_id, tenant_id = instance.organization_id, instance.pk
    for parent in ("agent", "workflow", "tool"):  # versions hang off their parent
        if organization_id is None and hasattr(instance, f"{parent}_id") and getattr(instance, f"{parent}_id"):
            owner = getattr(instance, parent)
            organization_id = getattr(owner, "organization_id", None)
            tenant_id = tenant_id or getattr(owner, "tenant_id", None)
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
) -> AuditLog:
    """Write one audit row for `action` on `instance` (in the caller's transaction)."""
    organization_id, tenant_id = _owner_ids(instance, actor, api_key)
    if organization_id is None:
        raise ValueError(f"Cannot audit {action}: no organization for {instance!r} and no actor.")
    payload = {"before": before or {}, "after": after or {}, "reason": reason or ""}
    payload.update(_json_safe(details or {}))
    user = actor if actor is not None and getattr(actor, "pk", None) else None
    return AuditLog.objects.create(
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
    )
