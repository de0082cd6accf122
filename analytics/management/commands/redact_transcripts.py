"""Redact the PII in a tenant's call transcripts of a period (analytics.services.redaction.transcript_redact)."""

import datetime as dt
import sys
import uuid
from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from tqdm import tqdm

from accounts.models import Tenant, User
from analytics.models import CallTranscript
from analytics.services.redaction import transcript_redact


def _moment(value: str, name: str, *, end: bool = False) -> dt.datetime:
    """An ISO timestamp with a time zone, or a date (its start in UTC; for --until the next day's start)."""
    try:
        day = parse_date(value) if len(value) == 10 else None
    except ValueError:  # well-formed but impossible, e.g. 2026-02-30
        raise CommandError(f"--{name}: {value!r} is not a real date.") from None
    if day is None:
        try:
            moment = parse_datetime(value)
        except ValueError:
            moment = None
        if moment is None:
            raise CommandError(f"--{name}: {value!r} is neither a date (YYYY-MM-DD) nor an ISO timestamp.")
        if moment.tzinfo is None:
            raise CommandError(f"--{name}: give a time zone (e.g. 2026-01-01T00:00:00+00:00) or a plain date.")
        return moment
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.timezone.utc)
    return start + dt.timedelta(days=1) if end else start


class Command(BaseCommand):
    help = (
        "Redact PII (phone numbers, e-mail addresses, card numbers, US SSNs, IBANs, dates of birth) in the call "
        "transcripts of a tenant created in [--since, --until). A plain date for --until includes that day. "
        "Transcripts already redacted are skipped; each one is its own transaction, so an interrupted run can be "
        "started again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="tenant id, or slug (with --organization if ambiguous)")
        parser.add_argument("--organization", help="organization slug, to pick a tenant slug within it")
        parser.add_argument("--since", required=True, help="date (YYYY-MM-DD) or ISO timestamp, inclusive")
        parser.add_argument("--until", required=True, help="date (inclusive) or ISO timestamp (exclusive)")
        parser.add_argument("--by", help="email of the staff user recorded as redacted_by (default: none, system)")
        parser.add_argument("--batch-size", type=int, default=200, help="transcript ids read per query (default 200)")

    def _tenant(self, value: str, organization: str | None) -> Tenant:
        try:
            return Tenant.objects.get(pk=uuid.UUID(value))
        except (ValueError, Tenant.DoesNotExist):
            pass
        tenants = Tenant.objects.filter(slug=value)
        if organization:
            tenants = tenants.filter(organization__slug=organization)
        found = list(tenants[:2])
        if not found:
            raise CommandError(f"No tenant {value!r}" + (f" in organization {organization!r}." if organization else "."))
        if len(found) > 1:
            raise CommandError(f"Several tenants are called {value!r}: add --organization or give the tenant id.")
        return found[0]

    def handle(self, *args, tenant, organization, since, until, by, batch_size, verbosity, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        tenant = self._tenant(tenant, organization)
        start, end = _moment(since, "since"), _moment(until, "until", end=True)
        if end <= start:
            raise CommandError("--until must be after --since.")
        actor = None
        if by:
            actor = User.objects.filter(email=by.lower(), is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user with email {by!r}.")
        pending = CallTranscript.objects.filter(call__tenant=tenant, created_at__gte=start, created_at__lt=end)
        total = pending.count()
        ids = pending.filter(redacted=False).order_by("created_at", "id").values_list("pk", flat=True)
        counts, redacted, began = Counter(), 0, timezone.now()
        progress = tqdm(total=total, unit="transcript", desc="redact", disable=verbosity < 1,
                        file=getattr(self.stderr, "_out", sys.stderr))
        with progress:
            progress.update(total - pending.filter(redacted=False).count())  # already redacted: skipped
            batch = list(ids[:batch_size])
            while batch:
                for transcript in CallTranscript.objects.filter(pk__in=batch, redacted=False):
                    transcript = transcript_redact(transcript=transcript, actor=actor, trigger="command")
                    counts.update(transcript.pii_detected.get("counts", {}))
                    redacted += 1
                    progress.update(1)
                batch = list(ids[:batch_size])  # the rows just redacted have left `ids`
        seconds = (timezone.now() - began).total_seconds()
        per_type = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"
        self.stdout.write(
            f"{tenant.slug}: {total} transcript(s) in [{start.isoformat()}, {end.isoformat()}); redacted {redacted}, "
            f"already redacted {total - redacted}; findings {sum(counts.values())} ({per_type}); {seconds:.1f} s"
        )
