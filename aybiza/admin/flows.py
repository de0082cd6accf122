"""Admin pages and actions that run a business service (an approval flow step).

A `Flow` holds a service function (docs/services.md), the state machine
that says when the step is possible, the custom permission that guards it
and, when the step needs input, a small form. `FlowAdminMixin`
turns each flow into

- a page `<object_id>/flow/<name>/` (like contrib.auth's password page):
  fetch the object, check the permission (403 without it), validate the form,
  call the service, `log_change`, message, redirect to the object;
- a button on the object's change page when its state allows the step;
- a changelist action when the step needs no input.

Refusals (TransitionRefused, LimitExceeded, ValidationError,
StaleVersionError) come back as form errors / messages; the service has then
changed nothing. Status columns are never written here.
"""

from dataclasses import dataclass, field
from typing import Any, Callable

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from aybiza.core.db.locking import StaleVersionError
from aybiza.core.errors import ServiceError
from aybiza.core.state import StateMachine
from aybiza.core.versions import VersionFlow

from .base import error_text

ACTION_LIMIT = 200  # rows one bulk action may touch


class FlowForm(forms.Form):
    """Base of flow forms: knows the object; `service_kwargs()` is what the service gets."""

    def __init__(self, *args, obj=None, **kwargs):
        self.obj = obj
        super().__init__(*args, **kwargs)

    def service_kwargs(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v is not None and v != ""}


