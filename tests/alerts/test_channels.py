"""Delivery channels against real servers on loopback: an SMTP server (aiosmtpd) and an HTTP receiver
(http.server in a thread) that verifies the signature the way docs/operations.md tells receivers to."""

import hashlib
import hmac
import http.server
import json
import threading
import time

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from security_app.alerts.delivery import DeliveryFailed, notification_deliver
from security_app.alerts.evaluate import alerts_evaluate
from security_app.models import AlertNotification, AlertRule, WebhookEndpoint
from security_app.alerts.services import alert_rule_save
from security_app.models import AuditLog
from tests import factories as f

pytestmark = pytest.mark.django_db
SECRET = "s3cret-for-tests-0123456789abcdef"


# --- real servers -----------------------------------------------------------------------------------------

class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content.decode()))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    import socket

    with socket.socket() as s:  # a free loopback port (aiosmtpd needs a real one to check it started)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = False
    yield inbox
    controller.stop()


def verify(secret: str, headers, body: bytes, tolerance: int = 300) -> bool:
    """The receiver's check, written from the docs (not with the project's code)."""
    timestamp = headers.get("X-Aybiza-Timestamp", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False  # missing, or a replay outside the tolerance
    expected = "v1=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers.get("X-Aybiza-Signature", ""))


class Receiver:
    def __init__(self, secret, status=204):
        self.secret, self.status, self.requests = secret, status, []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                ok = verify(receiver.secret, self.headers, body)
                receiver.requests.append({"headers": dict(self.headers), "body": body, "verified": ok})
                self.send_response(receiver.status if ok else 401)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/aybiza"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.AYBIZA_ALERTS = {**settings.AYBIZA_ALERTS, "WEBHOOK_ALLOW_PRIVATE": True}
    r = Receiver(SECRET)
    yield r
    r.close()


def firing_rule(tenant, endpoints=(), recipients=()):
    f.SecurityEventFactory(tenant=tenant, event_type="unauthorized_access", severity="critical")
    rule = alert_rule_save(rule=AlertRule(tenant=tenant, organization=tenant.organization, name="critical events",
                                          trigger="security_event", min_severity="high",
                                          email_recipients=list(recipients)), endpoints=list(endpoints))
    alerts_evaluate()
    return rule


# --- e-mail -----------------------------------------------------------------------------------------------

def test_email_notice_reaches_a_real_smtp_server(smtp):
    tenant = f.TenantFactory()
    rule = firing_rule(tenant, recipients=["oncall@example.com", "sec@example.com"])
    [notice] = AlertNotification.objects.filter(rule=rule)
    notification_deliver(notification_id=notice.pk)
    notice.refresh_from_db()
    assert notice.status == "delivered" and notice.attempts == 1
    [(sender, to, content)] = smtp.messages
    assert to == ["oncall@example.com", "sec@example.com"]
    assert "Subject: [AYBIZA] FIRING (critical)" in content
    assert "unauthorized_access" in content
    [attempt] = notice.deliveries.all()
    assert attempt.succeeded and attempt.attempt == 1
    # Idempotent: delivering again sends nothing more.
    notification_deliver(notification_id=notice.pk)
    assert len(smtp.messages) == 1


def test_email_failure_is_logged_and_raised_for_retry(settings):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port  # nobody listens
    rule = firing_rule(f.TenantFactory(), recipients=["oncall@example.com"])
    [notice] = AlertNotification.objects.filter(rule=rule)
    with pytest.raises(DeliveryFailed):
        notification_deliver(notification_id=notice.pk)
    notice.refresh_from_db()
    assert notice.status == "pending" and notice.attempts == 1 and "Connection" in notice.last_error
    assert not notice.deliveries.get().succeeded


# --- webhooks ---------------------------------------------------------------------------------------------

def test_signed_webhook_is_verified_by_a_real_receiver(receiver):
    tenant = f.TenantFactory()
    endpoint = f.WebhookEndpointFactory(tenant=tenant, url=receiver.url, secret=SECRET)
    rule = firing_rule(tenant, endpoints=[endpoint])
    [notice] = AlertNotification.objects.filter(rule=rule)
    notification_deliver(notification_id=notice.pk)
    notice.refresh_from_db()
    assert notice.status == "delivered"
    [request] = receiver.requests
    assert request["verified"]
    headers = request["headers"]
    assert headers["X-Aybiza-Event"] == "fired" and headers["X-Aybiza-Delivery"] == str(notice.pk)
    payload = json.loads(request["body"])
    assert payload["id"] == str(notice.pk) and payload["rule"]["id"] == str(rule.pk)
    assert payload["alerts"][0]["severity"] == "critical"
    assert notice.deliveries.get().response_status == 204

    # What the receiver rejects: a tampered body, a replay outside the tolerance, a wrong secret.
    body, ts = request["body"], headers["X-Aybiza-Timestamp"]
    assert not verify(SECRET, headers, body.replace(b"critical", b"low"))
    old = dict(headers, **{"X-Aybiza-Timestamp": str(int(ts) - 600)})
    old["X-Aybiza-Signature"] = "v1=" + hmac.new(SECRET.encode(), old["X-Aybiza-Timestamp"].encode() + b"." + body,
                                                 hashlib.sha256).hexdigest()
    assert not verify(SECRET, old, body)  # correctly signed, but stale: a replay
    assert not verify("another-secret-0123456789abcdef", headers, body)


def test_failing_endpoint_is_disabled_after_n_attempts_and_its_owner_is_told(receiver, smtp, settings):
    settings.AYBIZA_ALERTS = {**settings.AYBIZA_ALERTS, "WEBHOOK_DISABLE_AFTER": 3, "DELIVERY_MAX_ATTEMPTS": 10}
    receiver.status = 503
    tenant = f.TenantFactory()
    owner = f.UserFactory(tenant=tenant, email="owner@tenant.example")
    endpoint = f.WebhookEndpointFactory(tenant=tenant, url=receiver.url, secret=SECRET, created_by=owner)
    rule = firing_rule(tenant, endpoints=[endpoint])
    [notice] = AlertNotification.objects.filter(rule=rule)
    for attempt in (1, 2, 3):
        with pytest.raises(DeliveryFailed):
            notification_deliver(notification_id=notice.pk)
    assert len(receiver.requests) == 3 and all(r["verified"] for r in receiver.requests)
    assert [d.response_status for d in notice.deliveries.order_by("attempt")] == [503, 503, 503]
    endpoint.refresh_from_db()
    notice.refresh_from_db()
    assert not endpoint.is_active and endpoint.consecutive_failures == 3 and "503" in endpoint.disabled_reason
    assert notice.status == "cancelled"
    notification_deliver(notification_id=notice.pk)  # nothing more is sent to a disabled endpoint
    assert len(receiver.requests) == 3
    audit = AuditLog.objects.get(action="webhook_endpoint.disable", resource_id=endpoint.pk)
    assert audit.tenant_id == tenant.pk and audit.user_id is None

    warning = AlertNotification.objects.get(kind="endpoint_disabled")
    assert warning.recipients == ["owner@tenant.example"] and warning.tenant_id == tenant.pk
    notification_deliver(notification_id=warning.pk)
    [(_, to, content)] = smtp.messages
    assert to == ["owner@tenant.example"] and "was disabled" in content

    # New notices skip the disabled endpoint.
    f.SecurityEventFactory(tenant=tenant, event_type="data_breach", severity="critical")
    alerts_evaluate()
    assert not AlertNotification.objects.filter(endpoint=endpoint, status="pending").exists()


def test_a_success_resets_the_failure_count(receiver):
    tenant = f.TenantFactory()
    endpoint = f.WebhookEndpointFactory(tenant=tenant, url=receiver.url, secret=SECRET, consecutive_failures=2)
    rule = firing_rule(tenant, endpoints=[endpoint])
    notification_deliver(notification_id=AlertNotification.objects.get(rule=rule).pk)
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0 and endpoint.last_success_at is not None


def test_private_targets_are_refused_unless_allowed(settings):
    settings.AYBIZA_ALERTS = {**settings.AYBIZA_ALERTS, "WEBHOOK_ALLOW_PRIVATE": False}
    tenant = f.TenantFactory()
    endpoint = f.WebhookEndpointFactory(tenant=tenant, url="http://127.0.0.1:9/hook", secret=SECRET)
    rule = firing_rule(tenant, endpoints=[endpoint])
    notice = AlertNotification.objects.get(rule=rule)
    with pytest.raises(DeliveryFailed):
        notification_deliver(notification_id=notice.pk)
    assert "Refused target" in notice.deliveries.get().error


def test_webhook_secret_is_encrypted_at_rest():
    endpoint = f.WebhookEndpointFactory(secret=SECRET)
    with connection.cursor() as cursor:
        cursor.execute('SELECT secret FROM "security"."webhook_endpoints" WHERE id = %s', [endpoint.pk])
        stored = cursor.fetchone()[0]
    assert SECRET not in stored and stored.startswith("gAAAA")  # a Fernet token
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == SECRET


def test_key_rotation_re_encrypts_webhook_secrets():
    from io import StringIO

    from cryptography.fernet import Fernet
    from django.core.management import call_command
    from django.test import override_settings

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[old]):
        endpoint = f.WebhookEndpointFactory(secret=SECRET)
    with override_settings(FIELD_ENCRYPTION_KEYS=[new, old]):
        call_command("rotate_encryption_keys", stdout=StringIO(), stderr=StringIO())
        assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == SECRET
    with connection.cursor() as cursor:
        cursor.execute('SELECT secret FROM "security"."webhook_endpoints" WHERE id = %s', [endpoint.pk])
        assert Fernet(new).decrypt(cursor.fetchone()[0].encode()).decode() == SECRET
