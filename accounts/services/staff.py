"""Staff security actions an operator takes on a user: unlock, reset MFA, set the password.

Each is one transaction with its audit row (actor, before/after; secrets
masked). The sign-in mechanics they build on live beside them: lockout.py
(failed logins) and mfa.py (TOTP, recovery codes).
"""

from django.db import transaction

from aybiza.core.audit import audit_record, snapshot

from ..models import User
from .lockout import unlock
from .mfa import mfa_reset

LOCK_FIELDS = ["login_attempts", "locked_until"]
MFA_FIELDS = ["mfa_enabled", "mfa_secret", "recovery_codes"]
PASSWORD_FIELDS = ["password", "must_change_password"]


@transaction.atomic
def user_unlock(*, user: User, actor, request=None, api_key=None) -> User:
    """Clear failed sign-ins and any lock."""
    before = snapshot(user, LOCK_FIELDS)
    unlock(user)
    audit_record(action="user.unlock", instance=user, actor=actor, api_key=api_key, request=request,
                 before=before, after=snapshot(user, LOCK_FIELDS))
    return user


@transaction.atomic
def user_mfa_reset(*, user: User, actor, request=None, api_key=None) -> User:
    """Forget the user's authenticator and recovery codes; they enroll again at the next sign-in."""
    before = snapshot(user, MFA_FIELDS)
    mfa_reset(user)
    audit_record(action="user.mfa_reset", instance=user, actor=actor, api_key=api_key, request=request,
                 before=before, after=snapshot(user, MFA_FIELDS))
    return user


@transaction.atomic
def user_password_set(*, user: User, password: str, must_change_password: bool, actor, request=None,
                      api_key=None) -> User:
    """Set another user's password (the hash is never recorded, only that it changed)."""
    before = snapshot(user, PASSWORD_FIELDS)
    user.must_change_password = must_change_password
    user.set_password(password)
    user.save()
    audit_record(action="user.password_set", instance=user, actor=actor, api_key=api_key, request=request,
                 before=before, after=snapshot(user, PASSWORD_FIELDS))
    return user
