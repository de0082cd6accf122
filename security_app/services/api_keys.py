"""API keys: generation, checksum, hashing, lookup, creation and revocation.

Format: ``ayb_live_<32 base62 characters>_<6-character checksum>``, e.g.
``ayb_live_3x9QeZ...Lr_0f3Kq1``.

- The prefix makes a leaked key recognisable to secret scanners and humans.
- 32 base62 characters from ``secrets`` carry 190 bits of randomness.
- The checksum (CRC-32 of the prefix and random part, base62, 6 characters)
  lets a client, a scanner or this server refuse a mistyped key without a
  database round trip.

Only ``SHA-256(key)`` (hex) is stored, in ``api_keys.key_hash`` (unique
index), and the key itself is returned once, by ``api_key_create``. A slow
password hash (Argon2, bcrypt) protects *low-entropy* secrets against guessing
after a database leak; a 190-bit random key cannot be guessed whatever the
hash speed, so a fast hash loses nothing, and it is what makes the lookup one
indexed equality query (a salted slow hash could not be looked up at all
without a separate key id). Comparing hashes inside the index does not leak
anything useful by timing: an attacker would need SHA-256 preimages.
"""

from __future__ import annotations

import hashlib
import secrets
import string
import zlib
from datetime import datetime

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone

from aybiza.api.conf import api_setting
from aybiza.core.audit import audit_record, snapshot
from aybiza.core.db.prepared import plan_once
from aybiza.core.state import StateMachine, lock
from aybiza.core.transitions import apply_transition, require_reason

from ..choices import ApiKeyStatus as K
from ..models import ApiKey

PREFIX = "ayb_live_"
RANDOM_LENGTH = 32
CHECKSUM_LENGTH = 6
KEY_LENGTH = len(PREFIX) + RANDOM_LENGTH + 1 + CHECKSUM_LENGTH
ALPHABET = string.digits + string.ascii_letters  # base62

PERIODS = ("requests_per_minute", "requests_per_hour", "requests_per_day")
DEFAULT_RATE_LIMIT = {"requests_per_minute": 100, "requests_per_hour": 1000, "requests_per_day": 10000}


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, remainder = divmod(number, 62)
        digits.append(ALPHABET[remainder])
    return "".join(reversed(digits))


def checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode()), CHECKSUM_LENGTH)


def generate_key() -> str:
    body = PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return f"{body}_{checksum(body)}"


def is_well_formed(key: str) -> bool:
    """Prefix, length, alphabet and checksum: everything checkable without the database."""
    if not isinstance(key, str) or len(key) != KEY_LENGTH or not key.startswith(PREFIX):
        return False
    body, sep, check = key.rpartition("_")
    random_part = body[len(PREFIX):]
    if len(random_part) != RANDOM_LENGTH or any(c not in ALPHABET for c in random_part):
        return False
    return secrets.compare_digest(check, checksum(body))


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


CREATOR_SECRETS = ("created_by__mfa_secret", "created_by__recovery_codes", "created_by__password")


# What identifies the current state of a key's row: every column but the usage counters (which
# the rate limiter bumps at most once a minute). Any change (revoked, expired, scopes, limits,
# allowlist, even by a queryset update or by hand in psql) gives a new fingerprint.
FINGERPRINT = "md5((to_jsonb({row}) - 'last_used_at' - 'usage_count')::text)"
FINGERPRINT_SQL = f"SELECT k.id, {FINGERPRINT.format(row='k')} FROM security.api_keys AS k WHERE k.key_hash = %s"
CACHE_PREFIX = "aybiza:api-key:"


