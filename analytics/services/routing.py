"""Call routing for the voice runtime: which tenant, agent and agent version answer a dialed number.

`call_resolve(...)` is what `POST /api/v1/routing/resolve/` runs (docs/api.md, "Call routing").
It lives in analytics because resolving reserves capacity by creating the call row.

How capacity is exact
---------------------
A tenant's active calls are its `calls` rows with status initiated, ringing or answered that
started less than `AYBIZA_ROUTING["STALE_CALL_MINUTES"]` ago (the lifecycle the runtime already
reports through /calls/). Resolve's first statement takes the tenant row's lock (`FOR NO KEY UPDATE`),
the next counts, and, when there is room, creates the call row (`initiated`, with the runtime's
`call_sid`) before the lock is released at commit. Concurrent resolves of one tenant therefore
run one after the other between lock and commit: at the limit exactly the limit is admitted,
whatever the number of processes. The runtime then continues the same row with
`PATCH /api/v1/calls/{call_id}/` (ringing, answered, completed...), which frees the slot.
A call that never reports its end stops counting once it is older than the stale window, and
`expire_stale_calls` marks it failed (metadata.expired) so the books match.
A SIP trunk's limit (`sip_trunks.max_concurrent_calls`; a number is on a trunk when
`phone_numbers.settings.sip_trunk_id` names one of its tenant's trunks) is counted the same
way, under the same tenant lock.

Resolving the same `call_sid` again (a runtime retry) answers the call already created,
without taking a second slot.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Organization, Tenant
from agents import experiment_schema
from agents.models import Agent, AgentVersion
from aybiza.core.db.prepared import plan_once
from aybiza.core.db.rows import Columns, table_sql
from telephony import e164 as phone_numbers
from telephony.models import PhoneNumber, SipTrunk

from .ingestion import call_create, call_update
from ..models import Call
from .routing_snapshot import version_snapshot

ACTIVE = ("initiated", "ringing", "answered")
LIVE_TENANT = ("active", "trial")
LIVE_ORGANIZATION = ("active",)
AGENT_FIELDS = ("latency_optimization_level", "max_turn_time_ms", "interruption_threshold", "context_window_size",
                "temperature", "phone_integration_type", "edge_optimization")
CALL_COLUMNS = ("id", "call_sid", "status", "phone_number_id", "agent_version_id", "metadata", "tenant_id")
VERSION_COLUMNS = ("id", "version", "status", "is_published", "a_b_test_config", "agent_id")


@functools.cache
def _columns() -> tuple[Columns, ...]:
    """What resolve reads of the number, its owners, a call of the same call_sid and the published version
    (the wide JSON columns stay in the database)."""
    return (
        Columns(PhoneNumber, "p", ("id", "number", "status", "settings", "tenant_id", "organization_id", "agent_id")),
        Columns(Tenant, "t", ("id", "slug", "name", "status", "organization_id", "max_concurrent_calls")),
        Columns(Organization, "o", ("id", "status")),
        Columns(Agent, "a", ("id", "name", "status", "tenant_id", "organization_id", *AGENT_FIELDS)),
        Columns(Call, "c", CALL_COLUMNS),
        Columns(AgentVersion, "v", VERSION_COLUMNS),
    )


@functools.cache
def _route_sql(narrow: str) -> str:
    number, tenant, organization, agent, call, version = _columns()
    where = {
        "tenant": "AND p.tenant_id = %(owner)s",
        # The platform's organization (its runtime's key) resolves any number.
        "organization": f"""AND (p.organization_id = %(owner)s OR EXISTS (
            SELECT 1 FROM {organization.table} AS platform WHERE platform.id = %(owner)s AND platform.slug = %(platform)s))""",
        "": "",
    }
    return f"""
SELECT {number.sql}, {tenant.sql}, {organization.sql}, {agent.sql}, {call.sql}, {version.sql}
  FROM {number.table} AS p
  JOIN {tenant.table} AS t ON t.id = p.tenant_id
  JOIN {organization.table} AS o ON o.id = t.organization_id
  LEFT JOIN {agent.table} AS a ON a.id = p.agent_id
  LEFT JOIN LATERAL (SELECT {call.sql} FROM {call.table} AS c WHERE c.call_sid = %(call_sid)s LIMIT 1) AS c ON true
  LEFT JOIN LATERAL (SELECT {version.sql} FROM {version.table} AS v
                      WHERE v.agent_id = p.agent_id AND v.is_published AND v.status IN ('published', 'testing')
                      LIMIT 1) AS v ON true
 WHERE p.number = %(number)s {where[narrow]}
 LIMIT 1
   FOR NO KEY UPDATE OF t
