"""Forms of the staff sign-in: password (with lockout), TOTP, enrollment, forced password change."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError

from .services.lockout import is_locked, locked_or_busy_until, register_failure, release_attempt, reserve_attempt
from .models import User


def locked_error(user: User) -> ValidationError:
    until = user.locked_until if is_locked(user) else locked_or_busy_until(user)
    return ValidationError(
        f"This account is locked until {until:%H:%M} UTC after too many failed sign-ins.", code="locked"
    )


class StaffAuthenticationForm(AdminAuthenticationForm):
    """The admin's password step, counting failures against users.login_attempts."""

    def clean(self):
        email = (self.cleaned_data.get("username") or "").strip().lower()
        user = User.objects.filter(email=email).first() if email else None
        slot = None
        if user is not None:
            if is_locked(user):
                raise locked_error(user)
            slot = reserve_attempt(user)  # counted before the password is checked (atomic)
            if slot is None:
                raise locked_error(user)
        try:
            return super().clean()
        except ValidationError as exc:
            if user is not None and getattr(exc, "code", None) in ("invalid_login", "inactive"):
                if register_failure(user, request=self.request, stage="password", reserved=slot):
                    raise locked_error(user) from exc
            elif user is not None:
                release_attempt(user)
            raise


class TOTPForm(forms.Form):
    code = forms.CharField(
        max_length=20, label="Authentication code",
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "numeric"}),
    )


class MfaSetupForm(TOTPForm):
    """Enrollment: the new authenticator's code, plus (when MFA is already on) proof it is really the user."""

    current = forms.CharField(
        max_length=128, required=False, label="Current code or password",
        help_text="Two-factor authentication is on: confirm with a code from your current authenticator "
                  "(or a recovery code) or your password.",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, reauthenticate: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.reauthenticate = reauthenticate
        if not reauthenticate:
            del self.fields["current"]
        else:
            self.fields["code"].widget.attrs.pop("autofocus", None)

    def clean_current(self):
        value = self.cleaned_data.get("current") or ""
        if self.reauthenticate and not value:
            raise ValidationError("Required to replace your authenticator.", code="required")
        return value


class StaffPasswordChangeForm(PasswordChangeForm):
    """Changing one's password also clears must_change_password (password_changed_at is set by set_password)."""

    def save(self, commit=True):
        self.user.must_change_password = False
        return super().save(commit)