def lookup(key: str) -> ApiKey | None:
    """The key's row (with its creator) as it is now, or None; none at all for a malformed key.

    Each request reads the row's id and fingerprint (one indexed query, nothing to build); the
    model instance is then taken from the cache under that fingerprint, or loaded and cached. A
    cached row is therefore never stale, in any process: a changed row has a new fingerprint.
    """
    if not is_well_formed(key):
        return None
    with plan_once() as cursor:
        cursor.execute(FINGERPRINT_SQL, [hash_key(key)])
        found = cursor.fetchone()
    if found is None:
        return None
    key_id, fingerprint = found
    row = cache.get(f"{CACHE_PREFIX}{key_id}:{fingerprint}")
    if row is None:
        # The creator is the request's actor; its secrets (decrypted on load) and hash are never needed here.
        row = (ApiKey.objects.select_related("created_by").defer(*CREATOR_SECRETS)
               .annotate(fingerprint=RawSQL(FINGERPRINT.format(row="api_keys"), ()))
               .filter(pk=key_id).first())
        if row is None:
            return None
        # Cached under the fingerprint of what was loaded (it may be newer than the one read above).
        cache.set(f"{CACHE_PREFIX}{key_id}:{row.fingerprint}", row, timeout=api_setting("KEY_CACHE_SECONDS"))
    return row


def refusal(api_key: ApiKey, now: datetime | None = None) -> str | None:
    """Why this key may not be used now (None when it may)."""
    now = now or timezone.now()
    if api_key.status == "revoked":
        return "revoked"
    if api_key.status == "expired" or (api_key.expires_at is not None and api_key.expires_at <= now):
        return "expired"
    if api_key.status != "active":
        return "inactive"
    return None


def normalize_rate_limit(value) -> dict:
    """A complete {period: positive int} dict; ValidationError names what is wrong."""
    if value in (None, {}):
        return dict(DEFAULT_RATE_LIMIT)
    if not isinstance(value, dict):
        raise ValidationError({"rate_limit": "Must be an object with requests_per_minute/hour/day."})
    unknown = sorted(set(value) - set(PERIODS))
    if unknown:
        raise ValidationError({"rate_limit": f"Unknown period(s): {', '.join(unknown)}; use {', '.join(PERIODS)}."})
    result = dict(DEFAULT_RATE_LIMIT)
    for period, limit in value.items():
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 10_000_000:
            raise ValidationError({"rate_limit": f"{period} must be an integer between 1 and 10000000."})
        result[period] = limit
    return result


@transaction.atomic
def api_key_create(
    *, organization, tenant, actor, name: str, description: str = "", permissions: dict | None = None,
    rate_limit: dict | None = None, ip_whitelist: list | None = None, expires_at: datetime | None = None,
    api_key=None, request=None,
) -> tuple[ApiKey, str]:
    """Create a key; returns (row, the key itself). The key is not stored and cannot be shown again."""
    key = generate_key()
    row = ApiKey(
        key_hash=hash_key(key), name=name, description=description or None, organization=organization,
        tenant=tenant, created_by=actor, permissions=permissions or {}, rate_limit=normalize_rate_limit(rate_limit),
        ip_whitelist=ip_whitelist or [], expires_at=expires_at, status="active",
    )
    row.full_clean()
    row.save(force_insert=True)
    audit_record(
        action="api_key.create", instance=row, actor=actor, api_key=api_key, request=request,
        after=snapshot(row, ["name", "tenant", "permissions", "rate_limit", "ip_whitelist", "expires_at"]),
    )
    return row, key


API_KEY = StateMachine("API key", "status", {"revoke": ([K.ACTIVE, K.INACTIVE, K.EXPIRED], K.REVOKED)})


@transaction.atomic
def api_key_revoke(*, key: ApiKey, actor, reason: str, api_key: ApiKey | None = None, request=None) -> ApiKey:
    """Revoke `key`; `api_key` is the key that acted (an API caller), recorded in the audit row."""
    key = lock(key)
    API_KEY.ensure(key, "revoke")
    reason = require_reason(reason)
    return apply_transition(
        machine=API_KEY, instance=key, verb="revoke", action="api_key.revoke",
        actor=actor, api_key=api_key, request=request, reason=reason,
    )
