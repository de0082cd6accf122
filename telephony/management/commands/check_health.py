"""Check the health of SIP trunks (SIP OPTIONS) and phone numbers (trunk + recent calls); record it."""

import uuid

from django.core.management.base import BaseCommand, CommandError

from telephony.choices import HealthStatus
from telephony.models import SipTrunk
from telephony.services.health import health_history_prune, phone_numbers_check_health, sip_trunks_check_health


class Command(BaseCommand):
    help = ("Probe every active/testing SIP trunk with SIP OPTIONS and evaluate every active phone number; "
            "record health_status, last_health_check and the history (docs/operations.md, 'Health checks'). "
            "Safe to re-run.")

    def add_arguments(self, parser):
        parser.add_argument("--trunk", action="append", default=[], metavar="ID",
                            help="check only this trunk (any status); repeatable. Numbers are then skipped.")
        parser.add_argument("--trunks-only", action="store_true", help="skip phone numbers")
        parser.add_argument("--numbers-only", action="store_true", help="skip the trunk probes")
        parser.add_argument("--timeout", type=float, help="probe timeout in seconds (default AYBIZA_HEALTH_TIMEOUT_SECONDS)")
        parser.add_argument("--concurrency", type=int, help="probes in flight (default AYBIZA_HEALTH_CONCURRENCY)")
        parser.add_argument("--no-prune", action="store_true", help="keep history older than AYBIZA_HEALTH_HISTORY_DAYS")
        parser.add_argument("--fail-on-unhealthy", action="store_true",
                            help="exit with status 1 when any trunk or number checked is unhealthy")

    def handle(self, *args, trunk, trunks_only, numbers_only, timeout, concurrency, no_prune, fail_on_unhealthy,
               **options):
        if trunks_only and numbers_only:
            raise CommandError("--trunks-only and --numbers-only exclude each other.")
        if timeout is not None and timeout <= 0:
            raise CommandError("--timeout must be positive.")
        if concurrency is not None and concurrency < 1:
            raise CommandError("--concurrency must be at least 1.")
        trunks = None
        if trunk:
            try:
                wanted = {str(uuid.UUID(value)) for value in trunk}
            except ValueError:
                raise CommandError(f"--trunk: not a UUID in {trunk}") from None
            trunks = list(SipTrunk.objects.filter(id__in=wanted))
            missing = wanted - {str(t.id) for t in trunks}
            if missing:
                raise CommandError(f"--trunk: no such SIP trunk: {', '.join(sorted(missing))}")
        unhealthy = 0
        lines = []
        if not numbers_only:
            run = sip_trunks_check_health(trunks=trunks, concurrency=concurrency, timeout=timeout)
            unhealthy += run.by_status.get(HealthStatus.UNHEALTHY, 0)
            lines.append("SIP trunks: " + run.summary("trunk"))
            for change in run.changes:
                self.stdout.write(f"  trunk {change.name} ({change.id}): {change.previous} -> {change.current}: "
                                  f"{change.reason}")
        if not trunks_only and not trunk:
            run = phone_numbers_check_health()
            unhealthy += run.by_status.get(HealthStatus.UNHEALTHY, 0)
            lines.append("Phone numbers: " + run.summary("number"))
            for change in run.changes:
                self.stdout.write(f"  number {change.name}: {change.previous} -> {change.current}: {change.reason}")
        if not no_prune:
            pruned = health_history_prune()
            if any(pruned.values()):
                lines.append(f"Pruned history: {pruned['sip_trunk_health_checks']} trunk check(s), "
                             f"{pruned['phone_number_health_periods']} number period(s).")
        for line in lines:
            self.stdout.write(line)
        if fail_on_unhealthy and unhealthy:
            self.stderr.write(f"{unhealthy} unhealthy.")
            raise SystemExit(1)
