"""Expire organization compliance verifications older than the validity period."""

from django.core.management.base import BaseCommand

from accounts.services.compliance import (
    compliance_validity_days,
    organization_compliance_expire,
    organizations_due_for_expiry,
)
from aybiza.core.errors import TransitionRefused


class Command(BaseCommand):
    help = (
        "Expire organizations whose compliance was verified more than --older-than-days ago "
        "(default settings.AYBIZA_COMPLIANCE_VALIDITY_DAYS). Safe to re-run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than-days", type=int, default=None)

    def handle(self, *args, older_than_days=None, **options):
        days = compliance_validity_days() if older_than_days is None else older_than_days
        if days < 0:
            self.stderr.write("--older-than-days must not be negative.")
            raise SystemExit(2)
        expired = 0
        for organization in organizations_due_for_expiry(older_than_days=days).iterator():
            try:
                organization_compliance_expire(
                    organization=organization, reason=f"Verification older than {days} days (expire_compliance)."
                )
            except TransitionRefused:
                continue  # changed meanwhile (re-verified or rejected): nothing to do
            expired += 1
        self.stdout.write(f"Expired {expired} organization compliance verification(s) older than {days} days.")
