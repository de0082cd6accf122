"""Periodic jobs of telephony (docs/operations.md, "Jobs")."""

from django.utils import timezone
from procrastinate.contrib.django import app

from aybiza.errors import TransitionRefused
from aybiza.jobs import job_options

from .services.reservations import reservation_expire, reservations_due_for_expiry


@app.task(name="telephony.expire_reservations", **job_options(lock="telephony.expire_reservations"))
def expire_reservations(timestamp: int | None = None) -> int:
    """Expire number reservations whose hold ran out (as `manage.py expire_reservations`). Returns the count."""
    now = timezone.now()
    expired = 0
    for reservation in reservations_due_for_expiry(now=now).iterator():
        try:
            reservation_expire(reservation=reservation, now=now, reason="Hold expired (expire_reservations job).")
        except TransitionRefused:
            continue  # completed or extended meanwhile
        expired += 1
    return expired
