"""`manage.py seed_demo`: load the demo data set (aybiza/platform/demo/)."""

import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from aybiza.platform.demo import seed_demo
from aybiza.platform.demo.accounts import ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD


class Command(BaseCommand):
    help = (
        "Load a realistic demo: organizations, tenants, users, agents, phone numbers, workflows, tools, API keys, "
        "and calls with transcripts, analytics and logs over the last 30 days. The fixed records (the ops admin "
        f"{ADMIN_EMAIL}, organizations, tenants, users, agents, numbers, ...) are found by slug/email/name and "
        "created only when missing, so re-running never duplicates them; the admin's password is reset to "
        "--admin-password. Calls and logs are generated on every run and ADDED to those already there."
    )

    def add_arguments(self, parser):
        parser.add_argument("--calls", type=int, default=2000, help="Calls to add (default: 2000).")
        parser.add_argument(
            "--metrics-per-call", type=int, default=5,
            help="Detailed metrics per connected call (default: 5; calls that never connected get at most 3).",
        )
        parser.add_argument("--seed", type=int, default=42, help="Seed of the generated calls and logs (default: 42).")
        parser.add_argument(
            "--admin-password", default=DEFAULT_ADMIN_PASSWORD,
            help=f"Password of {ADMIN_EMAIL} (default: {DEFAULT_ADMIN_PASSWORD}).",
        )

    def handle(self, *args, calls, metrics_per_call, seed, admin_password, verbosity, **options):
        if calls < 0 or metrics_per_call < 0:
            raise CommandError("--calls and --metrics-per-call must be zero or more.")
        if not admin_password:
            raise CommandError("--admin-password must not be empty.")
        try:
            summary = seed_demo(
                calls=calls, metrics_per_call=metrics_per_call, seed=seed, admin_email=ADMIN_EMAIL,
                admin_password=admin_password, progress=verbosity > 0,
            )
        except (DatabaseError, ValidationError, ValueError) as exc:
            raise CommandError(f"seed_demo failed, nothing was saved: {exc}") from exc
        if verbosity > 0:
            self.stdout.write(self.style.SUCCESS(summary.line()))
            self.stdout.write(
                f"Admin login: http://{os.environ.get('AYBIZA_ADDR', '127.0.0.1:8000')}/admin/  "
                f"email: {ADMIN_EMAIL}  password: {admin_password}"
            )
