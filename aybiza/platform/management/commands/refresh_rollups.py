"""Bring the rollups (call_analytics_hourly, security_events_daily, performance_metrics_hourly) up to date."""

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from aybiza.core import timeseries


class Command(BaseCommand):
    help = (
        "Refresh the spec's rollups incrementally: an application rollup recomputes only the buckets "
        "whose source rows changed since its last refresh; a TimescaleDB continuous aggregate is "
        "refreshed with refresh_continuous_aggregate. Safe to run at any time and repeatedly "
        "(schedule it, e.g. every 15 minutes, where no TimescaleDB policy does it)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rollup", action="append", choices=sorted(timeseries.rollups()), dest="rollups",
            help="Refresh only this rollup (repeatable). Default: all three.",
        )
        parser.add_argument("--batch-size", type=int, default=168, help="Buckets recomputed per transaction (default 168).")

    def handle(self, *args, rollups, batch_size, verbosity, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        names = rollups or list(timeseries.rollups())
        results, failures = [], []
        for name in names:
            rollup = timeseries.rollups()[name]
            cagg = timeseries.is_continuous_aggregate(rollup)
            total = 0 if cagg else timeseries.pending_buckets(rollup)
            progress = tqdm(
                total=total, unit="bucket", desc=name, file=getattr(self.stderr, "_out", sys.stderr),
                disable=verbosity < 1 or total == 0,
            )
            try:
                with progress:
                    result = timeseries.refresh_rollup(name, batch_size=batch_size, progress=progress.update)
            except Exception as exc:  # report, go on with the others, fail at the end
                failures.append(f"{name}: {type(exc).__name__}: {exc}")
                continue
            results.append(result)
            if verbosity >= 1:
                self.stdout.write(result.summary())
        buckets = sum(len(r.buckets) for r in results)
        written = sum(r.rows_written for r in results)
        summary = (
            f"Refreshed {len(results)} rollup(s) (mode {timeseries.mode()}): "
            f"{buckets} bucket(s) recomputed, {written} row(s) written."
        )
        if failures:
            raise CommandError(f"{summary} Failed: {'; '.join(failures)}")
        self.stdout.write(summary)
