"""Staff sign-in: lockout, TOTP MFA with recovery codes, forced password change, no tenant users."""

import datetime

import pyotp
import pytest
from django.test import Client, override_settings
from django.urls import reverse

from accounts.services.mfa import mfa_enable
from security_app.models import SecurityEvent
from tests import factories as f

from .conftest import PASSWORD

LOGIN = "/admin/login/"
MFA = "/admin/login/mfa/"


def sign_in(client, email, password=PASSWORD):
    return client.post(LOGIN, {"username": email, "password": password, "next": "/admin/"})


def is_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def test_superuser_signs_in_with_a_password(ops_superuser):
    client = Client()
    response = sign_in(client, ops_superuser.email)
    assert response.status_code == 302 and response.url == "/admin/"
    assert is_in(client)
    ops_superuser.refresh_from_db()
    assert ops_superuser.last_login is not None


def test_tenant_user_can_never_sign_in(tenant_user):
    client = Client()
    response = sign_in(client, tenant_user.email)
    assert response.status_code == 200 and "staff account" in response.content.decode()
    assert not is_in(client)
    client.force_login(tenant_user)  # even with a session, the site refuses
    assert client.get("/admin/").status_code == 302
    assert client.get(reverse("admin:telephony_portingrequest_changelist")).status_code == 302


@override_settings(AYBIZA_LOGIN_MAX_ATTEMPTS=3, AYBIZA_LOGIN_LOCKOUT_MINUTES=15)
def test_lockout_after_failures_writes_a_security_event(ops_superuser):
    client = Client()
    for _ in range(2):
        assert "correct email" in sign_in(client, ops_superuser.email, "wrong").content.decode()
    ops_superuser.refresh_from_db()
    assert ops_superuser.login_attempts == 2
    response = sign_in(client, ops_superuser.email, "wrong")
    assert "locked until" in response.content.decode()
    ops_superuser.refresh_from_db()
    assert ops_superuser.locked_until is not None
    event = SecurityEvent.objects.get(user=ops_superuser)
    assert event.event_type == "login_failure" and event.severity == "high" and event.details["attempts"] == 3
    # the right password does not help while locked
    response = sign_in(client, ops_superuser.email)
    assert response.status_code == 200 and "locked until" in response.content.decode()
    assert not is_in(client)


