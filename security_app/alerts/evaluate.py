"""Evaluating alert rules: fire, deduplicate, resolve, digest (docs/operations.md, "Alert rules").

For each active rule, its trigger lists the subjects in alert now, within the rule's scope. Then:

- a subject with no firing alert gets one (the partial unique index `alerts_one_firing` keeps it to one
  per rule and subject, even if two evaluations raced);
- its notice goes out unless a notice for the same rule and subject went out within `window_minutes`
  (no storm when a condition flaps); a held-back alert still firing when the window has passed is
  notified then;
- a firing alert whose subject no longer comes back is resolved, with a resolution notice if its firing
  was notified;
- more than AYBIZA_ALERTS["DIGEST_THRESHOLD"] notices of one rule at once become one digest per channel.

Notices are AlertNotification rows (one per channel: the e-mail recipients, each active endpoint),
delivered by the `security.deliver_notification` job (delivery.py).
"""

from __future__ import annotations

import datetime
import json
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from aybiza.core.alerting import TRIGGERS, clean_params

from ..choices import AlertStatus, Channel, NotificationKind
from ..models import Alert, AlertNotification, AlertRule
from .services import rule_scope

logger = logging.getLogger("aybiza.alerts")


@dataclass
class Evaluation:
    rules: int = 0
    fired: int = 0
    held_back: int = 0
    resolved: int = 0
    notifications: list = field(default_factory=list)

    def summary(self) -> str:
        return (f"Evaluated {self.rules} rule(s): {self.fired} alert(s) fired ({self.held_back} held back by their "
                f"window), {self.resolved} resolved, {len(self.notifications)} notice(s) queued.")


