"""Background and periodic jobs: the small core wiring around procrastinate (docs/operations.md, "Jobs").

procrastinate keeps its queue in this project's PostgreSQL (tables `procrastinate_*` in `public`), so a
worker needs nothing but the database: run as many as you like, on any machine
(`manage.py procrastinate worker`).

Each app declares its tasks in its own `tasks.py` (found by procrastinate's autodiscovery), with

    @app.task(name="telephony.expire_reservations", **job_options(lock="telephony.expire_reservations"))

This module imports no app. It gives every task the same retry policy (exponential backoff) and turns the
`AYBIZA_PERIODIC_JOBS` setting (task name -> cron) into procrastinate periodic tasks when the app is ready,
so a new periodic job is one line of settings.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from procrastinate import App, RetryStrategy
from procrastinate.exceptions import AlreadyEnqueued

logger = logging.getLogger("aybiza.core.jobs")


def retry_strategy(*, max_attempts: int | None = None, backoff_base: int | None = None) -> RetryStrategy:
    """Exponential backoff: base**1, base**2, ... seconds between attempts; `max_attempts` runs in all.

    (procrastinate's `max_attempts` counts retries after the first run, hence the - 1.)
    """
    return RetryStrategy(
        max_attempts=(max_attempts or settings.AYBIZA_JOB_MAX_ATTEMPTS) - 1,
        exponential_wait=backoff_base or settings.AYBIZA_JOB_BACKOFF_BASE,
    )


def job_options(*, lock: str | None = None, max_attempts: int | None = None, backoff_base: int | None = None) -> dict:
    """Keyword arguments for `@app.task`: retries with backoff; `lock` keeps two runs of one subject apart.

    A procrastinate `lock` makes jobs sharing it run one after the other, never at once, on any number of
    workers. Callers that defer add a `queueing_lock` (see `defer_once`) so a subject is queued once.
    """
    options = {"retry": retry_strategy(max_attempts=max_attempts, backoff_base=backoff_base)}
    if lock:
        options["lock"] = lock
    return options


def defer_once(task, *, lock: str, queueing_lock: str | None = None, **kwargs) -> int | None:
    """Queue `task(**kwargs)` unless a job with the same subject is already waiting; returns the job id or None.

    `lock` (never two at once) and `queueing_lock` (never two waiting) are both the subject, unless
    `queueing_lock` is given: then several tasks sharing a `lock` may each wait once.
    """
    try:
        return task.configure(lock=lock, queueing_lock=queueing_lock or lock).defer(**kwargs)
    except AlreadyEnqueued:
        return None


def periodic_jobs() -> dict[str, str]:
    """The configured periodic jobs: {task name: cron}."""
    return dict(getattr(settings, "AYBIZA_PERIODIC_JOBS", {}))


def on_app_ready(app: App) -> None:
    """PROCRASTINATE_ON_APP_READY: register each configured periodic job on its task.

    The periodic job gets a `queueing_lock` and a `lock` named after the task, so a slow run is never
    doubled by the next tick and two workers never run it at once. A name that no tasks.py defines is a
    configuration error (a typo would otherwise silently never run).
    """
    unknown = sorted(name for name in periodic_jobs() if name not in app.tasks)
    if unknown:
        raise ImproperlyConfigured(
            f"AYBIZA_PERIODIC_JOBS names tasks that no app defines: {', '.join(unknown)}. "
            f"Known tasks: {', '.join(sorted(n for n in app.tasks if not n.startswith('builtin:')))}."
        )
    for name, cron in periodic_jobs().items():
        task = app.tasks[name]
        app.periodic(cron=cron, periodic_id=name, queueing_lock=name, lock=name)(task)


def run_worker(app: App, **options) -> None:
    """Run a worker in this process, as `manage.py procrastinate worker` does (tests: `wait=False` runs what is
    due and returns). The worker needs its own psycopg connector: Django's connection hands JSON back as text."""
    options.setdefault("install_signal_handlers", False)
    with app.replace_connector(app.connector.get_worker_connector()) as worker_app:
        worker_app.run_worker(**options)
