"""Changes to alert rules and webhook endpoints: validated, audited (security.audit_logs), one place for
the admin, the API and the jobs.

    endpoint: active --disable (N consecutive failed attempts, or by hand)--> disabled --enable--> active

Secrets never reach the audit trail: it records that the secret changed, not its value.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import transaction
from django.utils import timezone

from accounts.models import Organization
from aybiza.core.alerting import TRIGGERS, Scope, clean_params

from aybiza.core.audit import audit_record, snapshot
from ..models import AlertRule, WebhookEndpoint

RULE_FIELDS = ["name", "description", "trigger", "min_severity", "params", "window_minutes", "email_recipients",
               "is_active", "organization", "tenant"]
ENDPOINT_FIELDS = ["name", "url", "is_active", "consecutive_failures", "disabled_at", "disabled_reason",
                   "organization", "tenant"]
MIN_SECRET_LENGTH = 24


def _platform_organization():
    return Organization.objects.filter(slug=settings.PLATFORM_ORGANIZATION_SLUG).first()


def _audit(action, instance, *, actor=None, api_key=None, request=None, before=None, after=None, reason="",
           details=None):
    """audit_record; platform rows (no organization) done by the system are filed under the platform org."""
    if getattr(instance, "organization_id", None) is None and actor is None and api_key is None:
        platform = _platform_organization()
        if platform is not None:
            instance_org = instance.organization_id
            instance.organization_id = platform.pk
            try:
                return audit_record(action=action, instance=instance, before=before, after=after, reason=reason,
                                    details=details)
            finally:
                instance.organization_id = instance_org
        return None  # no platform organization yet: nobody could have made this row through the console
    return audit_record(action=action, instance=instance, actor=actor, api_key=api_key, request=request,
                        before=before, after=after, reason=reason, details=details)


# --- validation ---------------------------------------------------------------------------------------

def check_webhook_url(url: str, *, resolve: bool = False) -> None:
    """http(s) only; unless AYBIZA_ALERTS["WEBHOOK_ALLOW_PRIVATE"], no loopback/private/link-local target.

    With `resolve` the host's addresses are checked too (at delivery time: DNS may change).
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError({"url": ["Must be an http:// or https:// URL with a host."]})
    if parts.username or parts.password:
        raise ValidationError({"url": ["Must not carry credentials; the signature authenticates us."]})
    if settings.AYBIZA_ALERTS["WEBHOOK_ALLOW_PRIVATE"]:
        return
    hosts = [parts.hostname]
    if resolve:
        try:
            hosts = [info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)]
        except OSError as exc:
            raise ValidationError({"url": [f"Cannot resolve {parts.hostname}: {exc}"]}) from None
    for host in hosts:
        try:
            address = ipaddress.ip_address(host.split("%")[0])
        except ValueError:
            if host in ("localhost",) or host.endswith((".localhost", ".local", ".internal")):
                raise ValidationError({"url": ["Must be a public address."]}) from None
            continue
        if not address.is_global:
            raise ValidationError({"url": ["Must be a public address."]})


def _clean_rule(rule: AlertRule, endpoints) -> None:
    errors = {}
    trigger = TRIGGERS.get(rule.trigger)
    scope = Scope(rule.organization_id, rule.tenant_id)
    if trigger is None:
        errors["trigger"] = [f"Unknown trigger. Choose one of: {', '.join(sorted(TRIGGERS))}."]
    elif scope.level not in trigger.levels:
        errors["trigger"] = [f"{rule.trigger} is for {' or '.join(trigger.levels)} rules, not {scope.level} rules."]
    else:
        try:
            rule.params = clean_params(rule.trigger, rule.params)
        except ValueError as exc:
            errors["params"] = [str(exc)]
    if rule.tenant_id is not None and rule.organization_id is None:
        errors["tenant"] = ["A tenant rule belongs to the tenant's organization."]
    if not isinstance(rule.window_minutes, int) or not 1 <= rule.window_minutes <= 7 * 24 * 60:
        errors["window_minutes"] = ["Must be from 1 to 10080 minutes (a week)."]
    recipients = rule.email_recipients
    if not isinstance(recipients, list) or len(recipients) > 50:
        errors["email_recipients"] = ["Must be a list of at most 50 e-mail addresses."]
    else:
        bad = []
        for address in recipients:
            try:
                EmailValidator()(address)
            except (ValidationError, TypeError):
                bad.append(str(address)[:100])
        if bad:
            errors["email_recipients"] = [f"Not an e-mail address: {', '.join(bad)}."]
    for endpoint in endpoints or []:
        if endpoint.organization_id != rule.organization_id or endpoint.tenant_id not in (None, rule.tenant_id):
            errors["webhook_endpoints"] = [f"Endpoint {endpoint.pk} belongs to another owner than this rule."]
            break
    if errors:
        raise ValidationError(errors)


