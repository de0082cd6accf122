"""The staff lockout's check-and-count is atomic: parallel attempts (threads, own connections) never check
more passwords than the limit, and the right password is refused once the account is locked (issue 9, #7)."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.test import Client, override_settings

from accounts.services import lockout
from accounts.models import User
from security_app.models import SecurityEvent
from tests import factories as f

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)
LOGIN = "/admin/login/"


@pytest.fixture
def counted_checks(monkeypatch):
    """How many password checks really ran; each takes 50 ms, as a slow hash would, so attempts overlap."""
    calls = []
    lock = threading.Lock()
    original = User.check_password

    def check_password(self, raw):
        with lock:
            calls.append(raw)
        time.sleep(0.05)
        return original(self, raw)

    monkeypatch.setattr(User, "check_password", check_password)
    return calls


def _attempt(email, password):
    try:
        response = Client().post(LOGIN, {"username": email, "password": password, "next": "/admin/"})
        return response.status_code, "locked until" in response.content.decode()
    finally:
        connections.close_all()


@override_settings(AYBIZA_LOGIN_MAX_ATTEMPTS=5, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
def test_twelve_parallel_wrong_logins_check_at_most_five_passwords(counted_checks):
    user = f.UserFactory(ops_superuser=True, email="race@aybiza.example")
    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(lambda _: _attempt(user.email, "wrong password"), range(12)))
    assert len(counted_checks) <= 5
    assert all(status == 200 for status, _ in results)  # the form again: never signed in
    user.refresh_from_db()
    assert lockout.is_locked(user)
    assert SecurityEvent.objects.filter(user=user, event_type="login_failure").count() == 1
    # while locked the right password is refused without even being checked
    before = len(counted_checks)
    status, locked = _attempt(user.email, PASSWORD)
    assert status == 200 and locked and len(counted_checks) == before


@override_settings(AYBIZA_LOGIN_MAX_ATTEMPTS=5, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
def test_right_password_in_parallel_with_wrong_ones_never_signs_in_a_locked_account(counted_checks):
    user = f.UserFactory(ops_superuser=True, email="race2@aybiza.example")
    passwords = ["wrong"] * 11 + [PASSWORD]
    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(lambda p: _attempt(user.email, p), passwords))
    assert len(counted_checks) <= 5
    # Only the right password can sign in, and only if it got one of the five slots before the lock
    # (register_success refuses it once locked: see the test below).
    assert [i for i, r in enumerate(results) if r[0] == 302] in ([], [11])
    assert results[-1][0] == 302 or results[-1][1]  # signed in, or told the account is locked


def test_a_right_password_checked_while_the_account_got_locked_is_refused(db):
    user = f.UserFactory(ops_superuser=True)
    with override_settings(AYBIZA_LOGIN_MAX_ATTEMPTS=3):
        slots = [lockout.reserve_attempt(user) for _ in range(4)]
        assert slots == [1, 2, 3, None]  # the fourth attempt is refused before any check
        assert lockout.register_failure(user, reserved=3)  # the third wrong password locks
        assert lockout.register_success(user) is False  # slot 1 held the right password: refused now
        user.refresh_from_db()
        assert lockout.is_locked(user)
