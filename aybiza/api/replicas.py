"""Stale-tolerant API reads from a read replica (aybiza/core/db/routers.py, docs/deploy.md).

``ReplicaReadsMixin`` runs the actions named in ``replica_actions`` (by
default ``list``) with their ORM reads on a healthy replica, unless the key
wrote in the last seconds (read-your-writes). The key's row-level-security
context is entered on the replica's connection too, so PostgreSQL enforces
tenant isolation there exactly as on the primary.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS

from aybiza.core.db.routers import client_key, replica_reads
from aybiza.core.tenancy import organization_context, tenant_context


@contextmanager
def principal_on_replica(request, principal):
    """Reads of the block on a replica (or the primary), in `principal`'s RLS context on that connection."""
    with replica_reads(client=client_key(request)) as alias:
        if alias == DEFAULT_DB_ALIAS:
            yield alias  # the request's own context on the primary is already in force
            return
        if principal.is_organization:
            context = organization_context(principal.organization_id, using=alias)
        else:
            context = tenant_context(principal.tenant_id, using=alias)
        with context:
            yield alias


class ReplicaReadsMixin:
    replica_actions: tuple[str, ...] = ("list",)

    def read_on_replica(self, handler, request, *args, **kwargs):
        with principal_on_replica(request, self.principal):
            return handler(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        if "list" in self.replica_actions:
            return self.read_on_replica(super().list, request, *args, **kwargs)
        return super().list(request, *args, **kwargs)
