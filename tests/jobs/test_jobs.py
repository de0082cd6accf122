"""The job runner for real: procrastinate's worker in this process, over the test database.

Transactional tests: the worker talks to PostgreSQL over its own connections, so the rows it must see are
committed. Each test empties the queue and the spec tables before and after.
"""

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateEvent, ProcrastinateJob

from aybiza.core import jobs
from tests import factories as f
from tests.conftest import truncate_spec_tables

pytestmark = pytest.mark.django_db(transaction=True)


def empty_queue():
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs CASCADE")


@pytest.fixture(autouse=True)
def clean():
    truncate_spec_tables()
    empty_queue()
    yield
    empty_queue()
    truncate_spec_tables()


def run_worker():
    """Run every job that is due now, then return (procrastinate's own worker, in this process)."""
    jobs.run_worker(app, wait=False, listen_notify=False, concurrency=1)


def job(job_id) -> ProcrastinateJob:
    return ProcrastinateJob.objects.get(pk=job_id)


def test_every_configured_periodic_job_is_registered_with_its_cron_and_lock(settings):
    registered = {(t.task.name, t.periodic_id): t for t in app.periodic_registry.periodic_tasks.values()}
    for name, cron in settings.AYBIZA_PERIODIC_JOBS.items():
        periodic = registered[(name, name)]
        assert periodic.cron == cron
        assert periodic.configure_kwargs["lock"] == name
        assert periodic.configure_kwargs["queueing_lock"] == name
    assert {name for name, _ in registered} >= {
        "analytics.refresh_rollups", "analytics.enforce_retention", "telephony.expire_reservations",
        "accounts.expire_compliance", "security.evaluate_alerts",
    }


def test_an_unknown_periodic_task_name_is_a_configuration_error(settings):
    settings.AYBIZA_PERIODIC_JOBS = {"telephony.check_health_typo": "* * * * *"}
    with pytest.raises(ImproperlyConfigured, match="telephony.check_health_typo"):
        jobs.on_app_ready(app)


def test_worker_runs_a_deferred_job_and_records_its_success():
    tenant = f.TenantFactory()
    due = f.PhoneNumberReservationFactory(tenant=tenant, status="reserved",
                                          reservation_expires_at=timezone.now() - dt.timedelta(minutes=1))
    kept = f.PhoneNumberReservationFactory(tenant=tenant, status="reserved",
                                           reservation_expires_at=timezone.now() + dt.timedelta(hours=1))
    job_id = app.tasks["telephony.expire_reservations"].defer()
    run_worker()
    due.refresh_from_db()
    kept.refresh_from_db()
    assert due.status == "expired"
    assert kept.status == "reserved"
    assert job(job_id).status == "succeeded"
    # Idempotent: running it again changes nothing and still succeeds.
    again = app.tasks["telephony.expire_reservations"].defer()
    run_worker()
    assert job(again).status == "succeeded"
    kept.refresh_from_db()
    assert kept.status == "reserved"


def test_refresh_rollups_job_fills_the_rollup_in_plain_mode():
    tenant = f.TenantFactory()
    number = f.PhoneNumberFactory(tenant=tenant)
    f.CallFactory(phone_number=number, start_time=timezone.now() - dt.timedelta(hours=2))
    job_id = app.tasks["analytics.refresh_rollups"].defer(timestamp=0)
    run_worker()
    assert job(job_id).status == "succeeded"
    with connection.cursor() as cursor:
        cursor.execute("SELECT sum(total_calls) FROM call_analytics.call_analytics_hourly WHERE tenant_id = %s",
                       [tenant.pk])
        assert cursor.fetchone()[0] == 1


def test_a_queued_subject_is_queued_once():
    task = app.tasks["security.evaluate_alerts"]
    first = jobs.defer_once(task, lock="security.evaluate_alerts")
    second = jobs.defer_once(task, lock="security.evaluate_alerts")
    assert first is not None and second is None
    assert ProcrastinateJob.objects.filter(task_name="security.evaluate_alerts").count() == 1


def test_a_job_never_runs_while_another_of_the_same_subject_is_running():
    task = app.tasks["telephony.expire_reservations"]
    running = task.configure(lock="subject-1").defer()
    with connection.cursor() as cursor:  # as a worker elsewhere would have it: fetched, not finished
        cursor.execute("UPDATE procrastinate_jobs SET status = 'doing' WHERE id = %s", [running])
    waiting = task.configure(lock="subject-1").defer()
    other = task.configure(lock="subject-2").defer()
    run_worker()
    assert job(waiting).status == "todo"  # held back by the lock
    assert job(other).status == "succeeded"
    with connection.cursor() as cursor:
        cursor.execute("SELECT procrastinate_finish_job_v1(%s, 'succeeded', false)", [running])
    run_worker()
    assert job(waiting).status == "succeeded"


