"""Login lockout on users.login_attempts / users.locked_until.

After `AYBIZA_LOGIN_MAX_ATTEMPTS` (5) failed attempts in a row (a wrong
password or a wrong TOTP code), the account is locked for
`AYBIZA_LOGIN_LOCKOUT_MINUTES` (15) and a `security_events` row is written.
A successful login clears the counter. Counters are updated with F()
expressions, so concurrent failures all count and the row's optimistic-lock
`version` is not bumped (an admin editing the user is not disturbed).
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
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


def register_failure(user: User, *, request=None, stage: str = "password") -> bool:
    """Count one failed attempt; lock the account at the limit. True when this failure locked it."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(login_attempts=F("login_attempts") + 1)
        attempts = User.objects.filter(pk=user.pk).values_list("login_attempts", flat=True).get()
        if attempts < max_attempts():
            return False
        until = timezone.now() + lockout_period()
        User.objects.filter(pk=user.pk).update(locked_until=until, login_attempts=0)
        _security_event(user, request, attempts, until, stage)
    user.locked_until, user.login_attempts = until, 0
    return True


def register_success(user: User) -> None:
    User.objects.filter(pk=user.pk).update(login_attempts=0, locked_until=None)
    user.login_attempts, user.locked_until = 0, None


def unlock(user: User) -> None:
    register_success(user)


def _security_event(user, request, attempts, until, stage):
    security_event_record(
        organization_id=user.organization_id, tenant_id=user.tenant_id, user=user,
        event_type="login_failure", severity="high", source="admin_login",
        ip_address=(client_ip(request) if request is not None else None),
        details={"attempts": attempts, "stage": stage, "locked_until": until.isoformat(), "email": user.email},
        automated_response={"action": "account_locked", "until": until.isoformat()},
        risk_score="0.80",
    )
