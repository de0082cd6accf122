"""Time-series upkeep shared by both database modes (see docs/timeseries.md).

The database is in one of three modes, decided by the migrations from what
the server offers and detected here from what the database has:

- ``timescaledb``: the extension with the Timescale License. The seven spec
  hypertables, columnstore (compression), retention policies, and the
  continuous aggregates ``security_events_daily`` and
  ``performance_metrics_hourly`` with refresh policies, all run by
  Timescale's job scheduler.
- ``timescaledb-apache``: the Apache-only build. Hypertables only; rollups and
  retention are the application's, as in plain mode.
- ``postgresql``: no extension (the embedded default and CI). The same tables;
  the rollups are regular tables kept by the application.

``call_analytics_hourly`` is an application rollup in every mode: its source,
``calls``, has row-level security, which continuous aggregates refuse.

Application rollups are refreshed incrementally. Statement-level triggers on
each source table (installed by the migrations) append the bucket of every
inserted, updated or deleted row to ``public.timeseries_invalidations`` (the
same idea as Timescale's own invalidation log); a refresh claims those
buckets, recomputes exactly them (DELETE + INSERT ... SELECT ... GROUP BY in
one transaction) and records what it did in ``public.timeseries_state``.
Writers never wait on the log (it is append-only, with no unique index), and
a refresh costs in proportion to the buckets touched since the last one.

Retention in modes without Timescale policies deletes rows older than the
spec's intervals in batches. Those deletes do not invalidate rollups: as with
Timescale's ``drop_chunks``, aggregates outlive the raw rows they summarise.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection, transaction

from .tenancy import current_context

TIMESCALEDB = "timescaledb"
TIMESCALEDB_APACHE = "timescaledb-apache"
POSTGRESQL = "postgresql"

# time_bucket()'s default origin (a Monday); for hour and day buckets any
# UTC midnight gives the same buckets, so date_bin() here equals time_bucket().
BUCKET_ORIGIN = "2000-01-03 00:00:00+00"

# Set (SET LOCAL) while retention deletes rows: the triggers then record no
# invalidation, so rollups keep the figures of rows that aged out.
RETENTION_GUC = "aybiza.retention_in_progress"

COMPRESS_AFTER = "7 days"


def _relation(model) -> str:
    """schema.table of a model whose db_table is 'schema"."table' (aybiza/core/db/columns.py)."""
    return model._meta.db_table.replace('"."', ".")


class _Declared:
    """A fact a model declares as a class attribute; Django hands it the model (contribute_to_class)."""

    model = None

    def contribute_to_class(self, cls, name):
        object.__setattr__(self, "model", cls)
        setattr(cls, name, self)

    @property
    def relation(self) -> str:
        return _relation(self.model)

    @property
    def schema(self) -> str:
        return self.relation.split(".")[0]

    @property
    def name(self) -> str:
        return self.relation.split(".")[1]


@dataclass(frozen=True)
class Dependent:
    """Rows of another table that belong to a hypertable's rows with no foreign key.

    (A FK to a hypertable would block drop_chunks.) Retention deletes them with
    their parent rows, and removes those whose parent a Timescale policy dropped.
    """

    relation: str  # schema.table
    column: str  # the column holding the parent's id
    time_column: str  # orphans older than the retention cutoff are removed by this column


@dataclass(frozen=True, eq=False)
class Hypertable(_Declared):
    """Declared on the model of a spec hypertable::

        hypertable = Hypertable(chunk_interval="1 hour", compress=True, retention="2 years")
    """

    chunk_interval: str
    compress: bool  # columnstore after COMPRESS_AFTER (TimescaleDB with the Timescale License)
    retention: str | None  # the spec's retention interval; None: kept
    time_column: str = "timestamp"
    dependent: Dependent | None = None


@dataclass(frozen=True, eq=False)
class Rollup(_Declared):
    """Declared on the model of a spec rollup (a continuous aggregate or the application's table)::

        rollup = Rollup(source="analytics.DetailedMetric", time_column="timestamp", width="1 hour", ...)

    The rollup's columns are its model's, in order: the bucket, then `group_by`,
    then one per expression of `aggregates`.
    """

    source: str  # the source model's label
    time_column: str
    width: str
    group_by: tuple[str, ...]
    aggregates: str
    where: str = ""
    # Timescale may keep it as a continuous aggregate (TSL build only).
    can_be_cagg: bool = True

    @property
    def source_relation(self) -> str:
        return _relation(apps.get_model(self.source))

    @property
    def columns(self) -> list[str]:
        return [f.column for f in self.model._meta.concrete_fields]

    @property
    def bucket_column(self) -> str:
        return self.columns[0]

    def recompute_sql(self) -> str:
        """INSERT the figures of the buckets in %(buckets)s (a timestamptz[])."""
        where = f"AND ({self.where})" if self.where else ""
        group = ", ".join(self.group_by)
        return f"""
            INSERT INTO {self.relation} ({", ".join(self.columns)})
            SELECT date_bin(INTERVAL '{self.width}', s.{_q(self.time_column)}, TIMESTAMPTZ '{BUCKET_ORIGIN}') AS {self.bucket_column},
                   {group}, {self.aggregates}
            FROM {self.source_relation} s
            JOIN unnest(%(buckets)s::timestamptz[]) AS b(bucket)
              ON s.{_q(self.time_column)} >= b.bucket AND s.{_q(self.time_column)} < b.bucket + INTERVAL '{self.width}'
            WHERE true {where}
            GROUP BY 1, {group}
        """


def _declared(kind) -> list:
    return [value for model in apps.get_models() for value in vars(model).values() if isinstance(value, kind)]


def hypertables() -> list[Hypertable]:
    """The hypertables the models declare, in app and model order."""
    return _declared(Hypertable)


def hypertable(name: str) -> Hypertable:
    for item in hypertables():
        if name in (item.relation, item.name):
            return item
    raise KeyError(name)


def rollups() -> dict[str, Rollup]:
    """The rollups the models declare, by table name."""
    return {rollup.name: rollup for rollup in _declared(Rollup)}


def _q(name: str) -> str:
    return f'"{name}"'


# --------------------------------------------------------------------------
# Mode detection
# --------------------------------------------------------------------------


def _scalar(cursor, sql: str, params=None):
    cursor.execute(sql, params or [])
    row = cursor.fetchone()
    return row[0] if row else None


def timescaledb_version(using=None) -> str | None:
    with (using or connection).cursor() as cursor:
        return _scalar(cursor, "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'")


def timescaledb_license(using=None) -> str | None:
    with (using or connection).cursor() as cursor:
        return _scalar(cursor, "SELECT current_setting('timescaledb.license', true)")


def mode(using=None) -> str:
    """The mode this database was migrated into (see the module docstring)."""
    if timescaledb_version(using) is None:
        return POSTGRESQL
    return TIMESCALEDB if timescaledb_license(using) == "timescale" else TIMESCALEDB_APACHE


def is_continuous_aggregate(rollup: Rollup, using=None) -> bool:
    if timescaledb_version(using) is None:
        return False
    schema, name = rollup.relation.split(".")
    with (using or connection).cursor() as cursor:
        return bool(
            _scalar(
                cursor,
                "SELECT 1 FROM timescaledb_information.continuous_aggregates WHERE view_schema = %s AND view_name = %s",
                [schema, name],
            )
        )


def retention_job(table: Hypertable, using=None) -> dict | None:
    """The Timescale retention policy of `table`, if it has one."""
    if timescaledb_version(using) is None:
        return None
    with (using or connection).cursor() as cursor:
        cursor.execute(
            """SELECT j.job_id, j.schedule_interval, j.config->>'drop_after', s.last_run_started_at, s.last_run_status
               FROM timescaledb_information.jobs j
               LEFT JOIN timescaledb_information.job_stats s USING (job_id)
               WHERE j.proc_name = 'policy_retention' AND j.hypertable_schema = %s AND j.hypertable_name = %s""",
            [table.schema, table.name],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip(("job_id", "schedule_interval", "drop_after", "last_run_started_at", "last_run_status"), row))


# --------------------------------------------------------------------------
# Run bookkeeping (public.timeseries_state)
# --------------------------------------------------------------------------


def _record(name: str, kind: str, started: dt.datetime, status: str, rows: int, detail: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO public.timeseries_state AS t (name, kind, last_run_started_at, last_run_finished_at, last_run_status, last_rows, last_detail)
               VALUES (%s, %s, %s, clock_timestamp(), %s, %s, %s)
               ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind,
                   last_run_started_at = EXCLUDED.last_run_started_at, last_run_finished_at = EXCLUDED.last_run_finished_at,
                   last_run_status = EXCLUDED.last_run_status, last_rows = EXCLUDED.last_rows, last_detail = EXCLUDED.last_detail""",
            [name, kind, started, status, rows, detail],
        )


