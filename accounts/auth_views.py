"""The staff sign-in flow of the ops console (wired by aybiza.platform.site.OpsAdminSite).

1. Password (`StaffAuthenticationForm`): failures count towards the lockout.
2. When the user has MFA on: the TOTP step. Until it passes, the user is not
   logged in; the session only remembers who passed step 1 (for 5 minutes).
3. Once in: `must_change_password` forces the password page first, and with
   `AYBIZA_ADMIN_REQUIRE_MFA` staff without MFA are sent to enrollment.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY, REDIRECT_FIELD_NAME, login as auth_login
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from aybiza.api import auth_throttle
from aybiza.core.network import client_ip

from .auth_forms import MfaSetupForm, StaffAuthenticationForm, TOTPForm, locked_error
from .services.lockout import (
    is_locked, reauthenticate, register_failure, register_success, release_attempt, reserve_attempt,
)
from .services.mfa import mfa_enable, mfa_new_secret, mfa_verify, provisioning_uri, qr_svg
from .models import User

PENDING_USER = "_aybiza_mfa_user"
PENDING_BACKEND = "_aybiza_mfa_backend"
PENDING_AT = "_aybiza_mfa_at"
PENDING_NEXT = "_aybiza_mfa_next"
SETUP_SECRET = "_aybiza_mfa_setup_secret"
PENDING_SECONDS = 300


def _safe_next(request, default: str) -> str:
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


def _finish_login(request, user, backend, next_url):
    """Sign in, unless the account got locked while this attempt's secret was being checked (None)."""
    if not register_success(user):
        return None
    auth_login(request, user, backend=backend)
    return HttpResponseRedirect(next_url)


def login_view(site, request, extra_context=None):
    index = reverse("admin:index", current_app=site.name)
    if request.method == "GET" and site.has_permission(request):
        return HttpResponseRedirect(index)
    next_url = _safe_next(request, index)
    address = client_ip(request)
    status = 200
    wait = auth_throttle.retry_after(address, "admin") if request.method == "POST" else 0
    if wait:  # this address failed too often: no account lookup, no password check
        form = StaffAuthenticationForm(request)
        form.errors  # noqa: B018 - runs the (unbound) form's cleaning so an error can be added
        form.cleaned_data = {}
        form.add_error(None, f"Too many failed sign-ins from your address. Try again in {wait} s.")
        status = 429
    elif request.method == "POST":
        form = StaffAuthenticationForm(request, data=request.POST)
        if not form.is_valid() and _failed_sign_in(form):
            wait = auth_throttle.record_failure(address, "admin")
            status = 429 if wait else 200
        elif form.is_valid():
            user = form.get_user()
            if user.mfa_enabled and user.mfa_secret:
                if release_attempt(user):
                    request.session.cycle_key()
                    request.session[PENDING_USER] = str(user.pk)
                    request.session[PENDING_BACKEND] = user.backend
                    request.session[PENDING_AT] = time.time()
                    request.session[PENDING_NEXT] = next_url
                    return HttpResponseRedirect(reverse("admin:login_mfa", current_app=site.name))
            else:
                done = _finish_login(request, user, user.backend, next_url)
                if done is not None:
                    return done
            form.add_error(None, locked_error(user))  # locked while the password was being checked
    else:
        form = StaffAuthenticationForm(request)
    context = {
        **site.each_context(request), "title": "Log in", "subtitle": None, "form": form,
        "app_path": request.get_full_path(), "username": "", REDIRECT_FIELD_NAME: next_url,
        "site_name": site.site_title, **(extra_context or {}),
    }
    request.current_app = site.name
    return TemplateResponse(request, site.login_template or "admin/login.html", context, status=status)


def _failed_sign_in(form) -> bool:
    return any(e.code in ("invalid_login", "inactive", "locked") for e in form.errors.as_data().get("__all__", []))


def login_mfa_view(site, request):
    login_url = reverse("admin:login", current_app=site.name)
    user_id, started = request.session.get(PENDING_USER), request.session.get(PENDING_AT, 0)
    if not user_id or time.time() - started > PENDING_SECONDS:
        messages.error(request, "Please sign in again.")
        return HttpResponseRedirect(login_url)
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return HttpResponseRedirect(login_url)
    form = TOTPForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        slot = None if is_locked(user) else reserve_attempt(user)  # counted before the code is checked
        if slot is None:
            form.add_error(None, locked_error(user))
        elif mfa_verify(user, form.cleaned_data["code"]):
            backend, next_url = request.session[PENDING_BACKEND], request.session.get(PENDING_NEXT) or "/"
            done = _finish_login(request, user, backend, next_url)
            if done is None:
                form.add_error(None, locked_error(user))
            else:
                for key in (PENDING_USER, PENDING_BACKEND, PENDING_AT, PENDING_NEXT):
                    request.session.pop(key, None)
                return done
        else:
            auth_throttle.record_failure(client_ip(request), "admin")
            if register_failure(user, request=request, stage="totp", reserved=slot):
                for key in (PENDING_USER, PENDING_BACKEND, PENDING_AT, PENDING_NEXT):
                    request.session.pop(key, None)
                messages.error(request, str(locked_error(user).message))
                return HttpResponseRedirect(login_url)
            form.add_error("code", "That code is not valid. Try the current one from your app.")
    context = {**site.each_context(request), "title": "Two-factor authentication", "subtitle": None,
               "form": form, "email": user.email}
    request.current_app = site.name
    return TemplateResponse(request, "admin/aybiza/login_mfa.html", context)


def mfa_setup_view(site, request):
    """Enroll the logged-in staff member: QR code (inline SVG), prove a code, get recovery codes once."""
    user = request.user
    secret = request.session.get(SETUP_SECRET) or mfa_new_secret()
    request.session[SETUP_SECRET] = secret
    already = bool(user.mfa_enabled and user.mfa_secret)
    # Replacing an authenticator needs the current one (or the password): a hijacked session cannot.
    form = MfaSetupForm(request.POST or None, reauthenticate=already)
    if request.method == "POST" and form.is_valid() and already:
        if not reauthenticate(user, form.cleaned_data["current"], request=request, check=_current_secret_ok):
            form.add_error("current", locked_error(user) if is_locked(user) else
                           "That is neither a current code nor your password.")
    if request.method == "POST" and form.is_valid():
        codes = mfa_enable(user, secret=secret, code=form.cleaned_data["code"])
        if codes is not None:
            request.session.pop(SETUP_SECRET, None)
            site.log_mfa(request, user, "Enabled TOTP MFA")
            context = {**site.each_context(request), "title": "Your recovery codes", "subtitle": None,
                       "codes": codes}
            request.current_app = site.name
            return TemplateResponse(request, "admin/aybiza/mfa_recovery_codes.html", context)
        form.add_error("code", "That code does not match. Check the time on your phone and try the current code.")
    uri = provisioning_uri(user, secret)
    context = {**site.each_context(request), "title": "Set up two-factor authentication", "subtitle": None,
               "form": form, "qr_svg": qr_svg(uri), "secret": secret, "already": already}
    request.current_app = site.name
    return TemplateResponse(request, "admin/aybiza/mfa_setup.html", context)


def _current_secret_ok(user, secret: str) -> bool:
    return user.check_password(secret) or mfa_verify(user, secret)


def require_mfa() -> bool:
    return bool(getattr(settings, "AYBIZA_ADMIN_REQUIRE_MFA", False))
