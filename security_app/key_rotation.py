"""Evidence of encryption-key rotation: an audit row per completed rotation, naming the key by fingerprint.

`manage.py rotate_encryption_keys` records one when it finishes (not on --dry-run); the compliance
control "encryption-key rotation age" reads them. The fingerprint is a SHA-256 prefix of the key:
it identifies the key without revealing it.
"""

import hashlib

from django.conf import settings

from accounts.models import Organization

from aybiza.core.audit import audit_record
from .models import AuditLog

ACTION = "encryption_keys.rotate"


def key_fingerprint(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def primary_fingerprint() -> str | None:
    keys = settings.FIELD_ENCRYPTION_KEYS
    return key_fingerprint(keys[0]) if keys else None


def record_rotation(*, rotated: int, columns: int) -> AuditLog:
    organization = Organization.objects.platform()
    return audit_record(action=ACTION, instance=organization, details={
        "key_fingerprint": primary_fingerprint(), "rotated": rotated, "columns": columns,
        "keys_configured": len(settings.FIELD_ENCRYPTION_KEYS)})


def primary_key_since():
    """When the current primary key was first recorded by a rotation (None: never)."""
    row = (AuditLog.objects.filter(action=ACTION, details__key_fingerprint=primary_fingerprint())
           .order_by("timestamp").values_list("timestamp", flat=True).first())
    return row
