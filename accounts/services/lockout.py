"""Login lockout on users.login_attempts / users.locked_until.

After `AYBIZA_LOGIN_MAX_ATTEMPTS` (5) failed attempts in a row (a wrong
password or a wrong TOTP code), the account is locked for
`AYBIZA_LOGIN_LOCKOUT_MINUTES` (15) and a `security_events` row is written.
A successful login clears the counter. Counters are updated with F()
expressions, so concurrent failures all count and the row's optimistic-lock
`version` is not bumped (an admin editing the user is not disturbed).

Check-and-count is atomic (`reserve_attempt`): an attempt takes a slot
(login_attempts + 1) under the user's row lock BEFORE its password or code
is checked, and only while the account is unlocked and fewer than the limit
are taken. So N parallel wrong logins check at most `max_attempts()`
passwords, whatever N; the rest are refused as locked without a check.
`register_success` clears the counter only while the account is unlocked,
so a right password whose check ran while the account was being locked is
refused too (`True` means the sign-in may proceed).
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone

from aybiza.core.audit import security_event_record
from aybiza.core.network import client_ip

from ..models import User


def max_attempts() -> int:
    return int(getattr(settings, "AYBIZA_LOGIN_MAX_ATTEMPTS", 5))


def lockout_period() -> datetime.timedelta:
    return datetime.timedelta(minutes=int(getattr(settings, "AYBIZA_LOGIN_LOCKOUT_MINUTES", 15)))


def is_locked(user: User, now=None) -> bool:
    return user.locked_until is not None and user.locked_until > (now or timezone.now())


def reserve_attempt(user: User) -> int | None:
    """Take one attempt slot before checking a secret: its number (1..limit), or None (locked / slots taken)."""
    with transaction.atomic():
        row = (User.objects.select_for_update().filter(pk=user.pk)
               .values_list("login_attempts", "locked_until").first())
        if row is None:
            return None
        attempts, locked_until = row[0] or 0, row[1]
        if (locked_until is not None and locked_until > timezone.now()) or attempts >= max_attempts():
            user.locked_until = locked_until if locked_until is not None else user.locked_until
            return None
        User.objects.filter(pk=user.pk).update(login_attempts=attempts + 1)
    return attempts + 1


def locked_or_busy_until(user: User):
    """When to tell a refused attempt to come back (its lock, or now + the period while slots are in use)."""
    user.refresh_from_db(fields=["locked_until", "login_attempts"])
    return user.locked_until if is_locked(user) else timezone.now() + lockout_period()


def register_failure(user: User, *, request=None, stage: str = "password", reserved: int | None = None) -> bool:
    """Count one failed attempt; lock the account at the limit. True when this failure locked it.

    `reserved`: the slot number from reserve_attempt (the attempt is already counted).
    """
    with transaction.atomic():
        if reserved is None:
            User.objects.filter(pk=user.pk).update(login_attempts=F("login_attempts") + 1)
            attempts = User.objects.filter(pk=user.pk).values_list("login_attempts", flat=True).get()
        else:
            attempts = reserved
        if attempts < max_attempts():
            return False
        until = timezone.now() + lockout_period()
        User.objects.filter(pk=user.pk).update(locked_until=until, login_attempts=0)
        _security_event(user, request, attempts, until, stage)
    user.locked_until, user.login_attempts = until, 0
    return True


def register_success(user: User) -> bool:
    """Clear the counter after a right password/code; False (refuse the sign-in) if it got locked meanwhile."""
    now = timezone.now()
    cleared = (User.objects.filter(pk=user.pk).filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
               .update(login_attempts=0, locked_until=None))
    if not cleared:
        user.refresh_from_db(fields=["locked_until", "login_attempts"])
        return False
    user.login_attempts, user.locked_until = 0, None
    return True


def release_attempt(user: User) -> bool:
    """A reserved attempt passed its step (the password, before the TOTP step): give its slot back.

    False when the account got locked meanwhile (refuse). The counter of earlier failures stays, so
    redoing the password step never resets the TOTP failures.
    """
    now = timezone.now()
    released = (User.objects.filter(pk=user.pk).filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
                .update(login_attempts=Greatest(F("login_attempts") - 1, 0)))
    if not released:
        user.refresh_from_db(fields=["locked_until", "login_attempts"])
    return bool(released)


def unlock(user: User) -> None:
    User.objects.filter(pk=user.pk).update(login_attempts=0, locked_until=None)
    user.login_attempts, user.locked_until = 0, None




def _security_event(user, request, attempts, until, stage):
    security_event_record(
        organization_id=user.organization_id, tenant_id=user.tenant_id, user=user,
        event_type="login_failure", severity="high", source="admin_login",
        ip_address=(client_ip(request) if request is not None else None),
        details={"attempts": attempts, "stage": stage, "locked_until": until.isoformat(), "email": user.email},
        automated_response={"action": "account_locked", "until": until.isoformat()},
        risk_score="0.80",
    )


def reauthenticate(user: User, secret: str, *, request=None, check) -> bool:
    """A signed-in user proves it is them again (before an MFA change); failures count towards the lockout.

    `check(user, secret) -> bool` is the proof (password or current TOTP/recovery code).
    """
    if is_locked(user):
        return False
    slot = reserve_attempt(user)
    if slot is None:
        return False
    if check(user, secret):
        release_attempt(user)
        return True
    register_failure(user, request=request, stage="reauthentication", reserved=slot)
    return False