def state(name: str) -> dict | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT kind, last_run_started_at, last_run_finished_at, last_run_status, last_rows, last_detail "
            "FROM public.timeseries_state WHERE name = %s",
            [name],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip(("kind", "last_run_started_at", "last_run_finished_at", "last_run_status", "last_rows", "last_detail"), row))


def _now() -> dt.datetime:
    with connection.cursor() as cursor:
        return _scalar(cursor, "SELECT clock_timestamp()")


# --------------------------------------------------------------------------
# Rollup refresh
# --------------------------------------------------------------------------


@dataclass
class RefreshResult:
    rollup: str
    method: str  # "incremental" or "continuous aggregate"
    buckets: list[dt.datetime] = field(default_factory=list)
    rows_deleted: int = 0
    rows_written: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        if self.method == "continuous aggregate":
            return f"{self.rollup}: refreshed by TimescaleDB (refresh_continuous_aggregate) in {self.seconds:.2f}s"
        return (
            f"{self.rollup}: {len(self.buckets)} bucket(s) recomputed, {self.rows_deleted} row(s) removed, "
            f"{self.rows_written} row(s) written in {self.seconds:.2f}s"
        )


def pending_buckets(rollup: Rollup) -> int:
    with connection.cursor() as cursor:
        return _scalar(
            cursor, "SELECT count(DISTINCT bucket) FROM public.timeseries_invalidations WHERE rollup = %s", [rollup.name]
        )


