"""Expire calls that never reported their end, so they stop holding concurrency slots."""

from django.conf import settings
from django.core.management.base import BaseCommand

from analytics.services.routing import expire_stale_calls


class Command(BaseCommand):
    help = (
        "Mark calls still initiated/ringing/answered that started more than AYBIZA_ROUTING_STALE_CALL_MINUTES "
        "ago as failed (metadata.expired). Safe to re-run."
    )

    def handle(self, *args, **options):
        minutes = settings.AYBIZA_ROUTING["STALE_CALL_MINUTES"]
        expired = expire_stale_calls()
        self.stdout.write(f"Expired {expired} stale call(s) older than {minutes} minutes.")
