"""Running a unit of work as one tenant, or as an organization's admin (docs/row-level-security.md).

The spec's seven tenant tables (tenants, users, agents, phone_numbers, calls,
workflows, tools) have row-level security, enabled and FORCED, with policies
for two NOLOGIN roles:

- ``application_role``: rows whose tenant is ``app.current_tenant_id``
  (for ``tenants`` itself: the row whose id it is);
- ``admin_role``: rows whose organization is ``app.current_organization_id``.

Both fail closed: with the setting unset or empty, no row matches and no
error is raised.

``tenant_context()`` / ``organization_context()`` are the one way tenant code
reaches the database::

    with tenant_context(tenant_id):
        Agent.objects.all()          # only this tenant's agents, enforced by PostgreSQL

Each validates its argument BEFORE any tenant query runs (a valid UUID; the
tenant exists and is active or on trial, its organization active) and opens
a transaction in which one statement checks the statuses and, only when they
allow it, sets the role and settings with ``set_config(..., true)`` (a local
``SET ROLE``). All of
it ends with the transaction, so nothing survives into the connection's next
transaction: the pattern PgBouncer's transaction pooling needs. Nested in a
caller's transaction, the previous role and settings are put back when the
block ends.

Ops staff (the Django admin) and management commands do not use these: they
run as the connection's own role (the tables' owner), which bypasses RLS.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connections, transaction

from .db.prepared import plan_once

APPLICATION_ROLE = "application_role"
ADMIN_ROLE = "admin_role"
TENANT_SETTING = "app.current_tenant_id"
ORGANIZATION_SETTING = "app.current_organization_id"

ALLOWED_TENANT_STATUSES = ("active", "trial")
ALLOWED_ORGANIZATION_STATUSES = ("active",)


class TenantContextError(ValueError):
    """The tenant/organization context was refused; no query ran as it."""


@dataclass(frozen=True)
class Context:
    role: str
    tenant_id: uuid.UUID | None
    organization_id: uuid.UUID


_current: contextvars.ContextVar[dict[str, Context]] = contextvars.ContextVar("aybiza_tenant_context", default={})


def current_context(using: str = "default") -> Context | None:
    """The context active on this connection alias in this thread/task, if any."""
    return _current.get().get(using)


def _parse(value, what: str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise TenantContextError(f"{what} must be a UUID, got {value!r}") from None


def _allowed(statuses: tuple[str, ...]) -> str:
    return ", ".join(f"'{status}'" for status in statuses)


# Validation and the switch are ONE statement (one round trip per request): the CASE sets the
# role and settings only when the statuses allow it, so a refused context never runs as the
# tenant, and Python then reads the statuses to raise the precise refusal.
_SWITCH = "set_config('role', %(role)s::text, true) || set_config(%(tenant_setting)s::text, %(tenant)s::text, true) " \
          "|| set_config(%(organization_setting)s::text, {organization}, true)"
_TENANT_SWITCH = f"""
SELECT s.tenant_status, s.organization_id, s.organization_status,
       CASE WHEN s.tenant_status IN ({_allowed(ALLOWED_TENANT_STATUSES)})
             AND s.organization_status IN ({_allowed(ALLOWED_ORGANIZATION_STATUSES)})
            THEN {_SWITCH.format(organization="s.organization_id::text")} END
  FROM public.aybiza_tenant_status(%(tenant_id)s::uuid) AS s
"""
_ORGANIZATION_SWITCH = f"""
SELECT s.status,
       CASE WHEN s.status IN ({_allowed(ALLOWED_ORGANIZATION_STATUSES)})
            THEN {_SWITCH.format(organization="%(organization)s::text")} END
  FROM public.aybiza_organization_status(%(organization_id)s::uuid) AS s(status)
