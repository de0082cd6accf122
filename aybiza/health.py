"""Health endpoints for load balancers and orchestrators (docs/deploy.md).

- ``GET /healthz`` (liveness): the process answers and the primary database
  runs a cheap query (``SELECT 1``). 200 ``{"status": "ok", ...}`` or 503
  ``{"status": "unavailable", ...}``.
- ``GET /readyz`` (readiness): the same, plus every migration applied (a new
  release is not sent traffic before ``migrate`` ran) and the read replicas'
  state (a lagging or unreachable replica does not make the process unready:
  the router reads from the primary instead; it is reported).

Answered by a middleware placed first: no authentication, no rate limit, no
session, no host check (probes often use an IP address as Host) and no HTTPS
redirect (probes often talk plain HTTP to the instance). The bodies carry
states only: never a host name, a setting or an exception's text.
"""

from __future__ import annotations

import json
import logging

from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse

from aybiza.core.db.routers import replica_aliases, replica_status

logger = logging.getLogger(__name__)

PATHS = ("/healthz", "/healthz/", "/readyz", "/readyz/")
_migrations_done = False  # once true in a process it stays true (migrations are never unapplied live)


def _json(status: int, body: dict) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


def database_ok(alias: str = "default") -> bool:
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        logger.warning("health check: database %s unreachable", alias, exc_info=True)
        connection.close_if_unusable_or_obsolete()
        try:
            connection.close()
        except DatabaseError:
            pass
        return False


def migrations_applied() -> bool:
    global _migrations_done
    if not _migrations_done:
        connection = connections["default"]
        executor = MigrationExecutor(connection)
        _migrations_done = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return _migrations_done


def healthz() -> HttpResponse:
    ok = database_ok()
    return _json(200 if ok else 503, {"status": "ok" if ok else "unavailable", "database": "ok" if ok else "error"})


def readyz() -> HttpResponse:
    checks = {"database": "ok" if database_ok() else "error"}
    if checks["database"] == "ok":
        try:
            checks["migrations"] = "ok" if migrations_applied() else "pending"
        except DatabaseError:
            checks["migrations"] = "error"
    replicas = {alias: replica_status(alias) for alias in replica_aliases()}
    ready = all(value == "ok" for value in checks.values())
    body = {"status": "ready" if ready else "unavailable", **checks}
    if replicas:
        body["replicas"] = replicas
    return _json(200 if ready else 503, body)


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path in PATHS and request.method in ("GET", "HEAD"):
            return healthz() if request.path.startswith("/healthz") else readyz()
        return self.get_response(request)
