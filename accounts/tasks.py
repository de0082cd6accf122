"""Periodic jobs of accounts (docs/operations.md, "Jobs")."""

from procrastinate.contrib.django import app

from aybiza.core.errors import TransitionRefused
from aybiza.core.jobs import job_options

from .services.compliance import compliance_validity_days, organization_compliance_expire, organizations_due_for_expiry


@app.task(name="accounts.expire_compliance", **job_options(lock="accounts.expire_compliance"))
def expire_compliance(timestamp: int | None = None) -> int:
    """Expire compliance verifications older than the validity period (as `manage.py expire_compliance`)."""
    days = compliance_validity_days()
    expired = 0
    for organization in organizations_due_for_expiry(older_than_days=days).iterator():
        try:
            organization_compliance_expire(
                organization=organization, reason=f"Verification older than {days} days (expire_compliance job)."
            )
        except TransitionRefused:
            continue
        expired += 1
    return expired
