"""Health of SIP trunks and phone numbers: measure, record, report what changed.

- `sip_trunks_check_health()` probes every active (and testing) trunk with SIP OPTIONS, concurrently
  and bounded, then records in one transaction: a `SipTrunkHealthCheck` history row per trunk, the
  trunk's `health_status` / `last_health_check`, and an audit row for each trunk whose status changed.
  The probes run *before* that transaction (a slow peer never holds a transaction open).
- `phone_numbers_check_health()` derives each active number's health from its trunk and its recent
  call outcomes; records `health_status` / `last_health_check`, a `PhoneNumberHealthPeriod` row
  per change (the current period's reason is kept up to date) and an audit row per change.
- `health_history_prune()` deletes history older than AYBIZA_HEALTH_HISTORY_DAYS.

Both checks return the changes (`HealthChange`), which the alerting reads; the history tables hold
the same (`previous_health_status != health_status`). Health is a measurement, not a workflow
state: every transition is allowed, so no state machine guards it. Recording does not touch
`updated_at`/`updated_by` nor the phone number's lock `version` (a tenant's edit in flight must
not turn stale because a probe ran). Concurrent runs are serialized at the recording step by an
advisory lock, so consecutive-failure counts stay exact.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from aybiza.core.audit import audit_record

from ..choices import AcquisitionMethod, HealthStatus, PhoneNumberStatus, SipTrunkStatus
from ..health import call_outcomes
from ..health.probe import probe_many, tls_context
from ..health.sip_options import INVALID_TARGET, ProbeResult, SipTarget, parse_sip_uri
from ..health.thresholds import (
    CallOutcomes, Thresholds, error_answer, number_status, probe_failed, trunk_status,
)
from ..models import PhoneNumber, PhoneNumberHealthPeriod, SipTrunk, SipTrunkHealthCheck

CHECKED_TRUNK_STATUSES = (SipTrunkStatus.ACTIVE, SipTrunkStatus.TESTING)
CHECKED_NUMBER_STATUSES = (PhoneNumberStatus.ACTIVE,)
TRUNK_LOCK, NUMBER_LOCK = 7_310_001, 7_310_002  # pg_advisory_xact_lock keys of the recording steps


@dataclass(frozen=True)
class HealthChange:
    kind: str  # "sip_trunk" | "phone_number"
    id: uuid.UUID
    name: str
    organization_id: uuid.UUID
    tenant_id: uuid.UUID
    previous: str
    current: str
    reason: str
    checked_at: datetime

    @property
    def recovered(self) -> bool:
        return self.current == HealthStatus.HEALTHY and self.previous in (HealthStatus.DEGRADED, HealthStatus.UNHEALTHY)


@dataclass
class HealthRun:
    checked: int = 0
    by_status: Counter = field(default_factory=Counter)
    changes: list[HealthChange] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self, noun: str) -> str:
        counts = ", ".join(f"{self.by_status.get(s, 0)} {s}" for s in ("healthy", "degraded", "unhealthy", "unknown")
                           if self.by_status.get(s))
        return (f"Checked {self.checked} {noun}(s) in {self.seconds:.2f} s: {counts or 'none'}; "
                f"{len(self.changes)} changed.")


# --- trunks ------------------------------------------------------------------------------------------------

def sip_trunk_target(trunk: SipTrunk) -> SipTarget:
    """Where a trunk is probed: its termination URI (transport from the URI, else settings["transport"])."""
    transport = (trunk.settings or {}).get("transport") if isinstance(trunk.settings, dict) else None
    return parse_sip_uri(trunk.termination_uri, transport=transport if isinstance(transport, str) else None)


def sip_trunks_check_health(*, trunks: Iterable[SipTrunk] | None = None, concurrency: int | None = None,
                            timeout: float | None = None, thresholds: Thresholds | None = None,
                            now: datetime | None = None) -> HealthRun:
    """Probe `trunks` (default: every active or testing trunk) and record the outcome. See module doc."""
    thresholds = (thresholds or Thresholds.from_settings()).but(concurrency=concurrency, timeout_seconds=timeout)
    started = time.monotonic()
    trunk_list = list(trunks if trunks is not None else SipTrunk.objects.filter(status__in=CHECKED_TRUNK_STATUSES))
    targets: list[SipTarget | None] = []
    invalid: dict[int, str] = {}
    for index, trunk in enumerate(trunk_list):
        try:
            targets.append(sip_trunk_target(trunk))
        except ValueError as exc:
            targets.append(None)
            invalid[index] = str(exc)
    probed = probe_many([t for t in targets if t is not None], concurrency=thresholds.concurrency,
                        timeout=thresholds.timeout_seconds,
                        ssl_context=tls_context(verify=thresholds.tls_verify, ca_file=thresholds.tls_ca_file),
                        blocked_networks=thresholds.networks)
    answers = iter(probed)
    results = [ProbeResult(INVALID_TARGET, error=invalid[i]) if target is None else next(answers)
               for i, target in enumerate(targets)]
    run = _record_trunk_results(trunk_list, targets, results, thresholds=thresholds, now=now)
    run.seconds = time.monotonic() - started
    return run


@transaction.atomic
def _record_trunk_results(trunks: list[SipTrunk], targets: list[SipTarget | None], results: list[ProbeResult], *,
                          thresholds: Thresholds, now: datetime | None) -> HealthRun:
    run = HealthRun()
    if not trunks:
        return run
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [TRUNK_LOCK])
    now = now or timezone.now()  # taken under the lock: runs are recorded, and timed, one after the other
    ids = [trunk.id for trunk in trunks]
    current = dict(SipTrunk.objects.filter(id__in=ids).values_list("id", "health_status"))
    last = {row.sip_trunk_id: row for row in
            SipTrunkHealthCheck.objects.filter(sip_trunk_id__in=ids)
            .order_by("sip_trunk_id", "-checked_at", "-id").distinct("sip_trunk_id")
            .only("sip_trunk_id", "consecutive_failures", "consecutive_error_answers")}
    rows, updated = [], []
    for trunk, target, result in zip(trunks, targets, results):
        if trunk.id not in current:
            continue  # deleted while we probed
        previous_row = last.get(trunk.id)
        failures = (previous_row.consecutive_failures + 1 if previous_row else 1) if probe_failed(result) else 0
        errors = (previous_row.consecutive_error_answers + 1 if previous_row else 1) if error_answer(result) else 0
        status, reason = trunk_status(result, consecutive_failures=failures, consecutive_error_answers=errors,
                                      thresholds=thresholds)
        previous = current[trunk.id] or HealthStatus.UNKNOWN
        rows.append(SipTrunkHealthCheck(
            sip_trunk_id=trunk.id, organization_id=trunk.organization_id, tenant_id=trunk.tenant_id, checked_at=now,
            target=str(target) if target else trunk.termination_uri[:300], outcome=result.outcome,
            status_code=result.status_code, reason_phrase=result.reason[:255], rtt_ms=result.rtt_ms,
            error=result.error[:500], consecutive_failures=failures, consecutive_error_answers=errors,
            health_status=status, previous_health_status=previous, reason=reason[:500],
        ))
        trunk.health_status, trunk.last_health_check = status, now
        updated.append(trunk)
        run.by_status[status] += 1
        if status != previous:
            change = HealthChange("sip_trunk", trunk.id, trunk.name, trunk.organization_id, trunk.tenant_id,
                                  previous, status, reason, now)
            run.changes.append(change)
            audit_record(action="sip_trunk.health_change", instance=trunk, before={"health_status": previous},
                         after={"health_status": status}, reason=reason[:500],
                         details={"outcome": result.outcome, "status_code": result.status_code,
                                  "rtt_ms": result.rtt_ms})
    SipTrunkHealthCheck.objects.bulk_create(rows, batch_size=1000)
    SipTrunk.objects.bulk_update(updated, ["health_status", "last_health_check"], batch_size=500)
    run.checked = len(rows)
    return run


# --- phone numbers -----------------------------------------------------------------------------------------

def phone_number_trunk_id(number: PhoneNumber) -> uuid.UUID | None:
    """The trunk a number rides on: settings["sip_trunk_id"], else provider_id for a sip_trunk number."""
    candidates = []
    if isinstance(number.settings, dict):
        candidates.append(number.settings.get("sip_trunk_id"))
    if number.acquisition_method == AcquisitionMethod.SIP_TRUNK:
        candidates.append(number.provider_id)
    for value in candidates:
        if not value:
            continue
        try:
            return uuid.UUID(str(value))
        except ValueError:
            continue
    return None


def phone_numbers_check_health(*, numbers: Iterable[PhoneNumber] | None = None, thresholds: Thresholds | None = None,
                               now: datetime | None = None) -> HealthRun:
    """Evaluate `numbers` (default: every active number) from their trunk and recent calls; record it."""
    thresholds = thresholds or Thresholds.from_settings()
    started = time.monotonic()
    number_list = list(numbers if numbers is not None
                       else PhoneNumber.objects.filter(status__in=CHECKED_NUMBER_STATUSES))
    run = _record_number_health(number_list, thresholds=thresholds, now=now)
    run.seconds = time.monotonic() - started
    return run


@transaction.atomic
def _record_number_health(numbers: list[PhoneNumber], *, thresholds: Thresholds, now: datetime | None) -> HealthRun:
    run = HealthRun()
    if not numbers:
        return run
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [NUMBER_LOCK])
    now = now or timezone.now()  # under the lock, as for trunks
    ids = [number.id for number in numbers]
    current = dict(PhoneNumber.objects.filter(id__in=ids).values_list("id", "health_status"))
    trunk_ids = {number.id: phone_number_trunk_id(number) for number in numbers}
    trunks = SipTrunk.objects.in_bulk({t for t in trunk_ids.values() if t})
    window = timedelta(minutes=thresholds.number_window_minutes)
    outcomes = call_outcomes.read(phone_number_ids=ids, since=now - window, until=now)
    periods = {row.phone_number_id: row for row in
               PhoneNumberHealthPeriod.objects.filter(phone_number_id__in=ids)
               .order_by("phone_number_id", "-since", "-id").distinct("phone_number_id")}
    new_periods, kept_periods, updated = [], [], []
    for number in numbers:
        if number.id not in current:
            continue
        trunk = trunks.get(trunk_ids[number.id])
        if trunk is not None and trunk.tenant_id != number.tenant_id:
            trunk = None  # another tenant's trunk is never a number's trunk
        counts = outcomes.get(number.id, CallOutcomes()) if outcomes is not None else None
        status, reason = number_status(
            trunk_health=trunk.health_status if trunk else None, trunk_name=trunk.name if trunk else "",
            trunk_active=trunk.status in CHECKED_TRUNK_STATUSES if trunk else True, outcomes=counts,
            thresholds=thresholds)
        reason = reason[:500]
        previous = current[number.id] or HealthStatus.UNKNOWN
        tallies = {"calls_total": counts.total if counts else 0, "calls_failed": counts.failed if counts else 0,
                   "calls_no_answer": counts.no_answer if counts else 0}
        period = periods.get(number.id)
        if period is not None and period.health_status == status and status == previous:
            period.last_checked_at, period.reason, period.sip_trunk_id = now, reason, trunk.id if trunk else None
            for name, value in tallies.items():
                setattr(period, name, value)
            kept_periods.append(period)
        else:
            new_periods.append(PhoneNumberHealthPeriod(
                phone_number_id=number.id, organization_id=number.organization_id, tenant_id=number.tenant_id,
                sip_trunk_id=trunk.id if trunk else None, since=now, last_checked_at=now, health_status=status,
                previous_health_status=previous, reason=reason, **tallies))
        number.health_status, number.last_health_check = status, now
        updated.append(number)
        run.by_status[status] += 1
        if status != previous:
            run.changes.append(HealthChange("phone_number", number.id, number.number, number.organization_id,
                                            number.tenant_id, previous, status, reason, now))
            audit_record(action="phone_number.health_change", instance=number, before={"health_status": previous},
                         after={"health_status": status}, reason=reason, details=tallies)
    PhoneNumberHealthPeriod.objects.bulk_create(new_periods, batch_size=1000)
    PhoneNumberHealthPeriod.objects.bulk_update(
        kept_periods, ["last_checked_at", "reason", "sip_trunk_id", "calls_total", "calls_failed", "calls_no_answer"],
        batch_size=500)
    PhoneNumber.objects.bulk_update(updated, ["health_status", "last_health_check"], batch_size=500)
    run.checked = len(updated)
    return run


# --- retention ---------------------------------------------------------------------------------------------

def health_history_prune(*, days: int | None = None, now: datetime | None = None, batch: int = 10_000) -> dict:
    """Delete trunk checks and number periods last seen more than `days` ago, in batches. Safe to re-run."""
    days = days if days is not None else Thresholds.from_settings().history_days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted = {"sip_trunk_health_checks": 0, "phone_number_health_periods": 0}
    for key, model, column in (("sip_trunk_health_checks", SipTrunkHealthCheck, "checked_at"),
                               ("phone_number_health_periods", PhoneNumberHealthPeriod, "last_checked_at")):
        while True:
            with transaction.atomic():
                ids = list(model.objects.filter(**{f"{column}__lt": cutoff}).values_list("id", flat=True)[:batch])
                if not ids:
                    break
                deleted[key] += model.objects.filter(id__in=ids).delete()[0]
    return deleted