def _refresh_batch(rollup: Rollup, batch_size: int, result: RefreshResult) -> int:
    """Claim up to `batch_size` invalidated buckets and recompute them, in one transaction."""
    with transaction.atomic(), connection.cursor() as cursor:
        # One refresher per rollup at a time (two could otherwise both rewrite a bucket).
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"aybiza.rollup.{rollup.name}"])
        cursor.execute(
            """WITH pick AS (
                   SELECT DISTINCT bucket FROM public.timeseries_invalidations
                   WHERE rollup = %(rollup)s ORDER BY bucket LIMIT %(limit)s),
               claimed AS (
                   DELETE FROM public.timeseries_invalidations i USING pick
                   WHERE i.rollup = %(rollup)s AND i.bucket = pick.bucket RETURNING i.bucket)
               SELECT DISTINCT bucket FROM claimed ORDER BY bucket""",
            {"rollup": rollup.name, "limit": batch_size},
        )
        buckets = [row[0] for row in cursor.fetchall()]
        if not buckets:
            return 0
        cursor.execute(
            f"DELETE FROM {rollup.relation} WHERE {rollup.bucket_column} = ANY(%(buckets)s::timestamptz[])",
            {"buckets": buckets},
        )
        result.rows_deleted += cursor.rowcount
        cursor.execute(rollup.recompute_sql(), {"buckets": buckets})
        result.rows_written += cursor.rowcount
        result.buckets.extend(buckets)
        return len(buckets)


