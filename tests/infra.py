"""Real infrastructure for the topology tests: PgBouncer, a streaming replica, throwaway clusters.

Everything runs on this machine, on loopback or Unix sockets, as the embedded
server's system user (PostgreSQL and PgBouncer refuse to run as root), and is
stopped by the fixture that started it.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg

from aybiza.core.db import backups

PGBOUNCER_POOL_SIZE = 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scratch_dir(prefix: str) -> Path:
    """A short path (Unix socket names are limited to ~100 bytes) the PostgreSQL user owns."""
    path = Path(tempfile.mkdtemp(prefix=f"aybiza-{prefix}-"))
    path.chmod(0o755)
    return backups.own(path)


def pgbouncer_binary() -> str | None:
    return shutil.which("pgbouncer") or next((p for p in ("/usr/sbin/pgbouncer",) if Path(p).exists()), None)


@dataclass
class PgBouncer:
    process: subprocess.Popen
    port: int
    directory: Path
    pool_size: int

    def connect(self, dbname: str, **kwargs) -> psycopg.Connection:
        # No server-side prepared statements: consecutive transactions may use different server connections.
        return psycopg.connect(host="127.0.0.1", port=self.port, dbname=dbname, user="postgres",
                               prepare_threshold=None, **kwargs)

    def django_settings(self, base: dict) -> dict:
        """Django DATABASES entry for the same database, through this PgBouncer."""
        from aybiza.settings import pooled_database_settings

        pooled = pooled_database_settings()
        return {**base, "HOST": "127.0.0.1", "PORT": str(self.port), **{k: v for k, v in pooled.items() if k != "OPTIONS"},
                "OPTIONS": {**base.get("OPTIONS", {}), **pooled["OPTIONS"]}}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # SIGINT: safe shutdown
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        shutil.rmtree(self.directory, ignore_errors=True)

    def log(self) -> str:
        path = self.directory / "pgbouncer.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def start_pgbouncer(*, server_host: str, server_port: int | str, pool_size: int = PGBOUNCER_POOL_SIZE) -> PgBouncer:
    """PgBouncer in transaction pooling mode in front of the server at server_host (a socket directory)."""
    binary = pgbouncer_binary()
    if binary is None:
        raise FileNotFoundError("pgbouncer is not installed (./dev test installs Debian's package when run as root)")
    directory = scratch_dir("pgbouncer")
    port = free_port()
    (directory / "users.txt").write_text('"postgres" ""\n')
    (directory / "pgbouncer.ini").write_text(f"""[databases]
* = host={server_host} port={server_port} user=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {directory}/users.txt
pool_mode = transaction
default_pool_size = {pool_size}
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = 200
max_db_connections = {pool_size}
server_reset_query =
ignore_startup_parameters = extra_float_digits
logfile = {directory}/pgbouncer.log
pidfile = {directory}/pgbouncer.pid
admin_users = postgres
""")
    backups.own(directory)
    process = subprocess.Popen([binary, str(directory / "pgbouncer.ini")], user=backups.system_user(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, cwd="/")
    bouncer = PgBouncer(process, port, directory, pool_size)

    def ready():
        if process.poll() is not None:
            raise RuntimeError(f"pgbouncer exited ({process.returncode}): {bouncer.log()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            return False

    try:
        backups.wait_until(ready, timeout=15, what="pgbouncer to listen")
    except Exception:
        bouncer.stop()
        raise
    return bouncer


@dataclass
class Replica:
    datadir: Path
    socket_dir: Path
    port: int

    def connect(self, dbname: str, **kwargs) -> psycopg.Connection:
        return psycopg.connect(host=str(self.socket_dir), port=self.port, dbname=dbname, user="postgres",
                               autocommit=True, **kwargs)

    def django_settings(self, base: dict) -> dict:
        return {**base, "HOST": str(self.socket_dir), "PORT": str(self.port)}

    def stop(self) -> None:
        try:
            backups.stop(self.datadir, mode="immediate")
        finally:
            shutil.rmtree(self.datadir.parent, ignore_errors=True)


def start_replica(*, primary_host: str, primary_port: int | str, dbname: str) -> Replica:
    """A hot standby of the primary (pg_basebackup -R), on its own socket and port, streaming."""
    root = scratch_dir("replica")
    datadir, socket_dir, port = root / "data", root / "sock", free_port()
    backups.base_backup(host=primary_host, port=primary_port, into=datadir, standby=True, label="aybiza-test-replica")
    backups.set_config(datadir, {"hot_standby": "on", "hot_standby_feedback": "on"})
    replica = Replica(datadir, socket_dir, port)
    try:
        backups.start(datadir, port=port, socket_dir=socket_dir)

        def streaming():
            with replica.connect(dbname) as conn:
                return conn.execute("SELECT status = 'streaming' FROM pg_stat_wal_receiver").fetchone() == (True,)

        backups.wait_until(streaming, timeout=30, what="the replica to stream")
    except Exception:
        replica.stop()
        raise
    return replica
