"""Jobs of security_app: alert evaluation (periodic) and notice delivery (docs/operations.md, "Jobs").

`security.evaluate_alerts` evaluates every rule, then queues a `security.deliver_notification` job for each
pending notice (once: the notice id is the job's queueing lock and lock). Delivery retries with exponential
backoff (AYBIZA_ALERTS["DELIVERY_BACKOFF_BASE"] ** attempt seconds) up to DELIVERY_MAX_ATTEMPTS.
"""

import datetime
import logging

from django.conf import settings
from django.utils import timezone
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob

from aybiza.core.jobs import defer_once, job_options

from .choices import NotificationStatus
from .alerts.delivery import notification_deliver
from .alerts.evaluate import alerts_evaluate
from .models import AlertNotification

logger = logging.getLogger("aybiza.core.jobs")


@app.task(name="security.deliver_notification", **job_options(
    max_attempts=settings.AYBIZA_ALERTS["DELIVERY_MAX_ATTEMPTS"],
    backoff_base=settings.AYBIZA_ALERTS["DELIVERY_BACKOFF_BASE"]))
def deliver_notification(notification_id: str) -> str:
    """One delivery attempt; raises (so the job is retried later) while attempts remain."""
    try:
        notification = notification_deliver(notification_id=notification_id)
    finally:
        queue_pending_notifications()  # e.g. the e-mail to an endpoint's owner when it was just disabled
    return notification.status


def _lock(notification_id) -> str:
    return f"alert_notification:{notification_id}"


def queue_pending_notifications(*, since_hours: int = 48) -> int:
    """Queue a delivery job for each pending notice that has none waiting or running; returns how many."""
    since = timezone.now() - datetime.timedelta(hours=since_hours)
    queued = 0
    pending = list(AlertNotification.objects.filter(status=NotificationStatus.PENDING, created_at__gte=since)
                   .values_list("id", flat=True))
    busy = set(ProcrastinateJob.objects.filter(
        queueing_lock__in=[_lock(i) for i in pending], status__in=("todo", "doing")).values_list("queueing_lock", flat=True))
    for notification_id in pending:
        if _lock(notification_id) in busy:
            continue  # waiting for its retry, or being delivered right now
        if defer_once(deliver_notification, lock=_lock(notification_id), notification_id=str(notification_id)):
            queued += 1
    return queued


@app.task(name="security.evaluate_alerts", **job_options(lock="security.evaluate_alerts"))
def evaluate_alerts(timestamp: int | None = None) -> str:
    """Evaluate every active alert rule, then queue the notices' deliveries."""
    try:
        result = alerts_evaluate()
    finally:
        queue_pending_notifications()  # the rules that did evaluate get their notices out
    logger.info("%s", result.summary())
    return result.summary()
