"""security.api_access_logs: one row per API request, written off the request path.

The middleware appends a row to an in-process buffer after the response is
built; a background thread writes the buffer with one COPY every
ACCESS_LOG_FLUSH_SECONDS (or sooner when BATCH rows are waiting), on its own
connection. A request therefore never waits for its log row, and a busy
server writes thousands of rows per round trip instead of one per request.
The price: rows still buffered when a process is killed (SIGKILL, OOM) are
lost, at most about one flush interval's worth; a clean exit flushes (atexit).
If the database refuses a batch it is logged and dropped, never retried in a
loop; the buffer is bounded (MAX_BUFFER) so an outage cannot eat the memory.

Mode "manual" (the tests) starts no thread: `flush()` writes on the caller's
connection, inside the caller's transaction.
"""

from __future__ import annotations

import atexit
import json
import logging
import threading

from django.db import connections

from .conf import api_setting

logger = logging.getLogger("aybiza.api.accesslog")

COLUMNS = (
    "id", "timestamp", "organization_id", "tenant_id", "user_id", "api_key_id", "endpoint", "method",
    "status_code", "response_time_ms", "request_size_bytes", "response_size_bytes", "ip_address",
    "user_agent", "request_id", "request_body_hash", "rate_limited", "cached_response", "error_details",
)
BATCH = 1000
MAX_BUFFER = 100_000

_lock = threading.Lock()
_rows: list[tuple] = []
_wake = threading.Event()
_thread: threading.Thread | None = None
dropped = 0


def record(row: dict) -> None:
    global dropped
    if _thread is None:
        start()
    values = tuple(row.get(c) for c in COLUMNS)
    with _lock:
        if len(_rows) >= MAX_BUFFER:
            dropped += 1
            return
        _rows.append(values)
        if len(_rows) >= BATCH:
            _wake.set()


def pending() -> int:
    with _lock:
        return len(_rows)


def clear() -> None:
    with _lock:
        _rows.clear()


def _take() -> list[tuple]:
    with _lock:
        rows = _rows[:]
        _rows.clear()
    return rows


def write(rows: list[tuple], using: str = "default") -> None:
    connection = connections[using]
    connection.ensure_connection()
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY security.api_access_logs ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row[:-1] + (json.dumps(row[-1] or {}),))


def flush(using: str = "default") -> int:
    """Write every buffered row now, on this thread's connection. Returns how many."""
    rows = _take()
    if rows:
        write(rows, using)
    return len(rows)


def _run() -> None:
    interval = float(api_setting("ACCESS_LOG_FLUSH_SECONDS"))
    while True:
        _wake.wait(interval)
        _wake.clear()
        if api_setting("ACCESS_LOG_MODE") != "background":
            continue  # switched to manual (tests): leave the rows to flush()
        rows = _take()
        if not rows:
            continue
        try:
            write(rows)
        except Exception:  # noqa: BLE001 - never let logging kill the thread
            logger.exception("dropped %d api_access_logs rows", len(rows))
            connections["default"].close()


def _at_exit() -> None:
    try:
        flush()
    except Exception:  # noqa: BLE001
        logger.exception("could not flush api_access_logs at exit")


def start() -> None:
    """Start the writer thread (mode "background"); idempotent."""
    global _thread
    if api_setting("ACCESS_LOG_MODE") != "background" or _thread is not None:
        return
    _thread = threading.Thread(target=_run, name="api-access-log-writer", daemon=True)
    _thread.start()
    atexit.register(_at_exit)
