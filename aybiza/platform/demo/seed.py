"""Loading the whole demo: the fixed catalog, then this run's calls and logs.

Everything happens in one transaction, so a failure leaves the database as
it was (no half-loaded run to clean up).
"""

import random
import time
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import Organization, Tenant, User
from agents.models import Agent
from automation.models import Tool, Workflow
from telephony.models import PhoneNumber

from .accounts import ensure_ops_admin, ensure_ops_operator
from .calls import seed_calls
from .catalog import ensure_catalog
from .events import seed_events

# What the summary counts of the fixed part (the totals in the database).
CATALOG = (
    ("organizations", Organization),
    ("tenants", Tenant),
    ("users", User),
    ("agents", Agent),
    ("phone numbers", PhoneNumber),
    ("tools", Tool),
    ("workflows", Workflow),
)


@dataclass(frozen=True)
class Summary:
    totals: dict[str, int]  # fixed records in the database after the run
    added: dict[str, int]  # generated rows this run added, per table
    seconds: float

    def line(self) -> str:
        totals = ", ".join(f"{count} {label}" for label, count in self.totals.items())
        added = ", ".join(f"{count} {table.replace('_', ' ')}" for table, count in self.added.items())
        return f"Demo loaded in {self.seconds:.1f}s: {totals} in the database; added {added}."


def seed_demo(*, calls: int, metrics_per_call: int, seed: int, admin_email: str, admin_password: str,
              progress: bool = False) -> Summary:
    started = time.monotonic()
    now = timezone.now()
    rng = random.Random(seed)
    with transaction.atomic():
        admin = ensure_ops_admin(admin_email, admin_password)
        worlds = ensure_catalog(admin, ensure_ops_operator(), now)
        added, completed = seed_calls(rng, worlds, calls, metrics_per_call, now, progress)
        added.update(seed_events(rng, worlds, completed, calls, now, progress))
    totals = {label: model.objects.count() for label, model in CATALOG}
    return Summary(totals, added, time.monotonic() - started)