"""


@dataclass
class ResolveRefused(Exception):
    """A machine-readable refusal: `code` is stable, `status` the HTTP status the API answers."""

    code: str
    message: str
    status: int = 409
    details: dict = field(default_factory=dict)

    def __str__(self):
        return self.message


def e164(value, name: str) -> str:
    """`value` as E.164 (ValidationError naming `name` unless it is a valid international number)."""
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > 32:
        raise ValidationError({name: "An E.164 phone number (+ and country code)."})
    number, problem = phone_numbers.normalize(value.strip())
    if problem == phone_numbers.UNPARSEABLE:
        raise ValidationError({name: "An E.164 phone number (+ and country code)."})
    if problem == phone_numbers.INVALID:
        raise ValidationError({name: "Not a valid phone number."})
    return number


def stale_before(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(minutes=settings.AYBIZA_ROUTING["STALE_CALL_MINUTES"])


def active_calls(*, tenant_id, now=None, trunk_id=None) -> int:
    """Calls of the tenant (or of one of its trunks) that hold a concurrency slot now."""
    now = now or timezone.now()
    if trunk_id is not None:
        return Call.objects.filter(tenant_id=tenant_id, status__in=ACTIVE, start_time__gte=stale_before(now),
                                   phone_number__settings__sip_trunk_id=str(trunk_id)).count()
    with plan_once() as cursor:  # the hot path of every resolve: no query to build, planned once
        # The statuses are written out, not a parameter: the partial index idx_calls_active_tenant
        # (WHERE status IN the same list) then serves the prepared statement's generic plan too.
        cursor.execute(f"SELECT count(*) FROM {table_sql(Call)} AS c "
                       f"WHERE c.tenant_id = %s AND c.status IN ({', '.join(repr(s) for s in ACTIVE)}) "
                       "AND c.start_time >= %s", [tenant_id, stale_before(now)])
        return cursor.fetchone()[0]


def _refuse(code: str, message: str, http: int = 409, **details):
    raise ResolveRefused(code, message, http, details)


@dataclass
class Route:
    number: PhoneNumber  # with .tenant (and its .organization) and .agent loaded
    existing_call: Call | None  # a call already made with this call_sid
    published: AgentVersion | None  # the agent's published version


def _route(number: str, call_sid: str, *, tenant_id, organization_id) -> Route:
    """Everything resolve needs to decide, in one statement (the numbers a key may resolve only).

    It also takes the tenant row's lock (FOR NO KEY UPDATE), so its status and limit are current."""
    if tenant_id is not None:
        narrow, owner = "tenant", tenant_id
    elif organization_id is not None:
        narrow, owner = "organization", organization_id
    else:
        narrow, owner = "", None
    with plan_once() as cursor:
        cursor.execute(_route_sql(narrow), {"number": number, "call_sid": call_sid, "owner": owner,
                                            "platform": settings.PLATFORM_ORGANIZATION_SLUG})
        values = cursor.fetchone()
    if values is None:
        _refuse("number_unknown", f"No phone number {number} is known here.", 404, number=number)
    loaded, start = [], 0
    for columns in _columns():
        loaded.append(columns.instance(values[start:start + len(columns)]))
        start += len(columns)
    row, tenant, organization, agent, existing, published = loaded
    tenant.organization = organization
    row.tenant, row.agent = tenant, agent
    if published is not None:
        published.agent = agent
    return Route(row, existing, published)


def _check_route(row: PhoneNumber) -> None:
    """The refusals that do not depend on capacity, in the order the runtime should read them."""
    tenant, organization, agent = row.tenant, row.tenant.organization, row.agent
    if row.status != "active":
        _refuse("number_inactive", f"Phone number {row.number} is {row.status}.", number=row.number, status=row.status)
    if organization.status not in LIVE_ORGANIZATION:
        _refuse("organization_suspended", f"The organization of this number is {organization.status}.",
                organization_status=organization.status)
    if tenant.status not in LIVE_TENANT:
        _refuse("tenant_suspended", f"The tenant of this number is {tenant.status}.", tenant_status=tenant.status)
    if agent is None:
        _refuse("no_agent", f"Phone number {row.number} has no agent assigned.", number=row.number)
    if agent.status != "active":
        _refuse("agent_inactive", f"Agent {agent.name} is {agent.status}.", agent_id=str(agent.id),
                agent_status=agent.status)