"""


def _switch(connection, sql: str, role: str, tenant: uuid.UUID | None, organization: uuid.UUID | None):
    with plan_once(connection.alias) as cursor:  # planned once per connection: every API request runs it
        cursor.execute(sql, {"role": role, "tenant_setting": TENANT_SETTING, "tenant": str(tenant or ""),
                             "organization_setting": ORGANIZATION_SETTING, "organization": str(organization or ""),
                             "tenant_id": tenant, "organization_id": organization})
        return cursor.fetchone()


def _enter_tenant(connection, tenant_id: uuid.UUID) -> uuid.UUID:
    """Validate the tenant and, when it may act, switch to it; its organization id."""
    row = _switch(connection, _TENANT_SWITCH, APPLICATION_ROLE, tenant_id, None)
    if row is None:
        raise TenantContextError(f"tenant {tenant_id} does not exist")
    tenant_status, organization_id, organization_status, switched = row
    if tenant_status not in ALLOWED_TENANT_STATUSES:
        raise TenantContextError(f"tenant {tenant_id} is {tenant_status}, not active")
    if organization_status not in ALLOWED_ORGANIZATION_STATUSES:
        raise TenantContextError(f"the organization of tenant {tenant_id} is {organization_status}, not active")
    if switched is None:  # the SQL refused what the checks above allow: never run as the tenant
        raise TenantContextError(f"tenant {tenant_id} was not switched to")
    return organization_id


def _enter_organization(connection, organization_id: uuid.UUID) -> uuid.UUID:
    """Validate the organization and, when it may act, switch to its admin; its id."""
    status, switched = _switch(connection, _ORGANIZATION_SWITCH, ADMIN_ROLE, None, organization_id)
    if status is None:
        raise TenantContextError(f"organization {organization_id} does not exist")
    if status not in ALLOWED_ORGANIZATION_STATUSES:
        raise TenantContextError(f"organization {organization_id} is {status}, not active")
    if switched is None:
        raise TenantContextError(f"organization {organization_id} was not switched to")
    return organization_id


@contextmanager
def _run_as(role: str, tenant: uuid.UUID | None, organization: uuid.UUID | None, enter, using: str) -> Iterator[Context]:
    active = current_context(using)
    if active is not None:
        if active.role == role and active.tenant_id == tenant and organization in (None, active.organization_id):
            yield active  # re-entering the same context: already in force
            return
        raise TenantContextError(
            f"a {active.role} context (tenant {active.tenant_id}, organization {active.organization_id}) "
            "is already active; another one cannot be nested inside it"
        )
    connection = connections[using]
    nested = connection.in_atomic_block
    with transaction.atomic(using=using):
        if nested:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT current_setting('role'), current_setting(%s, true), current_setting(%s, true)",
                    [TENANT_SETTING, ORGANIZATION_SETTING],
                )
                previous = cursor.fetchone()
        # Validated and switched in one statement, run as the connection's own role.
        context = Context(role, tenant, enter(connection))
        token = _current.set({**_current.get(), using: context})
        try:
            yield context
        finally:
            _current.reset(token)
        if nested:
            # The caller's transaction goes on: put back what was there before.
            # (On an exception the savepoint's rollback undoes the SET LOCALs.)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('role', %s, true), set_config(%s, %s, true), set_config(%s, %s, true)",
                    [previous[0], TENANT_SETTING, previous[1] or "", ORGANIZATION_SETTING, previous[2] or ""],
                )


@contextmanager
def tenant_context(tenant_id, *, using: str = "default") -> Iterator[Context]:
    """Run the block as `tenant_id` (role application_role); every query sees only its rows."""
    tenant = _parse(tenant_id, "tenant id")
    with _run_as(APPLICATION_ROLE, tenant, None, lambda connection: _enter_tenant(connection, tenant), using) as context:
        yield context


@contextmanager
def organization_context(organization_id, *, using: str = "default") -> Iterator[Context]:
    """Run the block as an admin of `organization_id` (role admin_role): all its tenants, no other's."""
    organization = _parse(organization_id, "organization id")

    with _run_as(ADMIN_ROLE, None, organization, lambda connection: _enter_organization(connection, organization),
                 using) as context:
        yield context
