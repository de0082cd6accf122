"""The ops console's AdminSite: staff-only sign-in (lockout, TOTP), forced password change, dashboard.

Who gets in: `has_permission` is Django's (active and `is_staff`), and
`User.is_staff` is only true for users of the platform organization whose role
grants back-office access, so a tenant organization's user never gets in,
whatever its role says. The sign-in views live in accounts/auth_views.py.
"""

from functools import update_wrapper

from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.views import PasswordChangeView
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from accounts.auth_forms import StaffPasswordChangeForm
from accounts.auth_views import login_mfa_view, login_view, mfa_setup_view, require_mfa
from aybiza.core.db.routers import client_key, replica_reads

from .dashboard import build_dashboard


class OpsAdminSite(admin.AdminSite):
    site_header = "AYBIZA ops console"
    site_title = "AYBIZA ops"
    index_title = "Operations"
    index_template = "admin/aybiza/index.html"

    # --- sign-in -----------------------------------------------------------------------------------------
    @method_decorator(never_cache)
    def login(self, request, extra_context=None):
        return login_view(self, request, extra_context)

    def get_urls(self):
        def wrap(view, cacheable=False):
            def wrapper(*args, **kwargs):
                return self.admin_view(view, cacheable)(*args, **kwargs)

            return update_wrapper(wrapper, view)

        login_mfa = never_cache(lambda request: login_mfa_view(self, request))
        return [
            path("login/mfa/", login_mfa, name="login_mfa"),
            path("mfa/setup/", wrap(lambda request: mfa_setup_view(self, request)), name="mfa_setup"),
            *super().get_urls(),
        ]

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def gate(request, *args, **kwargs):
            redirect = self._gate(request)
            return redirect or inner(request, *args, **kwargs)

        return update_wrapper(gate, inner)

    def _gate(self, request):
        """Send a signed-in user who must change the password (or enroll MFA) there first."""
        user = request.user
        if not (user.is_authenticated and self.has_permission(request)):
            return None
        allowed = {reverse(f"admin:{name}", current_app=self.name)
                   for name in ("password_change", "password_change_done", "logout", "mfa_setup", "jsi18n")}
        if request.path in allowed:
            return None
        if user.must_change_password:
            messages.warning(request, "Please choose a new password before going on.")
            return HttpResponseRedirect(reverse("admin:password_change", current_app=self.name))
        if require_mfa() and not user.mfa_enabled:
            messages.warning(request, "Two-factor authentication is required: set it up to go on.")
            return HttpResponseRedirect(reverse("admin:mfa_setup", current_app=self.name))
        return None

    def password_change(self, request, extra_context=None):
        defaults = {
            "form_class": StaffPasswordChangeForm,
            "success_url": reverse("admin:password_change_done", current_app=self.name),
            "extra_context": {**self.each_context(request), **(extra_context or {})},
        }
        if self.password_change_template is not None:
            defaults["template_name"] = self.password_change_template
        request.current_app = self.name
        return PasswordChangeView.as_view(**defaults)(request)

    def log_mfa(self, request, user, message: str) -> None:
        LogEntry.objects.log_actions(
            user_id=request.user.pk, queryset=[user], action_flag=CHANGE, change_message=message, single_object=True,
        )

    # --- dashboard ---------------------------------------------------------------------------------------
    def index(self, request, extra_context=None):
        with replica_reads(client=client_key(request)):  # rollups only: a replica's few seconds of lag are fine
            dashboard = build_dashboard(request)
        return super().index(request, {"dashboard": dashboard, **(extra_context or {})})
