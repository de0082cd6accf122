"""Delivering a notification: e-mail (Django's mail framework) or a signed webhook POST.

Webhook requests (docs/operations.md, "Webhook signature"):

    POST <endpoint url>
    Content-Type: application/json
    X-Aybiza-Event: fired | resolved | digest
    X-Aybiza-Delivery: <notification id>          (the same on every retry: deduplicate on it)
    X-Aybiza-Timestamp: <unix seconds>
    X-Aybiza-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>." + body)>

Each attempt is one AlertDelivery row. A 2xx answer delivers; anything else (or no answer within the
timeout) is a failed attempt, retried by the job with exponential backoff. An endpoint whose attempts fail
AYBIZA_ALERTS["WEBHOOK_DISABLE_AFTER"] times in a row is disabled, its pending notices are cancelled, and its
owner gets an e-mail.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from ..choices import Channel, NotificationKind, NotificationStatus
from ..models import AlertDelivery, AlertNotification, WebhookEndpoint
from .services import _audit, check_webhook_url

SIGNATURE_VERSION = "v1"
USER_AGENT = "AYBIZA-Webhooks/1"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The X-Aybiza-Signature value for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={mac}"


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, tolerance: int = 300, now=None) -> bool:
    """What a receiver does (also in docs/operations.md): right signature, timestamp within `tolerance` s."""
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((now or time.time()) - sent) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, sent, body), signature or "")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer, not a delivery: never follow it elsewhere


_opener = urllib.request.build_opener(_NoRedirect)


def body_of(notification: AlertNotification) -> bytes:
    return json.dumps(notification.payload, sort_keys=True, separators=(",", ":")).encode()


def _post(endpoint: WebhookEndpoint, notification: AlertNotification) -> int:
    check_webhook_url(endpoint.url, resolve=True)
    body = body_of(notification)
    timestamp = int(time.time())
    request = urllib.request.Request(endpoint.url, data=body, method="POST", headers={
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Aybiza-Event": notification.kind,
        "X-Aybiza-Delivery": str(notification.pk),
        "X-Aybiza-Timestamp": str(timestamp),
        "X-Aybiza-Signature": sign(endpoint.secret, timestamp, body),
    })
    try:
        with _opener.open(request, timeout=settings.AYBIZA_ALERTS["WEBHOOK_TIMEOUT"]) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def email_text(notification: AlertNotification) -> str:
    payload = notification.payload
    lines = [notification.subject_line, ""]
    if payload.get("rule"):
        lines.append(f"Rule: {payload['rule']['name']} ({payload['rule']['trigger']})")
    for alert in payload.get("alerts", []):
        state = "RESOLVED" if alert["status"] == "resolved" else "FIRING"
        lines.append(f"- {state} [{alert['severity']}] {alert['title']} (since {alert['fired_at']})")
    if payload.get("message"):
        lines.append(payload["message"])
    lines += ["", f"Notice {notification.pk}."]
    return "\n".join(lines)


def _send_email(notification: AlertNotification) -> None:
    connection = get_connection(timeout=settings.EMAIL_TIMEOUT)
    EmailMessage(
        subject=notification.subject_line, body=email_text(notification), from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(notification.recipients), connection=connection,
        headers={"X-Aybiza-Notice": str(notification.pk), "X-Aybiza-Event": notification.kind},
    ).send()


class DeliveryFailed(Exception):
    """This attempt failed; the job retries it (with backoff) until the attempts run out."""


def notification_deliver(*, notification_id) -> AlertNotification:
    """Make one delivery attempt of a pending notification; idempotent once delivered, failed or cancelled.

    Raises DeliveryFailed when the attempt failed (recorded first): the job retries it while attempts remain.
    """
    with transaction.atomic():
        notification = AlertNotification.objects.select_for_update().get(
            pk=notification_id)
        if notification.status != NotificationStatus.PENDING:
            return notification
        endpoint = notification.endpoint
        if notification.channel == Channel.WEBHOOK and (endpoint is None or not endpoint.is_active):
            notification.status, notification.last_error = NotificationStatus.CANCELLED, "Endpoint disabled."
            notification.save(update_fields=["status", "last_error"])
            return notification

    started = time.monotonic()
    status_code, error = None, None
    try:
        if notification.channel == Channel.EMAIL:
            _send_email(notification)
        else:
            status_code = _post(endpoint, notification)
            if not 200 <= status_code < 300:
                error = f"HTTP {status_code}"
    except ValidationError as exc:
        error = f"Refused target: {' '.join(exc.messages)}"
    except Exception as exc:  # noqa: BLE001 - any failure to deliver is a failed attempt, recorded
        error = f"{type(exc).__name__}: {exc}"[:2000]
    elapsed = int((time.monotonic() - started) * 1000)
    notification = _record_attempt(notification.pk, status_code=status_code, error=error, duration_ms=elapsed)
    if error is not None:  # the job fails too: retried while attempts remain, else visible as failed
        raise DeliveryFailed(f"Attempt {notification.attempts} of notice {notification.pk}: {error}")
    return notification


@transaction.atomic
def _record_attempt(notification_id, *, status_code, error, duration_ms) -> AlertNotification:
    notification = AlertNotification.objects.select_for_update().get(pk=notification_id)
    now = timezone.now()
    notification.attempts += 1
    AlertDelivery.objects.create(
        notification=notification, organization_id=notification.organization_id, tenant_id=notification.tenant_id,
        attempt=notification.attempts, attempted_at=now, succeeded=error is None, response_status=status_code,
        error=error, duration_ms=duration_ms,
    )
    max_attempts = settings.AYBIZA_ALERTS["DELIVERY_MAX_ATTEMPTS"]
    if error is None:
        notification.status, notification.delivered_at, notification.last_error = NotificationStatus.DELIVERED, now, None
    else:
        notification.last_error = error
        if notification.attempts >= max_attempts:
            notification.status = NotificationStatus.FAILED
    notification.save(update_fields=["attempts", "status", "delivered_at", "last_error"])
    if notification.endpoint_id:
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=notification.endpoint_id)
        if error is None:
            endpoint.consecutive_failures, endpoint.last_success_at = 0, now
            endpoint.save(update_fields=["consecutive_failures", "last_success_at"])
        else:
            endpoint.consecutive_failures += 1
            endpoint.last_failure_at = now
            endpoint.save(update_fields=["consecutive_failures", "last_failure_at"])
            if endpoint.is_active and endpoint.consecutive_failures >= settings.AYBIZA_ALERTS["WEBHOOK_DISABLE_AFTER"]:
                webhook_endpoint_disable(endpoint=endpoint, reason=(
                    f"{endpoint.consecutive_failures} consecutive failed deliveries; last: {error}"))
                notification.refresh_from_db()
    return notification


def webhook_endpoint_disable(*, endpoint: WebhookEndpoint, reason: str) -> AlertNotification | None:
    """Disable an endpoint (system action, audited), cancel its pending notices, e-mail its owner."""
    now = timezone.now()
    before = {"is_active": endpoint.is_active}
    endpoint.is_active, endpoint.disabled_at, endpoint.disabled_reason = False, now, reason[:2000]
    endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
    AlertNotification.objects.filter(endpoint=endpoint, status=NotificationStatus.PENDING).update(
        status=NotificationStatus.CANCELLED, last_error="Endpoint disabled.")
    _audit("webhook_endpoint.disable", endpoint, before=before, after={"is_active": False}, reason=reason)
    recipients = []
    if endpoint.created_by_id and endpoint.created_by.email:
        recipients.append(endpoint.created_by.email)
    for rule in endpoint.alert_rules.all():
        recipients += [r for r in rule.email_recipients if r not in recipients]
    if not recipients:
        return None
    notification = AlertNotification.objects.create(
        organization_id=endpoint.organization_id, tenant_id=endpoint.tenant_id,
        kind=NotificationKind.ENDPOINT_DISABLED, channel=Channel.EMAIL, recipients=recipients,
        subject_line=f"[AYBIZA] Webhook endpoint {endpoint.name} was disabled"[:500],
        payload={"kind": NotificationKind.ENDPOINT_DISABLED, "created_at": now.isoformat(),
                 "endpoint": {"id": str(endpoint.pk), "name": endpoint.name, "url": endpoint.url},
                 "message": f"Deliveries to {endpoint.url} failed {endpoint.consecutive_failures} times in a row "
                            f"and the endpoint was disabled ({reason}). Fix the receiver, then re-enable it.",
                 "alerts": []},
    )
    return notification
