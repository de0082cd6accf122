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
tenant exists and is active or on trial, its organization active), then
opens a transaction, ``SET LOCAL ROLE`` and ``set_config(..., true)``. All of
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


def _tenant_check(connection, tenant_id: uuid.UUID) -> uuid.UUID:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tenant_status, organization_id, organization_status FROM public.aybiza_tenant_status(%s)", [tenant_id])
        row = cursor.fetchone()
    if row is None:
        raise TenantContextError(f"tenant {tenant_id} does not exist")
    tenant_status, organization_id, organization_status = row
    if tenant_status not in ALLOWED_TENANT_STATUSES:
        raise TenantContextError(f"tenant {tenant_id} is {tenant_status}, not active")
    if organization_status not in ALLOWED_ORGANIZATION_STATUSES:
        raise TenantContextError(f"the organization of tenant {tenant_id} is {organization_status}, not active")
    return organization_id


def _organization_check(connection, organization_id: uuid.UUID) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT public.aybiza_organization_status(%s)", [organization_id])
        status = cursor.fetchone()[0]
    if status is None:
        raise TenantContextError(f"organization {organization_id} does not exist")
    if status not in ALLOWED_ORGANIZATION_STATUSES:
        raise TenantContextError(f"organization {organization_id} is {status}, not active")


@contextmanager
def _run_as(role: str, tenant: uuid.UUID | None, organization: uuid.UUID | None, validate, using: str) -> Iterator[Context]:
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
        # Validated as the connection's own role, before the switch: a refused
        # context never runs a query as the tenant.
        context = Context(role, tenant, validate(connection))
        with connection.cursor() as cursor:
            if nested:
                cursor.execute(
                    "SELECT current_setting('role'), current_setting(%s, true), current_setting(%s, true)",
                    [TENANT_SETTING, ORGANIZATION_SETTING],
                )
                previous = cursor.fetchone()
            cursor.execute(f"SET LOCAL ROLE {role}")
            cursor.execute(
                "SELECT set_config(%s, %s, true), set_config(%s, %s, true)",
                [TENANT_SETTING, str(tenant or ""), ORGANIZATION_SETTING, str(context.organization_id)],
            )
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
    with _run_as(APPLICATION_ROLE, tenant, None, lambda connection: _tenant_check(connection, tenant), using) as context:
        yield context


@contextmanager
def organization_context(organization_id, *, using: str = "default") -> Iterator[Context]:
    """Run the block as an admin of `organization_id` (role admin_role): all its tenants, no other's."""
    organization = _parse(organization_id, "organization id")

    def validate(connection):
        _organization_check(connection, organization)
        return organization

    with _run_as(ADMIN_ROLE, None, organization, validate, using) as context:
        yield context
