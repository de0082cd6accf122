"""Expire phone number reservations whose offer or hold has run out."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from aybiza.core.errors import TransitionRefused
from telephony.services.reservations import reservation_expire, reservations_due_for_expiry


class Command(BaseCommand):
    help = "Expire available/reserved phone number reservations past reservation_expires_at. Safe to re-run."

    def handle(self, *args, **options):
        now = timezone.now()
        expired = 0
        for reservation in reservations_due_for_expiry(now=now).iterator():
            try:
                reservation_expire(reservation=reservation, now=now, reason="Hold expired (expire_reservations).")
            except TransitionRefused:
                continue  # completed or extended meanwhile
            expired += 1
        self.stdout.write(f"Expired {expired} phone number reservation(s).")
