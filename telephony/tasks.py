"""Periodic jobs of telephony (docs/operations.md, "Jobs")."""

from django.utils import timezone
from procrastinate.contrib.django import app

from aybiza.core.errors import TransitionRefused
from aybiza.core.jobs import job_options

from .services.health import health_history_prune, phone_numbers_check_health, sip_trunks_check_health
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


@app.task(name="telephony.check_health", **job_options(lock="telephony.check_health"))
def check_health(timestamp: int | None = None) -> dict:
    """Probe every active SIP trunk, then judge every number, then prune old history (as `manage.py check_health`)."""
    trunks = sip_trunks_check_health()
    numbers = phone_numbers_check_health()
    pruned = health_history_prune()
    return {"trunks": trunks.summary("trunk"), "numbers": numbers.summary("number"), "pruned": pruned}