def refresh_rollup(
    name: str, *, batch_size: int = 168, progress: Callable[[int], None] | None = None
) -> RefreshResult:
    """Bring one rollup up to date with its source; safe to run at any time.

    A continuous aggregate is refreshed by TimescaleDB over its whole range
    (it only recomputes what its invalidation log marks); this cannot run
    inside a transaction. An application rollup recomputes its invalidated
    buckets, `batch_size` buckets per transaction.
    """
    rollup = rollups()[name]
    _refuse_tenant_context("refresh a rollup")
    started = _now()
    clock = time.monotonic()
    if is_continuous_aggregate(rollup):
        if connection.in_atomic_block:
            raise RuntimeError(
                f"{name} is a TimescaleDB continuous aggregate: refresh_continuous_aggregate cannot run inside a transaction"
            )
        result = RefreshResult(name, "continuous aggregate")
        with connection.cursor() as cursor:
            cursor.execute("CALL refresh_continuous_aggregate(%s::regclass, NULL, NULL)", [rollup.relation])
        result.seconds = time.monotonic() - clock
        _record(name, "rollup", started, "success", 0, result.summary())
        return result
    result = RefreshResult(name, "incremental")
    try:
        while True:
            done = _refresh_batch(rollup, batch_size, result)
            if not done:
                break
            if progress:
                progress(done)
    except Exception as exc:
        _record_failure(name, "rollup", started, exc)
        raise
    result.seconds = time.monotonic() - clock
    _record(name, "rollup", started, "success", result.rows_written, result.summary())
    return result


def _refuse_tenant_context(what: str) -> None:
    if current_context() is not None:
        # Under RLS it would see (and aggregate or delete) one tenant's rows only.
        raise RuntimeError(f"cannot {what} inside a tenant/organization context; run it as the owner")


def _record_failure(name: str, kind: str, started: dt.datetime, exc: Exception) -> None:
    if connection.needs_rollback or (connection.in_atomic_block and connection.get_rollback()):
        return  # the outer transaction is broken; nothing can be written now
    _record(name, kind, started, "failure", 0, f"{type(exc).__name__}: {exc}"[:1000])


# --------------------------------------------------------------------------
# Retention
# --------------------------------------------------------------------------


@dataclass
class RetentionResult:
    table: str
    method: str  # "delete", "timescaledb policy", "drop_chunks", "dry run"
    interval: str
    cutoff: dt.datetime | None = None
    rows_deleted: int = 0
    chunks_dropped: int = 0
    related_rows_deleted: int = 0  # the table's dependent rows (Hypertable.dependent) deleted with it
    dependent: str = ""  # their table's name
    detail: str = ""

    def summary(self) -> str:
        base = f"{self.table}: keep {self.interval}"
        if self.method == "timescaledb policy":
            return f"{base}; handled by TimescaleDB ({self.detail})" + (
                f"; {self.related_rows_deleted} orphaned {self.dependent} removed" if self.related_rows_deleted else ""
            )
        if self.method == "drop_chunks":
            return f"{base}; {self.chunks_dropped} chunk(s) dropped" + (
                f"; {self.related_rows_deleted} orphaned {self.dependent} removed" if self.related_rows_deleted else ""
            )
        if self.method == "dry run":
            return f"{base}; {self.rows_deleted} row(s) older than {self.cutoff:%Y-%m-%d %H:%M} would be deleted"
        extra = f" (+{self.related_rows_deleted} {self.dependent})" if self.related_rows_deleted else ""
        return f"{base}; {self.rows_deleted} row(s) older than {self.cutoff:%Y-%m-%d %H:%M} deleted{extra}"


def retention_tables() -> list[Hypertable]:
    return [table for table in hypertables() if table.retention]


def _cutoff(interval: str, now: dt.datetime | None) -> dt.datetime:
    with connection.cursor() as cursor:
        return _scalar(cursor, "SELECT COALESCE(%s, clock_timestamp()) - %s::interval", [now, interval])


def _delete_batches(table: Hypertable, cutoff: dt.datetime, batch_size: int) -> Iterator[tuple[int, int]]:
    """Delete rows older than `cutoff`, one transaction per batch; yield (rows, dependent rows) per batch."""
    time_col = _q(table.time_column)
    # By primary key (id, "timestamp"), not ctid: on a hypertable a ctid is
    # only unique within one chunk.
    batch = (
        f"(id, {time_col}) IN (SELECT id, {time_col} FROM {table.relation} "
        f"WHERE {time_col} < %(cutoff)s LIMIT %(limit)s)"
    )
    dependent = table.dependent
    if dependent is not None:
        # The dependent rows have no FK to the hypertable: remove them with their parent.
        sql = f"""WITH gone AS (DELETE FROM {table.relation} WHERE {batch} RETURNING id),
                  children AS (
                      DELETE FROM {dependent.relation} n USING gone WHERE n.{_q(dependent.column)} = gone.id RETURNING 1)
                  SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM children)"""
    else:
        sql = f"""WITH gone AS (DELETE FROM {table.relation} WHERE {batch} RETURNING 1)
                  SELECT count(*), 0 FROM gone"""
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL {RETENTION_GUC} = on")
            cursor.execute(sql, {"cutoff": cutoff, "limit": batch_size})
            rows, children = cursor.fetchone()
        if rows == 0:
            return
        yield rows, children
        if rows < batch_size:
            return


