"""security.api_access_logs: one row per API request, written off the request path.

The middleware appends a row to an in-process buffer after the response is
built; a background thread writes the buffer with one COPY every
ACCESS_LOG_FLUSH_SECONDS (or sooner when BATCH rows are waiting), on its own
connection. A request therefore never waits for its log row, and a busy
server writes thousands of rows per round trip instead of one per request.
The price: rows still buffered when a process is killed (SIGKILL, OOM) are
lost, at most about one flush interval's worth; a clean exit flushes (atexit).
Text is sanitised on the way in (`clean_row`: NUL and lone surrogates
replaced, lengths cut to the columns), so a hostile path or User-Agent cannot
make PostgreSQL refuse a row. Should the database still refuse a batch, its
rows are written one by one (each in a savepoint) and only the refused row is
logged and dropped, never the others; nothing is retried in a loop; the
buffer is bounded (MAX_BUFFER) so an outage cannot eat the memory.

Mode "manual" (the tests) starts no thread: `flush()` writes on the caller's
connection, inside the caller's transaction.
"""

from __future__ import annotations

import atexit
import json
import logging
import threading

from django.db import InterfaceError, OperationalError, connections, transaction

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


LENGTHS = {"endpoint": 255, "method": 10, "user_agent": 2000}


def _clean_text(value: str) -> str:
    return value.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")


def _clean_json(value):
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, dict):
        return {_clean_text(str(k)): _clean_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean_json(v) for v in value]
    return value


def clean_row(row: dict) -> tuple:
    """The row's values in COLUMNS order, every text storable (no NUL, no lone surrogate, cut to length)."""
    values = []
    for column in COLUMNS:
        value = row.get(column)
        if isinstance(value, str):
            value = _clean_text(value)[: LENGTHS.get(column, 10_000)]
        elif column == "error_details":
            value = _clean_json(value or {})
        values.append(value)
    return tuple(values)


def record(row: dict) -> None:
    global dropped
    if _thread is None:
        start()
    values = clean_row(row)
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


def _copy(rows: list[tuple], using: str) -> None:
    connection = connections[using]
    connection.ensure_connection()
    with transaction.atomic(using=using), connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY security.api_access_logs ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row[:-1] + (json.dumps(row[-1] or {}),))


def write(rows: list[tuple], using: str = "default") -> int:
    """COPY the rows; if the batch is refused, each row on its own so one bad row loses only itself.

    Returns how many rows were written.
    """
    global dropped
    try:
        _copy(rows, using)
        return len(rows)
    except (OperationalError, InterfaceError):
        raise  # the database is unreachable: no row can be written, do not try each
    except Exception:  # noqa: BLE001 - a refused row: find the bad row(s), keep the others
        if len(rows) == 1:
            dropped += 1
            logger.exception("dropped an api_access_logs row (%s %s)", rows[0][7], rows[0][6])
            return 0
    written = 0
    for row in rows:
        written += write([row], using)
    return written


def flush(using: str = "default") -> int:
    """Write every buffered row now, on this thread's connection. Returns how many."""
    rows = _take()
    return write(rows, using) if rows else 0


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
        except Exception:  # noqa: BLE001 - never let logging kill the thread (e.g. the database is down)
            logger.exception("dropped %d api_access_logs rows", len(rows))
            connections["default"].close()
        finally:
            # What Django does after each request: a connection left broken or inside a transaction is
            # closed (rolled back), so this long-lived thread never holds locks between batches.
            connections["default"].close_if_unusable_or_obsolete()


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
