"""Read replicas: stale-tolerant reads go to a streaming replica (docs/deploy.md, "Read replicas").

Replicas come from AYBIZA_REPLICA_URLS (settings: aliases ``replica_1``,
``replica_2``...). Nothing goes to a replica unless the code says the work
tolerates staleness::

    with replica_reads(client=client_key(request)) as alias:
        ...  # ORM reads in this block use `alias`: a healthy replica, or "default"

``ReplicaRouter`` then sends every read of the block to that alias and every
write to the primary, always. Which replica, if any:

- **read-your-writes**: a client (an API key, a signed-in user) whose last
  write (POST/PUT/PATCH/DELETE answered below 400, noted by
  ``ReadYourWritesMiddleware``) is less than READ_YOUR_WRITES_SECONDS old
  reads from the primary. The marker lives in Django's cache: with several
  processes it needs a shared cache (AYBIZA_CACHE_URL).
- **lag guard**: a replica that is unreachable, no longer in recovery, or
  further behind than MAX_LAG_SECONDS is skipped. Lag is measured on the
  replica against the primary (0 when its replay position has reached the
  primary's current WAL position, else the age of the last replayed
  transaction) at most every CHECK_SECONDS per process and alias.

Row-level security on a replica: ``tenant_context(..., using=alias)`` works
on a hot standby (SET LOCAL ROLE and set_config are allowed in read-only
transactions); the API's replica reads enter it (aybiza/api/replicas.py).
"""

from __future__ import annotations

import contextvars
import logging
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA_PREFIX = "replica_"
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
_MARKER = "aybiza:read-your-writes:{}"

# The alias reads of the current block go to (None: no replica_reads block: Django's default).
_read_alias: contextvars.ContextVar[str | None] = contextvars.ContextVar("aybiza_read_alias", default=None)


def replica_setting(name: str) -> float:
    return float(settings.AYBIZA_REPLICAS[name])


def replica_aliases() -> list[str]:
    return [alias for alias in connections.settings if alias.startswith(REPLICA_PREFIX)]


# --- read-your-writes ------------------------------------------------------------------

def client_key(request) -> str | None:
    """Who is asking: the API key of a DRF/Django request, else the signed-in user; None if anonymous."""
    request = getattr(request, "_request", request)
    principal = getattr(request, "aybiza_principal", None)
    if principal is not None:
        return f"key:{principal.api_key.pk}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


def note_write(client: str | None) -> None:
    """`client` just wrote: it reads from the primary for READ_YOUR_WRITES_SECONDS."""
    if client is None:
        return
    seconds = replica_setting("READ_YOUR_WRITES_SECONDS")
    cache.set(_MARKER.format(client), time.time() + seconds, timeout=max(1, int(seconds) + 1))


def wrote_recently(client: str | None) -> bool:
    if client is None:
        return False
    until = cache.get(_MARKER.format(client))
    return until is not None and until > time.time()


class ReadYourWritesMiddleware:
    """Notes the client of every successful write request (see note_write)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method in WRITE_METHODS and response.status_code < 400:
            note_write(client_key(request))
        return response


# --- lag guard -------------------------------------------------------------------------

@dataclass
class ReplicaHealth:
    checked_at: float
    state: str  # "ok", "lagging", "unreachable", "not_in_recovery"
    lag_seconds: float | None


_health: dict[str, ReplicaHealth] = {}
_health_lock = threading.Lock()

LAG_SQL = """
SELECT pg_is_in_recovery(),
       COALESCE(pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn()), 0),
       EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())
"""


def measure_lag(alias: str) -> ReplicaHealth:
    """Ask the replica how far its replay is behind the primary's current WAL position."""
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            primary_lsn = cursor.fetchone()[0]
        with connections[alias].cursor() as cursor:
            cursor.execute(LAG_SQL, [primary_lsn])
            in_recovery, behind_bytes, replay_age = cursor.fetchone()
    except DatabaseError:
        logger.warning("replica %s unreachable", alias, exc_info=True)
        try:
            connections[alias].close()
        except DatabaseError:
            pass
        return ReplicaHealth(time.monotonic(), "unreachable", None)
    if not in_recovery:
        return ReplicaHealth(time.monotonic(), "not_in_recovery", None)
    lag = 0.0 if behind_bytes <= 0 else float(replay_age if replay_age is not None else float("inf"))
    state = "ok" if lag <= replica_setting("MAX_LAG_SECONDS") else "lagging"
    return ReplicaHealth(time.monotonic(), state, lag)


def replica_health(alias: str) -> ReplicaHealth:
    """The replica's state, measured at most every CHECK_SECONDS (per process)."""
    with _health_lock:
        known = _health.get(alias)
    if known is not None and time.monotonic() - known.checked_at < replica_setting("CHECK_SECONDS"):
        return known
    health = measure_lag(alias)
    with _health_lock:
        _health[alias] = health
    return health


def replica_status(alias: str) -> str:
    return replica_health(alias).state


def forget_replica_health() -> None:
    """Measure every replica again on next use (tests; after a failover)."""
    with _health_lock:
        _health.clear()


# --- choosing and routing --------------------------------------------------------------

def choose_replica(client: str | None = None) -> str:
    """A healthy replica for stale-tolerant reads of `client`, else "default"."""
    if wrote_recently(client):
        return DEFAULT_DB_ALIAS
    healthy = [alias for alias in replica_aliases() if replica_status(alias) == "ok"]
    return random.choice(healthy) if healthy else DEFAULT_DB_ALIAS


@contextmanager
def replica_reads(*, client: str | None = None) -> Iterator[str]:
    """ORM reads in this block may be served by a replica (the work tolerates staleness).

    Yields the alias chosen. Writes still go to the primary. Nested blocks keep
    the outer choice.
    """
    active = _read_alias.get()
    if active is not None:
        yield active
        return
    alias = choose_replica(client)
    token = _read_alias.set(alias)
    try:
        yield alias
    finally:
        _read_alias.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return _read_alias.get()  # None: Django's default (the primary, or the instance's own database)

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS  # even for an instance read from a replica

    def allow_relation(self, obj1, obj2, **hints):
        databases = {DEFAULT_DB_ALIAS, *replica_aliases()}
        if obj1._state.db in databases and obj2._state.db in databases:
            return True  # the same data
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db.startswith(REPLICA_PREFIX) else None