def _choose_version(agent, published: AgentVersion | None, caller: str, now) -> tuple[AgentVersion, dict | None]:
    """The published version, or the experiment's variant for this caller."""
    if published is None:
        _refuse("nothing_published", f"Agent {agent.name} has no published version.", agent_id=str(agent.id))
    config = published.a_b_test_config
    if not experiment_schema.is_running(config, now):
        return published, None
    versions = {v.id: v for v in AgentVersion.objects.filter(agent=agent, status__in=("published", "testing"))
                .only(*VERSION_COLUMNS)}
    chosen_id = experiment_schema.assign(config, caller)
    chosen = versions.get(uuid.UUID(chosen_id))
    experiment = {"experiment_id": config["experiment_id"], "variant_version_id": chosen_id,
                  "bucket": experiment_schema.bucket(config["experiment_id"], caller)}
    if chosen is None:  # the variant was archived since: its callers get the published version
        experiment["variant_version_id"] = str(published.id)
        experiment["fallback"] = True
        chosen = published
    return chosen, experiment


def _answer(call: Call, row: PhoneNumber, version_id, experiment, *, limit, active, trunk, trunk_active) -> dict:
    tenant, agent = row.tenant, row.agent
    snapshot = version_snapshot(version_id, tenant_id=tenant.id, organization_id=tenant.organization_id)
    return {
        "call_id": str(call.id),
        "call_sid": call.call_sid,
        "organization_id": str(tenant.organization_id),
        "tenant": {"id": str(tenant.id), "slug": tenant.slug, "name": tenant.name},
        "phone_number": {"id": str(row.id), "number": row.number, "settings": row.settings},
        "agent": {"id": str(agent.id), "name": agent.name,
                  **{name: _plain(getattr(agent, name)) for name in AGENT_FIELDS}},
        "agent_version": snapshot,
        "experiment": experiment,
        "concurrency": {"limit": limit, "active": active, "remaining": None if limit is None else max(limit - active, 0)},
        "trunk": None if trunk is None else {
            "id": str(trunk.id), "name": trunk.name, "limit": trunk.max_concurrent_calls, "active": trunk_active,
            "remaining": None if trunk.max_concurrent_calls is None else max(trunk.max_concurrent_calls - trunk_active, 0),
        },
    }


def _plain(value):
    return str(value) if hasattr(value, "as_tuple") else value  # Decimal -> str, as the API renders decimals


def _trunk_of(row: PhoneNumber) -> SipTrunk | None:
    value = row.settings.get("sip_trunk_id") if isinstance(row.settings, dict) else None
    try:
        trunk_id = uuid.UUID(str(value)) if value else None
    except ValueError:
        return None
    if trunk_id is None:
        return None
    return SipTrunk.objects.filter(pk=trunk_id, tenant_id=row.tenant_id).only(
        "id", "name", "max_concurrent_calls", "tenant_id").first()


