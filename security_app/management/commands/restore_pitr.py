"""Restore a base backup plus the WAL archive to a chosen moment (point-in-time recovery drill).

    manage.py restore_pitr --base-backup DIR --wal-archive DIR --target-time 2026-12-01T14:05:00+00:00 \\
        --into DIR [--start --port 55432 --socket-dir /tmp/pitr]

Copies the base backup (made with pg_basebackup) into --into, sets
restore_command to read --wal-archive, recovery_target_time to the target and
recovery_target_action to promote (aybiza/core/db/backups.py), and with --start
starts it on its own Unix socket and port (no TCP, no archiving), waits until
recovery reached the target, and prints how to connect. Never touches the
running server: the restored copy is a separate cluster to inspect, dump
from, or promote by hand. Stop it with `pg_ctl -D DIR stop`. docs/deploy.md.
"""

from pathlib import Path

import psycopg
from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from aybiza.core.db import backups


class Command(BaseCommand):
    help = "Restore a base backup + WAL archive to a point in time, into a new directory (optionally start it)."

    def add_arguments(self, parser):
        parser.add_argument("--base-backup", required=True, type=Path, help="a pg_basebackup directory (plain format)")
        parser.add_argument("--wal-archive", required=True, type=Path, help="the directory archive_command copies WAL to")
        parser.add_argument("--target-time", required=True, help="ISO 8601 with a time zone, e.g. 2026-12-01T14:05:00+00:00")
        parser.add_argument("--into", required=True, type=Path, help="an empty or new directory for the restored cluster")
        parser.add_argument("--start", action="store_true", help="start the restored cluster and wait for recovery")
        parser.add_argument("--port", type=int, default=55432)
        parser.add_argument("--socket-dir", type=Path, default=None, help="default: <into>-socket")

    def handle(self, *args, base_backup, wal_archive, target_time, into, start, port, socket_dir, **options):
        target = parse_datetime(target_time)
        if target is None or target.tzinfo is None:
            raise CommandError("--target-time must be an ISO 8601 date-time with a time zone")
        if not (base_backup / "PG_VERSION").exists():
            raise CommandError(f"{base_backup} is not a plain-format base backup (no PG_VERSION)")
        if not wal_archive.is_dir():
            raise CommandError(f"{wal_archive} is not a directory")
        try:
            backups.prepare_restore(base=base_backup.resolve(), wal_archive=wal_archive.resolve(), target_time=target,
                                    into=into.resolve())
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Prepared {into} to recover up to {target.isoformat()}.")
        if not start:
            self.stdout.write(f"Start it with: pg_ctl -D {into} -o '-p {port} -k <socket dir>' start")
            return
        socket_dir = (socket_dir or Path(f"{into}-socket")).resolve()
        try:
            backups.start(into.resolve(), port=port, socket_dir=socket_dir)
            with psycopg.connect(host=str(socket_dir), port=port, dbname="postgres", user="postgres",
                                 autocommit=True) as conn:
                backups.wait_until(lambda: conn.execute("SELECT NOT pg_is_in_recovery()").fetchone()[0],
                                   timeout=600, what="recovery to reach the target time")
        except backups.BackupError as error:
            raise CommandError(f"{error} (see {into}/server.log)") from error
        self.stdout.write(self.style.SUCCESS(
            f"Recovered and promoted. Connect: psql -h {socket_dir} -p {port} -U postgres <database>"))
