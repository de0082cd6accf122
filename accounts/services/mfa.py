"""TOTP multi-factor authentication for staff (users.mfa_secret, users.recovery_codes).

- Enrollment: `mfa_new_secret()` gives a secret kept in the session until the
  user proves it with a code (`mfa_enable`), which stores it (encrypted
  column), turns `mfa_enabled` on and returns fresh recovery codes, shown once.
- Recovery codes are single-use and stored as SHA-256 hashes (in an encrypted
  column): they are random 50-bit values, so a plain hash is enough.
- `mfa_verify` accepts a current TOTP code (±1 step) or an unused recovery
  code, which is then consumed. A TOTP code is single-use too: the accepted
  time step is kept in `users.settings["mfa_last_step"]` and a code from that
  step or an earlier one is refused (no replay within its 30-second window).
"""

import datetime
import hashlib
import hmac
import secrets

import pyotp
import segno
from django.db import transaction

from ..models import User

ISSUER = "AYBIZA ops"
RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def mfa_new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The QR code as inline SVG markup (no image request, no external service)."""
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#1b1b1b", light="#ffffff")


def _normalise(code: str) -> str:
    return "".join((code or "").split())


def totp_step(secret: str, code: str) -> int | None:
    """The time step (±1 around now) whose TOTP is `code`, or None."""
    code = _normalise(code)
    if not secret or not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(datetime.datetime.now())
    for step in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def totp_ok(secret: str, code: str) -> bool:
    return totp_step(secret, code) is not None


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().lower().replace("-", "").encode()).hexdigest()


def new_recovery_codes() -> list[str]:
    return ["-".join("".join(secrets.choice(_ALPHABET) for _ in range(5)) for _ in range(2))
            for _ in range(RECOVERY_CODES)]


def _store(user: User, **fields) -> None:
    # Keep the optimistic lock honest: re-read, then save with the current version.
    with transaction.atomic():
        fresh = User.objects.select_for_update().get(pk=user.pk)
        for name, value in fields.items():
            setattr(fresh, name, value)
        fresh.save(update_fields=[*fields, "updated_at"])
    for name, value in fields.items():
        setattr(user, name, value)
    user.version = fresh.version


def mfa_enable(user: User, *, secret: str, code: str) -> list[str] | None:
    """Turn MFA on when `code` proves `secret`; the recovery codes (to show once), or None."""
    if not totp_ok(secret, code):
        return None
    codes = new_recovery_codes()
    _store(user, mfa_secret=secret, mfa_enabled=True, recovery_codes=[_hash(c) for c in codes])
    return codes


def mfa_reset(user: User) -> None:
    _store(user, mfa_secret=None, mfa_enabled=False, recovery_codes=[])


def _accept_totp(user: User, code: str) -> bool:
    """Accept a TOTP code once: its step must be newer than the last accepted one."""
    with transaction.atomic():
        fresh = User.objects.select_for_update().get(pk=user.pk)
        step = totp_step(fresh.mfa_secret, code)
        settings = dict(fresh.settings or {})
        if step is None or step <= settings.get("mfa_last_step", -1):
            return False
        settings["mfa_last_step"] = step
        fresh.settings = settings
        fresh.save(update_fields=["settings", "updated_at"])
    user.settings, user.version = fresh.settings, fresh.version
    return True


def mfa_verify(user: User, code: str) -> bool:
    """A TOTP code (each usable once), or a recovery code (consumed)."""
    if _accept_totp(user, code):
        return True
    digest = _hash(code or "")
    remaining = list(user.recovery_codes or [])
    if code and digest in remaining:
        remaining.remove(digest)
        _store(user, recovery_codes=remaining)
        return True
    return False
