"""Ops console: organizations (compliance review), tenants (limits), roles, users (staff security)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import quote, unquote
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import AdminPasswordChangeForm, BaseUserCreationForm
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from aybiza.admin.base import OpsModelAdmin, ReadOnlyInline
from aybiza.admin.flows import Flow, FlowAdminMixin, FlowForm, ReasonForm, RequiredReasonForm
from aybiza.admin.forms import JSONEditorField, OpsAdminForm

from .models import Organization, Role, Tenant, User
from .roles import backoffice
from .services.staff import user_mfa_reset, user_password_set, user_unlock
from .services.compliance import (
    COMPLIANCE, organization_compliance_expire, organization_compliance_reject, organization_compliance_verify,
)

COMPLIANCE_PERMISSION = "accounts.verify_organization_compliance"


class VerifyComplianceForm(FlowForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    documents = JSONEditorField(
        required=False, expected_type=dict,
        help_text="Optional: the reviewed documents (replaces compliance_documents). Leave blank to keep them.",
    )


class TenantInline(ReadOnlyInline):
    model = Tenant
    fk_name = "organization"
    fields = ("name", "slug", "plan_tier", "status", "max_agents", "max_phone_numbers")
    readonly_fields = fields
    verbose_name_plural = "tenants"


@admin.register(Organization)
class OrganizationAdmin(FlowAdminMixin, OpsModelAdmin):
    list_display = ("name", "slug", "status", "compliance_status", "compliance_verified_at", "country",
                    "data_residency_region", "created_at")
    list_filter = ("status", "compliance_status", "data_residency_region", "created_at")
    search_fields = ("name", "slug", "registration_number", "tax_id", "website")
    readonly_fields = ("compliance_status", "compliance_verified_at")
    inlines = (TenantInline,)
    fieldsets = (
        (None, {"fields": ("name", "slug", "status", "business_type", "industry", "website", "phone_number")}),
        ("Legal", {"fields": ("registration_number", "tax_id")}),
        ("Address", {"fields": ("address_line1", "address_line2", "city", "state", "postal_code", "country")}),
        ("Compliance", {
            "fields": ("compliance_status", "compliance_verified_at", "compliance_documents"),
            "description": "Verify, reject or expire with the buttons above (they keep an audit trail).",
        }),
        ("Regions and platform", {"fields": ("data_residency_region", "edge_regions", "hybrid_config", "settings")}),
    )
    flows = (
        Flow("verify", "Verify compliance", organization_compliance_verify,
             "organization", COMPLIANCE_PERMISSION, form=VerifyComplianceForm, machine=COMPLIANCE),
        Flow("reject", "Reject compliance", organization_compliance_reject,
             "organization", COMPLIANCE_PERMISSION, form=RequiredReasonForm, machine=COMPLIANCE),
        Flow("expire", "Expire compliance", organization_compliance_expire,
             "organization", COMPLIANCE_PERMISSION, form=ReasonForm, machine=COMPLIANCE),
    )


@admin.register(Tenant)
class TenantAdmin(OpsModelAdmin):
    list_display = ("name", "organization", "slug", "subdomain", "plan_tier", "status", "max_agents",
                    "max_phone_numbers", "max_concurrent_calls", "trial_ends_at")
    list_select_related = ("organization",)
    list_filter = ("status", "plan_tier", "billing_cycle", "created_at")
    search_fields = ("name", "slug", "subdomain", "organization__name", "organization__slug")
    fieldsets = (
        (None, {"fields": ("organization", "name", "slug", "subdomain", "status")}),
        ("Plan", {"fields": ("plan_tier", "billing_cycle", "trial_ends_at")}),
        ("Limits", {
            "fields": ("max_agents", "max_phone_numbers", "max_concurrent_calls"),
            "description": "New agents, numbers and SIP trunks beyond these are refused. Empty means no limit.",
        }),
        ("Configuration", {"fields": ("features", "settings")}),
    )


@admin.register(Role)
class RoleAdmin(OpsModelAdmin):
    list_display = ("name", "organization", "scope", "is_system_role", "backoffice_access", "updated_at")
    list_select_related = ("organization",)
    list_filter = ("scope", "is_system_role")
    search_fields = ("name", "organization__name", "organization__slug")
    fieldsets = (
        (None, {"fields": ("organization", "name", "description", "scope", "is_system_role")}),
        ("Permissions", {
            "fields": ("permissions",),
            "description": 'Back-office access: {"backoffice": {"staff": true, "superuser": false, '
                           '"permissions": ["telephony.approve_portingrequest", ...]}}; it only counts for roles '
                           "of the platform organization.",
        }),
    )

    @admin.display(description="back-office")
    def backoffice_access(self, obj):
        grants = backoffice(obj)
        if grants.get("superuser") is True:
            return "superuser"
        if grants.get("staff") is True:
            return f"staff ({len(grants.get('permissions') or [])} permissions)"
        return "—"


class UserAddForm(OpsAdminForm, BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name", "organization", "tenant", "role", "must_change_password")


@admin.register(User)
class UserAdmin(OpsModelAdmin):
    add_form = UserAddForm
    list_display = ("email", "full_name", "organization", "tenant", "role", "is_active", "mfa_enabled",
                    "must_change_password", "locked_until", "last_login")
    list_select_related = ("organization", "tenant", "role")
    list_filter = ("is_active", "mfa_enabled", "must_change_password", "created_at", "last_login")
    search_fields = ("email", "full_name", "phone_number", "organization__name", "tenant__name")
    ordering = ("email",)
    counter_fields = ("last_login", "login_attempts", "password_changed_at", "mfa_enabled")
    fieldsets = (
        (None, {"fields": ("email", "full_name", "position", "department", "phone_number")}),
        ("Membership", {"fields": ("organization", "tenant", "role", "is_active")}),
        ("Sign-in security", {
            "fields": ("must_change_password", "mfa_enabled", "locked_until", "login_attempts", "last_login",
                       "password_changed_at"),
            "description": "The password, TOTP secret and recovery codes are never shown. "
                           "Use “Set password”, and the Unlock / Reset MFA actions.",
        }),
        ("Settings", {"fields": ("settings",)}),
    )
    add_fieldsets = (
        (None, {"fields": ("email", "full_name", "organization", "tenant", "role")}),
        ("Password", {"fields": ("password1", "password2", "must_change_password")}),
    )
    actions = ("unlock_users", "reset_mfa")

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, **kwargs)

    def get_urls(self):
        return [
            path("<path:object_id>/password/", self.admin_site.admin_view(self.user_change_password),
                 name="accounts_user_password_change"),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and self.has_change_permission(request, obj):
            context["flow_buttons"] = [{"label": "Set password", "name": "password",
                                        "url": reverse("admin:accounts_user_password_change", args=[quote(obj.pk)])}]
        return super().render_change_form(request, context, add, change, form_url, obj)

    change_form_template = "admin/aybiza/change_form_flows.html"

    def user_change_password(self, request, object_id):
        """Set another user's password (contrib.auth's page, on our user model)."""
        user = self.get_object(request, unquote(object_id))
        if user is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        if request.method == "POST":
            form = SetPasswordForm(user, request.POST)
            if form.is_valid():
                user_password_set(user=user, password=form.cleaned_data["password1"],
                                  must_change_password=form.cleaned_data["must_change_password"],
                                  actor=request.user, request=request)
                self.log_change(request, user, "Changed password" + (" (must change at next login)"
                                                                      if form.cleaned_data["must_change_password"] else ""))
                if user.pk == request.user.pk:
                    update_session_auth_hash(request, user)
                messages.success(request, f"Password of {user.email} changed.")
                return HttpResponseRedirect(reverse("admin:accounts_user_change", args=[quote(user.pk)]))
        else:
            form = SetPasswordForm(user)
        fieldsets = [(None, {"fields": list(form.base_fields)})]
        context = {
            **self.admin_site.each_context(request),
            "title": f"Set the password of {user.email}",
            "subtitle": None,
            "opts": self.opts,
            "original": user,
            "form": form,
            "adminform": helpers.AdminForm(form, fieldsets, {}),
            "flow": {"label": "Set password", "help": ""},
            "available": True,
            "change_url": reverse("admin:accounts_user_change", args=[quote(user.pk)]),
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/aybiza/flow_form.html", context)

    @admin.action(description="Unlock selected users (clear failed logins)", permissions=["change"])
    def unlock_users(self, request, queryset):
        count = 0
        for user in queryset:
            user_unlock(user=user, actor=request.user, request=request)
            self.log_change(request, user, "Unlocked (failed logins cleared)")
            count += 1
        self.message_user(request, f"Unlocked {count} users.", messages.SUCCESS)

    @admin.action(description="Reset MFA of selected users (they enroll again)", permissions=["change"])
    def reset_mfa(self, request, queryset):
        count = 0
        for user in queryset:
            user_mfa_reset(user=user, actor=request.user, request=request)
            self.log_change(request, user, "MFA reset")
            count += 1
        self.message_user(request, f"Reset MFA of {count} users.", messages.SUCCESS)


class SetPasswordForm(AdminPasswordChangeForm):
    must_change_password = forms.BooleanField(
        required=False, initial=True, help_text="Ask for a new password at the next login.",
    )