def delete_orphaned_dependents(table: Hypertable, cutoff: dt.datetime, batch_size: int) -> int:
    """Dependent rows whose parent was dropped (by a Timescale retention policy)."""
    dependent = table.dependent
    total = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"""DELETE FROM {dependent.relation} WHERE ctid = ANY(ARRAY(
                       SELECT n.ctid FROM {dependent.relation} n
                       WHERE n.{_q(dependent.time_column)} < %(cutoff)s
                         AND NOT EXISTS (SELECT 1 FROM {table.relation} e WHERE e.id = n.{_q(dependent.column)})
                       LIMIT %(limit)s))""",
                {"cutoff": cutoff, "limit": batch_size},
            )
            deleted = cursor.rowcount
        total += deleted
        if deleted < batch_size:
            return total


def enforce_retention(
    table: Hypertable,
    *,
    batch_size: int = 10_000,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    drop_chunks_now: bool = False,
    use_policies: bool = True,
    progress: Callable[[int], None] | None = None,
) -> RetentionResult:
    """Apply the spec's retention interval to one hypertable; safe to run at any time.

    Where TimescaleDB has a retention policy for the table, the policy does
    the work (or, with `drop_chunks_now`, drop_chunks runs at once); else the
    rows older than the interval are deleted in batches of `batch_size`.
    """
    assert table.retention
    _refuse_tenant_context("enforce retention")
    started = _now()
    cutoff = _cutoff(table.retention, now)
    result = RetentionResult(table.relation, "delete", table.retention, cutoff,
                             dependent=table.dependent.relation.split(".")[1] if table.dependent else "")
    job = retention_job(table) if use_policies else None
    try:
        if dry_run:
            result.method = "dry run"
            with connection.cursor() as cursor:
                result.rows_deleted = _scalar(
                    cursor, f"SELECT count(*) FROM {table.relation} WHERE {_q(table.time_column)} < %s", [cutoff]
                )
            return result
        if job is not None:
            if drop_chunks_now:
                result.method = "drop_chunks"
                with connection.cursor() as cursor:
                    cursor.execute("SELECT count(*) FROM drop_chunks(%s::regclass, older_than => %s::timestamptz)", [table.relation, cutoff])
                    result.chunks_dropped = cursor.fetchone()[0]
            else:
                result.method = "timescaledb policy"
                result.detail = (
                    f"retention job {job['job_id']}, every {job['schedule_interval']}, "
                    f"last run {job['last_run_started_at'] or 'never'} ({job['last_run_status'] or 'n/a'})"
                )
            if table.dependent is not None:
                result.related_rows_deleted = delete_orphaned_dependents(table, cutoff, batch_size)
        else:
            for rows, children in _delete_batches(table, cutoff, batch_size):
                result.rows_deleted += rows
                result.related_rows_deleted += children
                if progress:
                    progress(rows)
    except Exception as exc:
        _record_failure(f"retention:{table.relation}", "retention", started, exc)
        raise
    _record(
        f"retention:{table.relation}", "retention", started, "success",
        result.rows_deleted + result.related_rows_deleted, result.summary(),
    )
    return result


# --------------------------------------------------------------------------
# Status report
# --------------------------------------------------------------------------


