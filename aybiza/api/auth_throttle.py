"""Per-client-address throttle on failed authentication: guessing keys or passwords costs the guesser.

Each failed authentication (unknown, malformed, revoked or expired API key;
wrong admin password or code) from an address counts in a fixed window of
AYBIZA_API["AUTH_FAILURE_WINDOW_SECONDS"] (300) per scope ("api", "admin"):
one `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` on
security.auth_failure_counters, exact across processes and hosts. Past
AYBIZA_API["AUTH_FAILURE_LIMIT"] (30) failures the address is refused with
429 until the window ends, for every authentication attempt of that scope
(a valid key included: an address that guesses is not served).

A refused address is also remembered in this process (`_blocked`), so its
further attempts cost no database round trip at all, not even a key lookup.
"""

from __future__ import annotations

import math
import threading
import time

from django.db import connection

from .conf import api_setting

SQL = """
INSERT INTO security.auth_failure_counters AS c (address, scope, window_start, count)
VALUES (%(address)s, %(scope)s,
        to_timestamp(floor(extract(epoch FROM now()) / %(window)s) * %(window)s), 1)
ON CONFLICT (address, scope) DO UPDATE SET
    count = CASE WHEN c.window_start <> EXCLUDED.window_start THEN 1 ELSE c.count + 1 END,
    window_start = EXCLUDED.window_start
RETURNING count, extract(epoch FROM (window_start + make_interval(secs => %(window)s) - now()))
"""

_lock = threading.Lock()
_blocked: dict[tuple[str, str], float] = {}  # (scope, address) -> monotonic deadline


def limit() -> int:
    return int(api_setting("AUTH_FAILURE_LIMIT"))


def window() -> int:
    return int(api_setting("AUTH_FAILURE_WINDOW_SECONDS"))


def retry_after(address: str | None, scope: str) -> int:
    """Seconds this address must wait (0: it may try)."""
    if not address:
        return 0
    with _lock:
        deadline = _blocked.get((scope, address))
        if deadline is None:
            return 0
        left = deadline - time.monotonic()
        if left <= 0:
            del _blocked[(scope, address)]
            return 0
    return max(1, math.ceil(left))


def record_failure(address: str | None, scope: str) -> int:
    """Count one failure; the seconds to wait when the address is now over the limit, else 0."""
    if not address:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(SQL, {"address": address[:64], "scope": scope, "window": window()})
        count, left = cursor.fetchone()
    if count <= limit():
        return 0
    left = max(1.0, float(left))
    with _lock:
        _blocked[(scope, address)] = time.monotonic() + left
    return math.ceil(left)


def clear() -> None:
    """Forget the in-process blocks (tests)."""
    with _lock:
        _blocked.clear()
