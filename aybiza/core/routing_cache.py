"""Cache generations for the call-routing snapshots (imports no app: every app's services bump them).

A routing snapshot (analytics/services/routing_snapshot.py) is the runtime configuration of one agent
version: prompt, voice/language/model configuration, tools with their JSON Schemas, workflows'
published versions. It is cached under a key that carries two generation counters:

- the organization's generation (its agents' versions, its tools and workflows), and
- the global generation (system tools, shared by every organization).

Invalidating is bumping a counter: every key built on the old value is never read again (it
expires on its TTL). Services call `invalidate_organization(...)` / `invalidate_all()` inside
their transaction; the bump runs on commit, so no reader can cache the old data under the new
generation, and it has run before the service's caller (the admin, the API response) goes on.
What changes per call (number, tenant, organization and agent status, the published version
and its experiment) is not cached at all: resolve reads it live in the same query that takes
the tenant's lock.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

PREFIX = "aybiza:routing:"
GLOBAL = f"{PREFIX}gen:global"


def _organization_key(organization_id) -> str:
    return f"{PREFIX}gen:org:{organization_id}"


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # not there (never set, or evicted): any new value differs from what readers used
        cache.set(key, _fresh(), timeout=None)


def _fresh() -> int:
    return time.time_ns()


def invalidate_organization(organization_id) -> None:
    """Forget the snapshots of this organization's agent versions (on commit of the caller's transaction)."""
    if organization_id is not None:
        transaction.on_commit(lambda: _bump(_organization_key(organization_id)))


def invalidate_all() -> None:
    """Forget every snapshot (a system tool changed), on commit."""
    transaction.on_commit(lambda: _bump(GLOBAL))


def snapshot_key(version_id, organization_id) -> str:
    """The cache key of a version's snapshot under the current generations (created if missing)."""
    org_key = _organization_key(organization_id)
    found = cache.get_many([GLOBAL, org_key])
    missing = {k: _fresh() for k in (GLOBAL, org_key) if k not in found}
    if missing:
        for key, value in missing.items():
            cache.add(key, value, timeout=None)  # add: a concurrent bump is never overwritten
        found = cache.get_many([GLOBAL, org_key])
    return f"{PREFIX}snap:{version_id}:{found.get(GLOBAL)}:{found.get(org_key)}"


def get(key: str):
    return cache.get(key)


def put(key: str, value) -> None:
    cache.set(key, value, timeout=settings.AYBIZA_ROUTING["SNAPSHOT_TTL_SECONDS"])