def status() -> dict:
    """What `manage.py timeseries_status` prints, as data."""
    version = timescaledb_version()
    report: dict = {
        "mode": mode(),
        "timescaledb_version": version,
        "timescaledb_license": timescaledb_license() if version else None,
        "hypertables": [],
        "rollups": [],
        "jobs": [],
    }
    with connection.cursor() as cursor:
        for table in hypertables():
            entry = {
                "table": table.relation,
                "chunk_interval": table.chunk_interval,
                "hypertable": False,
                "chunks": None,
                "compressed_chunks": None,
                "compression": "n/a",
            }
            if version:
                cursor.execute(
                    """SELECT h.num_chunks, h.compression_enabled,
                              (SELECT count(*) FROM timescaledb_information.chunks c
                               WHERE c.hypertable_schema = h.hypertable_schema AND c.hypertable_name = h.hypertable_name
                                 AND c.is_compressed)
                       FROM timescaledb_information.hypertables h
                       WHERE h.hypertable_schema = %s AND h.hypertable_name = %s""",
                    [table.schema, table.name],
                )
                row = cursor.fetchone()
                if row:
                    entry.update(hypertable=True, chunks=row[0], compressed_chunks=row[2],
                                 compression="enabled" if row[1] else "disabled")
            report["hypertables"].append(entry)
        for rollup in rollups().values():
            entry = {"rollup": rollup.relation, "kind": "application rollup", "last_refresh": None,
                     "last_status": None, "pending_buckets": None, "detail": None}
            if is_continuous_aggregate(rollup):
                schema, name = rollup.relation.split(".")
                cursor.execute(
                    """SELECT ca.materialized_only, s.last_successful_finish, s.last_run_status
                       FROM timescaledb_information.continuous_aggregates ca
                       LEFT JOIN timescaledb_information.jobs j
                         ON j.hypertable_schema = ca.view_schema AND j.hypertable_name = ca.view_name
                        AND j.proc_name = 'policy_refresh_continuous_aggregate'
                       LEFT JOIN timescaledb_information.job_stats s ON s.job_id = j.job_id
                       WHERE ca.view_schema = %s AND ca.view_name = %s""",
                    [schema, name],
                )
                materialized_only, finished, job_status = cursor.fetchone()
                entry["kind"] = "continuous aggregate" + (" (materialized only)" if materialized_only else " (real time)")
                manual = state(rollup.name)
                candidates = [t for t in (finished, manual and manual["last_run_finished_at"]) if t]
                entry["last_refresh"] = max(candidates) if candidates else None
                entry["last_status"] = job_status or (manual and manual["last_run_status"])
            else:
                recorded = state(rollup.name)
                if recorded:
                    entry.update(last_refresh=recorded["last_run_finished_at"], last_status=recorded["last_run_status"],
                                 detail=recorded["last_detail"])
                entry["pending_buckets"] = pending_buckets(rollup)
            report["rollups"].append(entry)
        if version:
            cursor.execute(
                """SELECT j.job_id, j.application_name, j.proc_name,
                          COALESCE(j.hypertable_schema || '.' || j.hypertable_name, ''), j.schedule_interval::text,
                          j.config::text, s.last_run_started_at, s.last_run_status, s.next_start
                   FROM timescaledb_information.jobs j
                   LEFT JOIN timescaledb_information.job_stats s USING (job_id)
                   ORDER BY j.job_id"""
            )
            for row in cursor.fetchall():
                report["jobs"].append(dict(zip(
                    ("job", "name", "proc", "relation", "schedule", "config", "last_run", "last_status", "next_start"), row
                )))
        # Application jobs (run by manage.py commands, scheduled outside the database).
        for rollup in rollups().values():
            if not is_continuous_aggregate(rollup):
                recorded = state(rollup.name) or {}
                report["jobs"].append({
                    "job": "manage.py refresh_rollups", "name": f"refresh {rollup.relation}", "proc": "refresh_rollups",
                    "relation": rollup.relation, "schedule": "cron/systemd timer (suggested: 15 minutes)",
                    "config": f"incremental, bucket {rollup.width}", "last_run": recorded.get("last_run_started_at"),
                    "last_status": recorded.get("last_run_status"), "next_start": None,
                })
        for table in retention_tables():
            if retention_job(table) is None:
                recorded = state(f"retention:{table.relation}") or {}
                report["jobs"].append({
                    "job": "manage.py enforce_retention", "name": f"retention {table.relation}", "proc": "enforce_retention",
                    "relation": table.relation, "schedule": "cron/systemd timer (suggested: 1 day)",
                    "config": f"drop_after {table.retention}", "last_run": recorded.get("last_run_started_at"),
                    "last_status": recorded.get("last_run_status"), "next_start": None,
                })
    return report