class ReasonForm(FlowForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class RequiredReasonForm(FlowForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="Required; kept in the audit log.")


@dataclass(frozen=True)
class Flow:
    name: str  # URL segment and verb ("approve")
    label: str  # button text ("Approve")
    service: Callable[..., Any]  # the service function
    target: str  # the service's keyword for the object ("porting_request")
    permission: str  # "telephony.approve_portingrequest"
    form: type[FlowForm] = FlowForm
    machine: StateMachine | None = None  # decides when the button shows
    verb: str | None = None  # the machine's verb, default `name`
    available: Callable[[Any], bool] | None = None  # instead of a machine
    bulk: bool | None = None  # a changelist action too (default: the form needs no input)
    extra: dict = field(default_factory=dict)  # fixed service kwargs (e.g. false_positive=True)
    help: str = ""

    def is_available(self, obj) -> bool:
        if self.available is not None:
            return bool(self.available(obj))
        if self.machine is not None:
            return self.machine.can(obj, self.verb or self.name)
        return True

    @property
    def as_action(self) -> bool:
        if self.bulk is not None:
            return self.bulk
        return not any(f.required for f in self.form.base_fields.values())

    def run(self, obj, *, actor, request, **kwargs):
        with transaction.atomic():
            return self.service(**{self.target: obj}, actor=actor, request=request, **self.extra, **kwargs)


def version_flows(flow: VersionFlow, target: str, permission: str, *, publish, rollback, retire) -> tuple[Flow, ...]:
    """Publish / roll back / retire buttons of a version table (aybiza/core/versions.py)."""
    return (
        Flow("publish", "Publish", publish, target, permission, form=ReasonForm, machine=flow.machine,
             help=f"Publishing retires the currently published version and copies this one onto its {flow.parent_field}."),
        Flow("rollback", "Roll back to this version", rollback, target, permission, form=ReasonForm,
             machine=flow.machine),
        Flow(flow.retire_verb, flow.retire_verb.capitalize(), retire, target, permission, form=ReasonForm,
             machine=flow.machine),
    )


def result_object(result):
    """Services return the object, or (object, created phone number)."""
    return result[0] if isinstance(result, tuple) else result


class FlowAdminMixin:
    flows: tuple[Flow, ...] = ()
    change_form_template = "admin/aybiza/change_form_flows.html"

    # --- URLs and buttons ---------------------------------------------------------------------------------
    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/flow/<slug:flow_name>/",
                self.admin_site.admin_view(self.flow_view),
                name="%s_%s_flow" % info,
            ),
            *super().get_urls(),
        ]

    def flow_url(self, obj, flow: Flow) -> str:
        info = self.opts.app_label, self.opts.model_name
        return reverse(f"admin:{info[0]}_{info[1]}_flow", args=[quote(obj.pk), flow.name], current_app=self.admin_site.name)

    def flow_buttons(self, request, obj) -> list[dict]:
        return [
            {"label": flow.label, "url": self.flow_url(obj, flow), "name": flow.name}
            for flow in self.flows
            if request.user.has_perm(flow.permission) and flow.is_available(obj)
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["flow_buttons"] = self.flow_buttons(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- the page --------------------------------------------------------------------------------------------
    def flow_view(self, request, object_id, flow_name):
        flow = next((f for f in self.flows if f.name == flow_name), None)
        if flow is None:
            raise Http404(f"No step {flow_name!r} for {self.opts.verbose_name}.")
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not request.user.has_perm(flow.permission):
            raise PermissionDenied(f"You do not have the permission {flow.permission}.")
        change_url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[quote(obj.pk)],
            current_app=self.admin_site.name,
        )
        if request.method == "POST":
            form = flow.form(request.POST, obj=obj)
            if form.is_valid():
                try:
                    result = flow.run(obj, actor=request.user, request=request, **form.service_kwargs())
                except ValidationError as exc:
                    self._form_errors(form, exc)
                except (ServiceError, StaleVersionError) as exc:
                    form.add_error(None, error_text(exc))
                else:
                    obj = result_object(result)
                    reason = form.cleaned_data.get("reason") or form.cleaned_data.get("notes") or ""
                    self.log_change(request, obj, f"{flow.label}" + (f": {reason}" if reason else ""))
                    self.message_user(request, self.success_message(flow, obj, result), messages.SUCCESS)
                    return HttpResponseRedirect(change_url)
        else:
            form = flow.form(obj=obj)
        fieldsets = [(None, {"fields": list(form.base_fields)})]
        context = {
            **self.admin_site.each_context(request),
            "title": f"{flow.label}: {obj}",
            "subtitle": None,
            "opts": self.opts,
            "original": obj,
            "flow": flow,
            "form": form,
            "adminform": helpers.AdminForm(form, fieldsets, {}),
            "errors": helpers.AdminErrorList(form, []),
            "available": flow.is_available(obj),
            "change_url": change_url,
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/aybiza/flow_form.html", context)

    @staticmethod
    def _form_errors(form, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors if name in form.fields else
                               [f"{name}: {e}" for e in errors])
        else:
            form.add_error(None, exc.messages)

    def success_message(self, flow: Flow, obj, result) -> str:
        text = format_html("{}: done for “{}”.", flow.label, obj)
        if isinstance(result, tuple) and len(result) > 1 and result[1] is not None:
            created = result[1]
            url = reverse(
                f"admin:{created._meta.app_label}_{created._meta.model_name}_change", args=[quote(created.pk)],
                current_app=self.admin_site.name,
            )
            text = format_html('{} Created {} <a href="{}">{}</a>.', text, created._meta.verbose_name, url, created)
        return text

    # --- bulk actions for steps without input ------------------------------------------------------------
    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.actions is None or IS_POPUP_VAR in request.GET:
            return actions
        for flow in self.flows:
            if flow.as_action and request.user.has_perm(flow.permission):
                name = f"flow_{flow.name}"
                actions[name] = (self._flow_action(flow), name, f"{flow.label} selected {self.opts.verbose_name_plural}")
        return actions

    def _flow_action(self, flow: Flow):
        def action(modeladmin, request, queryset):
            if not request.user.has_perm(flow.permission):
                raise PermissionDenied(f"You do not have the permission {flow.permission}.")
            done, refused = 0, []
            for obj in queryset[:ACTION_LIMIT]:
                try:
                    result = flow.run(obj, actor=request.user, request=request)
                except (ServiceError, StaleVersionError, ValidationError) as exc:
                    refused.append(f"{obj}: {error_text(exc)}")
                else:
                    done += 1
                    modeladmin.log_change(request, result_object(result), flow.label)
            if done:
                modeladmin.message_user(request, f"{flow.label}: done for {done} {modeladmin.opts.verbose_name_plural}.",
                                        messages.SUCCESS)
            for line in refused[:10]:
                modeladmin.message_user(request, f"{flow.label} refused — {line}", messages.ERROR)
            if len(refused) > 10:
                modeladmin.message_user(request, f"… and {len(refused) - 10} more refused.", messages.ERROR)

        action.__name__ = f"flow_{flow.name}"
        return action
