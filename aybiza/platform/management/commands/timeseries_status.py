"""Report the database's time-series mode, hypertables, rollups and jobs."""

import json

from django.core.management.base import BaseCommand

from aybiza.core import timeseries


def _fmt(value) -> str:
    if value is None:
        return "-"
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d %H:%M:%S %Z")
    return str(value)


class Command(BaseCommand):
    help = (
        "Show whether the database runs with TimescaleDB (version, license) or plain PostgreSQL, each "
        "spec hypertable with its chunks and compression, each rollup with its last refresh, and each "
        "policy or job with its schedule and last run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args, **options):
        report = timeseries.status()
        if options["json"]:
            self.stdout.write(json.dumps(report, default=str, indent=2))
            return
        write = self.stdout.write
        if report["mode"] == timeseries.POSTGRESQL:
            write("Mode: plain PostgreSQL (no TimescaleDB extension in this database)")
        else:
            write(
                f"Mode: {report['mode']} (TimescaleDB {report['timescaledb_version']}, "
                f"license {report['timescaledb_license']})"
            )
        write("\nHypertables:")
        for h in report["hypertables"]:
            if h["hypertable"]:
                write(
                    f"  {h['table']:<40} hypertable, chunks of {h['chunk_interval']}: {h['chunks']} chunk(s), "
                    f"compression {h['compression']} ({h['compressed_chunks']} compressed)"
                )
            else:
                write(f"  {h['table']:<40} regular table (spec hypertable; no TimescaleDB)")
        write("\nRollups:")
        for r in report["rollups"]:
            pending = f", {r['pending_buckets']} bucket(s) pending" if r["pending_buckets"] is not None else ""
            write(
                f"  {r['rollup']:<40} {r['kind']}: last refresh {_fmt(r['last_refresh'])}"
                f" ({r['last_status'] or 'never run'}){pending}"
            )
        write("\nPolicies and jobs:")
        for j in report["jobs"]:
            target = f" on {j['relation']}" if j["relation"] else ""
            write(
                f"  [{j['job']}] {j['name']}{target}: every {j['schedule']}; "
                f"last run {_fmt(j['last_run'])} ({j['last_status'] or 'never run'}); next {_fmt(j['next_start'])}"
            )
        write(
            f"\n{len([h for h in report['hypertables'] if h['hypertable']])}/{len(report['hypertables'])} hypertable(s), "
            f"{len(report['rollups'])} rollup(s), {len(report['jobs'])} job(s)."
        )