def test_a_failing_job_is_retried_with_exponential_backoff_and_fails_visibly(settings):
    """A webhook notice to a closed port: each attempt logged, retried after 3 s, then 9 s, ..."""
    import socket

    settings.AYBIZA_ALERTS = {**settings.AYBIZA_ALERTS, "WEBHOOK_ALLOW_PRIVATE": True, "WEBHOOK_DISABLE_AFTER": 100}
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    endpoint = f.WebhookEndpointFactory(url=f"http://127.0.0.1:{closed_port}/hook")
    rule = f.AlertRuleFactory(tenant=endpoint.tenant, email_recipients=[])
    notification = f.AlertNotificationFactory(rule=rule, channel="webhook", endpoint=endpoint, recipients=[])

    task = app.tasks["security.deliver_notification"]
    job_id = jobs.defer_once(task, lock=f"alert_notification:{notification.pk}", notification_id=str(notification.pk))
    waits = []
    for attempt in (1, 2):
        before = timezone.now()
        run_worker()
        row = job(job_id)
        assert row.status == "todo" and row.attempts == attempt
        waits.append((row.scheduled_at - before).total_seconds())
        with connection.cursor() as cursor:  # skip the wait
            cursor.execute("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE id = %s", [job_id])
    assert 2 <= waits[0] <= 5 and 8 <= waits[1] <= 11, waits  # 3**1, 3**2 seconds
    notification.refresh_from_db()
    assert notification.attempts == 2 and notification.status == "pending"
    assert [d.succeeded for d in notification.deliveries.order_by("attempt")] == [False, False]
    assert "ConnectionRefused" in notification.last_error or "Errno 111" in notification.last_error

    for _ in range(settings.AYBIZA_ALERTS["DELIVERY_MAX_ATTEMPTS"] - 2):
        run_worker()
        with connection.cursor() as cursor:
            cursor.execute("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE id = %s", [job_id])
    assert job(job_id).status == "failed"
    notification.refresh_from_db()
    assert notification.status == "failed"
    assert notification.deliveries.count() == settings.AYBIZA_ALERTS["DELIVERY_MAX_ATTEMPTS"]
    assert ProcrastinateEvent.objects.filter(job_id=job_id, type="failed").exists()


def test_jobs_are_visible_in_the_ops_console_read_only_and_behind_a_permission():
    from tests.admin.conftest import logged_in

    task = app.tasks["telephony.expire_reservations"]
    job_id = task.defer()
    root = f.UserFactory(ops_superuser=True, email="root@aybiza.example")
    response = logged_in(root).get("/admin/procrastinate/procrastinatejob/")
    assert response.status_code == 200
    assert "expire_reservations" in response.content.decode()
    assert logged_in(root).get(f"/admin/procrastinate/procrastinatejob/{job_id}/change/").status_code == 200
    assert logged_in(root).get("/admin/procrastinate/procrastinatejob/add/").status_code == 403

    from accounts.models import Role
    from accounts.models import Organization

    organization = Organization.objects.platform()
    viewer_role = Role.objects.create(organization=organization, name="Job viewer", scope="organization", permissions={
        "backoffice": {"staff": True, "superuser": False, "permissions": ["procrastinate.view_procrastinatejob"]}})
    blind_role = Role.objects.create(organization=organization, name="No jobs", scope="organization", permissions={
        "backoffice": {"staff": True, "superuser": False, "permissions": []}})
    viewer = f.UserFactory(tenant=None, organization=organization, role=viewer_role, email="jobs@aybiza.example")
    blind = f.UserFactory(tenant=None, organization=organization, role=blind_role, email="blind@aybiza.example")
    page = logged_in(viewer).get("/admin/procrastinate/procrastinatejob/")
    assert page.status_code == 200
    assert 'name="action"' not in page.content.decode()  # may look, may not retry/cancel/abort
    response = logged_in(viewer).post("/admin/procrastinate/procrastinatejob/",
                                      {"action": "cancel", "_selected_action": [job_id]})
    assert job(job_id).status == "todo"
    assert logged_in(blind).get("/admin/procrastinate/procrastinatejob/").status_code == 403
    assert response.status_code in (200, 302)