@transaction.atomic
def call_resolve(
    *, to_number: str, from_number: str, call_sid: str, tenant_id=None, organization_id=None,
    actor=None, api_key=None, request=None, now=None,
) -> dict:
    """Route an incoming call: the answer for the runtime, and the call row that holds its slot.

    `tenant_id` / `organization_id` narrow which numbers the caller may resolve (a tenant key,
    an organization key); the platform's organization (PLATFORM_ORGANIZATION_SLUG, its runtime's
    key) and both None resolve any number. Raises
    ValidationError (bad input, naming the field) or ResolveRefused (code, status, details).
    """
    number = e164(to_number, "to")
    if not isinstance(from_number, str) or not from_number.strip() or len(from_number.strip()) > 20:
        raise ValidationError({"from": "The caller's number (E.164, or the carrier's text such as 'anonymous')."})
    caller = from_number.strip()
    try:
        caller = e164(caller, "from")
    except ValidationError:
        pass  # withheld or non-numeric caller ids are kept as sent: still a stable sticky key
    if not isinstance(call_sid, str) or not call_sid.strip() or len(call_sid) > 255:
        raise ValidationError({"call_sid": "The runtime's call id (1 to 255 characters)."})
    now = now or timezone.now()

    route = _route(number, call_sid, tenant_id=tenant_id, organization_id=organization_id)
    row = route.number
    if route.existing_call is not None:
        return _retry(route.existing_call, row, tenant_id=tenant_id, organization_id=organization_id, now=now)
    _check_route(row)
    version, experiment = _choose_version(row.agent, route.published, caller, now)

    # Capacity: the route statement took the tenant's lock, which orders concurrent resolves; counted
    # now (a later statement, so with a snapshot that sees every call committed before the lock was
    # granted) and reserved under it. The tenant's status and limit were read with the lock.
    limit = row.tenant.max_concurrent_calls
    active = active_calls(tenant_id=row.tenant_id, now=now)
    if limit is not None and active >= limit:
        _refuse("tenant_at_capacity", f"The tenant has {active} of {limit} concurrent calls (max_concurrent_calls).",
                429, limit=limit, active=active)
    trunk = _trunk_of(row)
    trunk_active = 0
    if trunk is not None:
        trunk_active = active_calls(tenant_id=row.tenant_id, now=now, trunk_id=trunk.id)
        if trunk.max_concurrent_calls is not None and trunk_active >= trunk.max_concurrent_calls:
            _refuse("trunk_at_capacity", f"SIP trunk {trunk.name} has {trunk_active} of {trunk.max_concurrent_calls} "
                    "concurrent calls.", 429, trunk_id=str(trunk.id), limit=trunk.max_concurrent_calls,
                    active=trunk_active)
    metadata = {"routing": {"resolved_at": now.isoformat()}}
    if experiment:
        metadata["routing"].update(experiment)
    call = call_create(
        tenant=row.tenant, actor=actor, api_key=api_key, request=request,
        call_sid=call_sid, direction="inbound", status="initiated", from_number=caller[:20], to_number=number,
        start_time=now, agent=row.agent, agent_version=version, phone_number=row, metadata=metadata,
    )
    return _answer(call, row, version.id, experiment, limit=limit, active=active + 1, trunk=trunk,
                   trunk_active=trunk_active + (1 if trunk else 0))


def _retry(call: Call, row: PhoneNumber, *, tenant_id, organization_id, now) -> dict:
    """The same call_sid again: the same answer if it is this number's live call; a refusal otherwise."""
    if call.phone_number_id != row.id or call.status not in ACTIVE or call.agent_version_id is None:
        _refuse("call_sid_conflict", "This call_sid is already used by another or a finished call.",
                call_sid=call.call_sid)
    experiment = (call.metadata or {}).get("routing") or {}
    experiment = {k: experiment[k] for k in ("experiment_id", "variant_version_id", "bucket", "fallback")
                  if k in experiment} or None
    limit = row.tenant.max_concurrent_calls
    active = active_calls(tenant_id=row.tenant_id, now=now)
    trunk = _trunk_of(row)
    trunk_active = active_calls(tenant_id=row.tenant_id, now=now, trunk_id=trunk.id) if trunk else 0
    return _answer(call, row, call.agent_version_id, experiment, limit=limit, active=active, trunk=trunk,
                   trunk_active=trunk_active)


def expire_stale_calls(*, now=None, actor=None) -> int:
    """Mark every call still initiated/ringing/answered past the stale window as failed; returns how many.

    Each goes through the call lifecycle service (its own transaction and audit row), with
    metadata.expired = true and end_time = now. Idempotent: a second run finds nothing.
    """
    now = now or timezone.now()
    minutes = settings.AYBIZA_ROUTING["STALE_CALL_MINUTES"]
    ids = list(Call.objects.filter(status__in=ACTIVE, start_time__lt=stale_before(now)).values_list("id", flat=True))
    done = 0
    for call_id in ids:
        with transaction.atomic():
            call = Call.objects.select_for_update().filter(pk=call_id, status__in=ACTIVE).first()
            if call is None:  # it reported its end meanwhile
                continue
            metadata = {**(call.metadata or {}), "expired": True,
                        "expired_reason": f"no end reported within {minutes} minutes"}
            call_update(call=call, actor=actor, changes={"status": "failed", "end_time": now, "metadata": metadata})
            done += 1
    return done