def _clean_endpoint(endpoint: WebhookEndpoint) -> None:
    errors = {}
    try:
        check_webhook_url(endpoint.url or "")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not endpoint.secret or len(endpoint.secret) < MIN_SECRET_LENGTH:
        errors["secret"] = [f"Must be at least {MIN_SECRET_LENGTH} characters."]
    if endpoint.tenant_id is not None and endpoint.organization_id is None:
        errors["tenant"] = ["A tenant endpoint belongs to the tenant's organization."]
    if errors:
        raise ValidationError(errors)


# --- rules --------------------------------------------------------------------------------------------

@transaction.atomic
def alert_rule_save(*, rule: AlertRule, endpoints=None, actor=None, api_key=None, request=None) -> AlertRule:
    """Create or update a rule (and its webhook endpoints when given), audited."""
    creating = rule._state.adding
    before = {} if creating else snapshot(AlertRule.objects.get(pk=rule.pk), RULE_FIELDS)
    if endpoints is None and not creating:
        endpoints = list(rule.webhook_endpoints.all())
    _clean_rule(rule, endpoints)
    if creating and actor is not None and getattr(actor, "pk", None):
        rule.created_by = actor
    rule.save()
    if endpoints is not None:
        rule.webhook_endpoints.set(endpoints)
    after = {**snapshot(rule, RULE_FIELDS), "webhook_endpoints": sorted(str(e.pk) for e in endpoints or [])}
    _audit("alert_rule.create" if creating else "alert_rule.update", rule, actor=actor, api_key=api_key,
           request=request, before=before, after=after)
    return rule


@transaction.atomic
def alert_rule_delete(*, rule: AlertRule, actor=None, api_key=None, request=None) -> None:
    _audit("alert_rule.delete", rule, actor=actor, api_key=api_key, request=request,
           before=snapshot(rule, RULE_FIELDS))
    rule.delete()


# --- webhook endpoints --------------------------------------------------------------------------------

@transaction.atomic
def webhook_endpoint_save(*, endpoint: WebhookEndpoint, secret_changed: bool = False, actor=None, api_key=None,
                          request=None) -> WebhookEndpoint:
    """Create or update an endpoint, audited (the secret only as "changed"). Re-activating resets its failures."""
    creating = endpoint._state.adding
    old = None if creating else WebhookEndpoint.objects.get(pk=endpoint.pk)
    before = {} if creating else snapshot(old, ENDPOINT_FIELDS)
    _clean_endpoint(endpoint)
    if old is not None and endpoint.is_active and not old.is_active:
        endpoint.consecutive_failures, endpoint.disabled_at, endpoint.disabled_reason = 0, None, None
    if old is not None and not endpoint.is_active and old.is_active and endpoint.disabled_at is None:
        endpoint.disabled_at, endpoint.disabled_reason = timezone.now(), "Disabled by its owner."
    if creating and actor is not None and getattr(actor, "pk", None):
        endpoint.created_by = actor
    endpoint.save()
    after = snapshot(endpoint, ENDPOINT_FIELDS)
    _audit("webhook_endpoint.create" if creating else "webhook_endpoint.update", endpoint, actor=actor,
           api_key=api_key, request=request, before=before, after=after,
           details={"secret_changed": bool(secret_changed or creating)})
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, actor=None, api_key=None, request=None) -> None:
    _audit("webhook_endpoint.delete", endpoint, actor=actor, api_key=api_key, request=request,
           before=snapshot(endpoint, ENDPOINT_FIELDS))
    endpoint.delete()


def rule_scope(rule: AlertRule) -> Scope:
    return Scope(rule.organization_id, rule.tenant_id)