def test_mfa_flow_with_totp_and_single_use_recovery_codes(ops_superuser):
    secret = pyotp.random_base32()
    codes = mfa_enable(ops_superuser, secret=secret, code=pyotp.TOTP(secret).now())
    assert len(codes) == 10
    ops_superuser.refresh_from_db()
    assert ops_superuser.mfa_enabled and codes[0] not in str(ops_superuser.recovery_codes)

    client = Client()
    response = sign_in(client, ops_superuser.email)
    assert response.status_code == 302 and response.url == MFA
    assert not is_in(client)  # the password alone does not sign in
    response = client.post(MFA, {"code": "000000"})
    assert response.status_code == 200 and "not valid" in response.content.decode()
    response = client.post(MFA, {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302 and is_in(client)

    client = Client()
    sign_in(client, ops_superuser.email)
    assert client.post(MFA, {"code": codes[0]}).status_code == 302 and is_in(client)
    client = Client()
    sign_in(client, ops_superuser.email)
    assert client.post(MFA, {"code": codes[0]}).status_code == 200  # used up
    assert not is_in(client)


def test_mfa_enrollment_page_shows_an_inline_qr_and_enables(admin_client, ops_superuser):
    response = admin_client.get(reverse("admin:mfa_setup"))
    text = response.content.decode()
    assert response.status_code == 200 and "<svg" in text and "http" not in text.split("<svg", 1)[1].split("</svg>")[0].replace("http://www.w3.org", "")
    secret = response.context["secret"]
    assert admin_client.post(reverse("admin:mfa_setup"), {"code": "123456"}).status_code == 200
    response = admin_client.post(reverse("admin:mfa_setup"), {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200 and len(response.context["codes"]) == 10
    ops_superuser.refresh_from_db()
    assert ops_superuser.mfa_enabled and ops_superuser.mfa_secret == secret


def test_must_change_password_forces_the_change(ops_superuser):
    ops_superuser.must_change_password = True
    ops_superuser.save()
    before = ops_superuser.password_changed_at
    client = Client()
    sign_in(client, ops_superuser.email)
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url == reverse("admin:password_change")
    assert client.get(reverse("admin:telephony_portingrequest_changelist")).status_code == 302
    new = "a much better passphrase 42"
    response = client.post(reverse("admin:password_change"),
                           {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert response.status_code == 302
    ops_superuser.refresh_from_db()
    assert not ops_superuser.must_change_password and ops_superuser.password_changed_at > before
    assert is_in(client)


@pytest.mark.parametrize("must_change", [True, False])
def test_admin_sets_another_users_password(admin_client, must_change):
    user = f.UserFactory(ops_staff=True)
    new = "another decent passphrase 7"
    data = {"password1": new, "password2": new}
    if must_change:
        data["must_change_password"] = "on"
    response = admin_client.post(reverse("admin:accounts_user_password_change", args=[user.pk]), data)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new) and user.must_change_password is must_change


def test_unlock_action(admin_client):
    from django.utils import timezone

    user = f.UserFactory(ops_staff=True)
    user.locked_until, user.login_attempts = timezone.now() + timezone.timedelta(minutes=5), 3
    user.save()
    admin_client.post(reverse("admin:accounts_user_changelist"), {"action": "unlock_users", "_selected_action": [user.pk]})
    user.refresh_from_db()
    assert user.locked_until is None and user.login_attempts == 0


def test_a_totp_code_is_accepted_once(ops_superuser):
    """No replay: within its 30-second window a used code (or an older one) is refused."""
    from accounts.services.mfa import mfa_verify

    secret = pyotp.random_base32()
    mfa_enable(ops_superuser, secret=secret, code=pyotp.TOTP(secret).now())
    ops_superuser.refresh_from_db()
    totp = pyotp.TOTP(secret)
    step = totp.timecode(datetime.datetime.now())
    current, previous = totp.generate_otp(step), totp.generate_otp(step - 1)

    assert mfa_verify(ops_superuser, current) is True
    assert mfa_verify(ops_superuser, current) is False
    assert mfa_verify(ops_superuser, previous) is False
    ops_superuser.refresh_from_db()
    assert ops_superuser.settings["mfa_last_step"] == step

    client = Client()
    sign_in(client, ops_superuser.email)
    assert client.post(MFA, {"code": current}).status_code == 200
    assert not is_in(client)


def _enrolled(user):
    secret = pyotp.random_base32()
    codes = mfa_enable(user, secret=secret, code=pyotp.TOTP(secret).now())
    user.refresh_from_db()
    return secret, codes


@pytest.mark.parametrize("current", [None, "", "wrong-password", "000000"])
def test_replacing_the_authenticator_needs_the_current_code_or_password(admin_client, ops_superuser, current):
    old_secret, _ = _enrolled(ops_superuser)
    new_secret = admin_client.get(reverse("admin:mfa_setup")).context["secret"]
    body = {"code": pyotp.TOTP(new_secret).now(), **({} if current is None else {"current": current})}
    response = admin_client.post(reverse("admin:mfa_setup"), body)
    assert response.status_code == 200 and "codes" not in response.context
    assert response.context["form"].errors["current"]
    ops_superuser.refresh_from_db()
    assert ops_superuser.mfa_secret == old_secret  # the hijacked session did not replace it
    if current:
        assert ops_superuser.login_attempts == 1  # a wrong proof counts towards the lockout


@pytest.mark.parametrize("proof", ["password", "recovery code"])
def test_replacing_the_authenticator_with_a_valid_proof(admin_client, ops_superuser, proof):
    old_secret, codes = _enrolled(ops_superuser)  # (the current TOTP code was just used up by enrolling)
    new_secret = admin_client.get(reverse("admin:mfa_setup")).context["secret"]
    current = PASSWORD if proof == "password" else codes[0]
    response = admin_client.post(reverse("admin:mfa_setup"), {"code": pyotp.TOTP(new_secret).now(), "current": current})
    assert response.status_code == 200 and len(response.context["codes"]) == 10
    ops_superuser.refresh_from_db()
    assert ops_superuser.mfa_secret == new_secret != old_secret
