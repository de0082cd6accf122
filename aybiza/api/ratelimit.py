"""Per-key rate limits (api_keys.rate_limit), exact across processes, threads and hosts.

The shared store is PostgreSQL itself: security.api_rate_windows holds one row per key with its
current fixed windows (minute, hour, day), their counts and the key's total. Each request runs
ONE statement, in the function security.api_rate_hit (migration api 0004; PL/pgSQL, so it is
planned once per database session):

    INSERT ... VALUES (key, this minute, this hour, this day, ...)
    ON CONFLICT (api_key_id) DO UPDATE
        SET <period>_count = CASE new window -> 1 | at the limit -> unchanged | else count + 1 END, ...
    RETURNING ...

The row lock PostgreSQL takes for ON CONFLICT DO UPDATE serializes concurrent requests of one
key, so a window never admits more than its limit, however many workers hammer it. A request
is admitted when no period is over its limit. A refused request leaves the refusing window
unchanged but takes one unit of a window that still had room (it never lets more through,
only fewer).

Run on its own (the throttle runs before the request's transaction), the count commits with
synchronous_commit off for that transaction only: no request waits for a WAL flush to be counted;
a database crash may forget the last fraction of a second of counts.

The same statement keeps api_keys.usage_count / last_used_at: `total` counts every
authenticated request, and the key row is updated from it at most once per
USAGE_WRITE_INTERVAL_SECONDS (a conditional UPDATE in the same statement), so a busy key does
not turn its api_keys row into a hot spot. last_used_at is therefore up to that interval stale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from rest_framework.throttling import BaseThrottle

from aybiza.core.audit import security_event_record
from aybiza.core.db.prepared import plan_once

from .conf import api_setting
from .principal import Principal

PERIODS = (("minute", "requests_per_minute"), ("hour", "requests_per_hour"), ("day", "requests_per_day"))
LENGTH = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}
UNLIMITED = 2**62

SQL = "SELECT h.* FROM security.api_rate_hit(%(key)s, %(minute)s::bigint, %(hour)s::bigint, %(day)s::bigint, " \
      "%(interval)s::integer) AS h"
# Run on its own (autocommit, as the throttle is: before the request's transaction), the count
# commits without waiting for the WAL to reach disk: a database crash may forget the last fraction
# of a second of counts (a key gets a few more requests in that window), never anything else.
ASYNC_SQL = SQL + ", set_config('synchronous_commit', 'off', true) AS async_commit"
RETURNED = 4 * len(PERIODS) + 1  # count, refused, over, window start of each period; then the database's now()


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    period: str | None = None  # the refusing period
    limit: int | None = None
    remaining: int | None = None  # in the tightest window
    retry_after: int = 0
    first_refusal: bool = False  # the first refusal of this window (record a security event once)


def _limit(rate_limit: dict, name: str) -> int:
    value = (rate_limit or {}).get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        return UNLIMITED
    return value


def hit(api_key) -> Verdict:
    """Count one request of `api_key` and say whether it is admitted."""
    limits = {name: _limit(api_key.rate_limit, setting) for name, setting in PERIODS}
    with plan_once() as cursor:
        # Inside a caller's transaction the setting would also apply to its other writes: not then.
        sql = SQL if cursor.db.in_atomic_block else ASYNC_SQL
        cursor.execute(sql, {**limits, "key": api_key.pk, "interval": api_setting("USAGE_WRITE_INTERVAL_SECONDS")})
        row = cursor.fetchone()[:RETURNED]  # the function's columns (not the setting's)
    now = row[-1]
    remaining, tightest = None, None
    for n, (period, _) in enumerate(PERIODS):
        count, refused, over, window_start = row[4 * n:4 * n + 4]
        limit = limits[period]
        if over or count > limit:
            wait = window_start + LENGTH[period] - now
            return Verdict(False, period, limit, 0, max(1, math.ceil(wait.total_seconds())), refused == 1 or not over)
        left = limit - count
        if limit < UNLIMITED and (remaining is None or left < remaining):
            remaining, tightest = left, limit
    return Verdict(True, limit=tightest, remaining=remaining)


def record_refusal(principal: Principal, verdict: Verdict, request) -> None:
    """A rate_limit_exceeded security event, once per key and window."""
    security_event_record(
        organization_id=principal.organization_id, tenant_id=principal.tenant_id, api_key=principal.api_key,
        event_type="rate_limit_exceeded", severity="medium", source="api", ip_address=principal.ip,
        details={"period": verdict.period, "limit": verdict.limit, "path": request.path[:255],
                 "method": request.method},
    )


class ApiKeyRateThrottle(BaseThrottle):
    def allow_request(self, request, view):
        principal = request.auth
        if not isinstance(principal, Principal):
            return True
        verdict = hit(principal.api_key)
        request._request.aybiza_rate = verdict
        if verdict.allowed:
            return True
        request._request.aybiza_rate_limited = True
        if verdict.first_refusal:
            record_refusal(principal, verdict, request)
        self._wait = verdict.retry_after
        return False

    def wait(self):
        return getattr(self, "_wait", None)