def _json(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def alert_data(alert: Alert) -> dict:
    return {
        "id": str(alert.pk), "subject": alert.subject, "status": alert.status, "severity": alert.severity,
        "title": alert.title, "details": alert.details, "fired_at": alert.fired_at.isoformat(),
        "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else None,
        "organization_id": str(alert.organization_id) if alert.organization_id else None,
        "tenant_id": str(alert.tenant_id) if alert.tenant_id else None,
    }


def _subject_line(rule: AlertRule, kind: str, alerts: list[Alert]) -> str:
    if kind == NotificationKind.DIGEST:
        fired = sum(1 for a in alerts if a.status == AlertStatus.FIRING)
        return f"[AYBIZA] {rule.name}: {fired} firing, {len(alerts) - fired} resolved"
    word = "FIRING" if kind == NotificationKind.FIRED else "RESOLVED"
    return f"[AYBIZA] {word} ({alerts[0].severity}): {alerts[0].title}"[:500]


def _queue(rule: AlertRule, kind: str, alerts: list[Alert], now) -> list[AlertNotification]:
    """One notification per channel of the rule for these alerts."""
    payload = {
        "kind": kind, "created_at": now.isoformat(),
        "rule": {"id": str(rule.pk), "name": rule.name, "trigger": rule.trigger},
        "alerts": [alert_data(a) for a in alerts],
    }
    targets = []
    if rule.email_recipients:
        targets.append((Channel.EMAIL, None, list(rule.email_recipients)))
    targets += [(Channel.WEBHOOK, endpoint, []) for endpoint in rule.webhook_endpoints.all() if endpoint.is_active]
    created = []
    for channel, endpoint, recipients in targets:
        notification = AlertNotification.objects.create(
            rule=rule, organization_id=rule.organization_id, tenant_id=rule.tenant_id, kind=kind, channel=channel,
            endpoint=endpoint, recipients=recipients, subject_line=_subject_line(rule, kind, alerts),
            payload=_json(payload),
        )
        notification.payload["id"] = str(notification.pk)  # the receiver's idempotency key
        notification.save(update_fields=["payload"])
        notification.alerts.set(alerts)
        created.append(notification)
    return created


def _recently_notified(rule: AlertRule, subject: str, now) -> bool:
    since = now - datetime.timedelta(minutes=rule.window_minutes)
    return Alert.objects.filter(rule=rule, subject=subject, notified_at__gte=since).exists()


@transaction.atomic
def alert_rule_evaluate(*, rule: AlertRule, now: datetime.datetime | None = None) -> Evaluation:
    """Evaluate one rule (its row locked: two evaluations of one rule never interleave)."""
    now = now or timezone.now()
    result = Evaluation(rules=1)
    rule = AlertRule.objects.select_for_update().get(pk=rule.pk)
    trigger = TRIGGERS.get(rule.trigger)
    if trigger is None or not rule.is_active:
        return result
    params = {**clean_params(rule.trigger, rule.params), "min_severity": rule.min_severity,
              "window_minutes": rule.window_minutes}
    current = {c.subject: c for c in trigger.source(rule_scope(rule), params, now)}
    open_alerts = {a.subject: a for a in Alert.objects.filter(rule=rule, status=AlertStatus.FIRING)}
    to_fire, to_resolve = [], []

    for subject, condition in current.items():
        alert = open_alerts.get(subject)
        if alert is None:
            held = _recently_notified(rule, subject, now)
            alert = Alert.objects.create(
                rule=rule, organization_id=rule.organization_id, tenant_id=rule.tenant_id, subject=subject,
                dedup_key=f"{rule.pk}:{subject}", severity=condition.severity, title=condition.title[:500],
                details=_json(condition.details), fired_at=now, last_seen_at=now,
            )
            result.fired += 1
            if held:
                result.held_back += 1
                continue
            to_fire.append(alert)
        else:
            alert.last_seen_at, alert.title, alert.details = now, condition.title[:500], _json(condition.details)
            alert.severity = condition.severity
            alert.save(update_fields=["last_seen_at", "title", "details", "severity"])
            if alert.notified_at is None and not _recently_notified(rule, subject, now):
                to_fire.append(alert)  # held back earlier; its window has passed and it still fires

    for subject, alert in open_alerts.items():
        if subject in current:
            continue
        alert.status, alert.resolved_at = AlertStatus.RESOLVED, now
        alert.save(update_fields=["status", "resolved_at"])
        result.resolved += 1
        if alert.notified_at is not None:
            to_resolve.append(alert)

    for alert in to_fire:
        alert.notified_at = now
        alert.save(update_fields=["notified_at"])
    if len(to_fire) + len(to_resolve) > settings.AYBIZA_ALERTS["DIGEST_THRESHOLD"]:
        result.notifications += _queue(rule, NotificationKind.DIGEST, to_fire + to_resolve, now)
    else:
        for alert in to_fire:
            result.notifications += _queue(rule, NotificationKind.FIRED, [alert], now)
        for alert in to_resolve:
            result.notifications += _queue(rule, NotificationKind.RESOLVED, [alert], now)
    rule.last_evaluated_at = now
    rule.save(update_fields=["last_evaluated_at"])
    return result


class EvaluationFailed(Exception):
    """Some rules could not be evaluated (the others were); the job fails, so it is retried and visible."""


def alerts_evaluate(*, now: datetime.datetime | None = None) -> Evaluation:
    """Evaluate every active rule, each in its own transaction; one broken rule does not starve the others."""
    total, failures = Evaluation(), []
    for rule in AlertRule.objects.filter(is_active=True).order_by("created_at", "id"):
        try:
            one = alert_rule_evaluate(rule=rule, now=now)
        except Exception as exc:  # noqa: BLE001 - reported below, after the other rules ran
            logger.exception("Alert rule %s (%s) could not be evaluated", rule.pk, rule.trigger)
            failures.append(f"{rule.pk}: {type(exc).__name__}: {exc}")
            continue
        total.rules += one.rules
        total.fired += one.fired
        total.held_back += one.held_back
        total.resolved += one.resolved
        total.notifications += one.notifications
    if failures:
        raise EvaluationFailed(f"{total.summary()} Failed rules: {'; '.join(failures)}")
    return total
