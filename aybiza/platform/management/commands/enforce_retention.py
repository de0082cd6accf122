"""Apply the spec's retention intervals to the time-series tables."""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime
from tqdm import tqdm

from aybiza.core import timeseries


class Command(BaseCommand):
    help = (
        "Delete time-series rows older than the spec's retention intervals (detailed_metrics 2 years, "
        "execution_logs 1 year with their node_executions, audit_logs 7 years, security_events 7 years, "
        "api_access_logs 1 year), in batches, one transaction per batch. Where a TimescaleDB retention "
        "policy exists it does the work (this command then only removes node_executions left by dropped "
        "execution_logs chunks; --now runs drop_chunks at once). Safe to run at any time and repeatedly."
    )

    def add_arguments(self, parser):
        names = sorted(t.name for t in timeseries.retention_tables())
        parser.add_argument("--table", action="append", choices=names, dest="tables", help="Only this table (repeatable).")
        parser.add_argument("--batch-size", type=int, default=10_000, help="Rows deleted per transaction (default 10000).")
        parser.add_argument("--dry-run", action="store_true", help="Count what would be deleted; delete nothing.")
        parser.add_argument("--now", action="store_true", help="TimescaleDB: run drop_chunks now instead of leaving it to the policy.")
        parser.add_argument(
            "--as-of", help="Compute cutoffs from this ISO timestamp instead of the current time (for tests/backfills)."
        )

    def handle(self, *args, tables, batch_size, dry_run, now, as_of, verbosity, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        reference = None
        if as_of:
            reference = parse_datetime(as_of)
            if reference is None or reference.tzinfo is None:
                raise CommandError("--as-of must be an ISO timestamp with a time zone, e.g. 2026-01-01T00:00:00+00:00.")
        selected = [t for t in timeseries.retention_tables() if not tables or t.name in tables]
        results, failures = [], []
        for table in selected:
            progress = tqdm(
                unit="row", desc=table.name, file=getattr(self.stderr, "_out", sys.stderr), disable=verbosity < 1,
            )
            try:
                with progress:
                    result = timeseries.enforce_retention(
                        table, batch_size=batch_size, now=reference, dry_run=dry_run,
                        drop_chunks_now=now, progress=progress.update,
                    )
            except Exception as exc:
                failures.append(f"{table.relation}: {type(exc).__name__}: {exc}")
                continue
            results.append(result)
            if verbosity >= 1:
                self.stdout.write(result.summary())
        deleted = sum(r.rows_deleted for r in results)
        related = sum(r.related_rows_deleted for r in results)
        chunks = sum(r.chunks_dropped for r in results)
        verb = "would delete" if dry_run else "deleted"
        summary = (
            f"Retention (mode {timeseries.mode()}) over {len(results)} table(s): {verb} {deleted} row(s)"
            f" and {related} node_execution(s), dropped {chunks} chunk(s)."
        )
        if failures:
            raise CommandError(f"{summary} Failed: {'; '.join(failures)}")
        self.stdout.write(summary)
