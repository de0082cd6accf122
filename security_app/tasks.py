"""Jobs of security_app: alert evaluation (periodic), notice delivery, compliance reports (docs/operations.md, "Jobs").

`security.evaluate_alerts` evaluates every rule, then queues a `security.deliver_notification` job for each
pending notice (once: the notice id is the job's queueing lock and lock). Delivery retries with exponential
backoff (AYBIZA_ALERTS["DELIVERY_BACKOFF_BASE"] ** attempt seconds) up to DELIVERY_MAX_ATTEMPTS.

`security.generate_compliance_report` generates a report requested through the API (queued once per report
when the request commits; a completed report is left alone, a failed one is marked failed with its error).

Data-subject requests: `security.dry_run_data_subject_request` counts what a request filed through the API
would touch (queued when it is filed), `security.run_data_subject_request` runs an approved one (queued when
ops approve it in the console; a failed run raises, so the job is retried with backoff). Both are idempotent:
a request past that stage is left alone; the console's buttons and the command still run them at once.
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
from .services.compliance import compliance_report_generate_job
from .services.subject_requests import data_subject_request_dry_run_job, data_subject_request_run_job

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


@app.task(name="security.generate_compliance_report", **job_options())
def generate_compliance_report(report_id: str) -> None:
    """Generate one requested compliance report (idempotent: see compliance_report_generate_job)."""
    compliance_report_generate_job(report_id)


def queue_compliance_report(report_id) -> int | None:
    """Queue the generation of a report, once (the report id is the job's lock and queueing lock)."""
    return defer_once(generate_compliance_report, lock=f"compliance_report:{report_id}", report_id=str(report_id))


@app.task(name="security.dry_run_data_subject_request", **job_options())
def dry_run_data_subject_request(request_id: str) -> None:
    data_subject_request_dry_run_job(request_id)


@app.task(name="security.run_data_subject_request", **job_options())
def run_data_subject_request(request_id: str) -> None:
    data_subject_request_run_job(request_id)


def queue_data_subject_request(task, request_id) -> int | None:
    """Queue `task` (one of the two above) for a request, once; the two never run at once for one request."""
    return defer_once(task, lock=f"data_subject_request:{request_id}", queueing_lock=f"{task.name}:{request_id}",
                      request_id=str(request_id))
