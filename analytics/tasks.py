"""Periodic jobs over the time-series tables (docs/operations.md, "Jobs").

Both are the management commands' work (refresh_rollups, enforce_retention), safe to repeat; the lock
named after the task keeps two workers from running them at once.
"""

import logging

from procrastinate.contrib.django import app

from aybiza.core import timeseries
from aybiza.core.jobs import job_options

logger = logging.getLogger("aybiza.core.jobs")


@app.task(name="analytics.refresh_rollups", **job_options(lock="analytics.refresh_rollups"))
def refresh_rollups(timestamp: int | None = None) -> dict:
    """Refresh the application-kept rollups. Continuous aggregates are left to TimescaleDB's own policies."""
    done = {}
    for name, rollup in timeseries.rollups().items():
        if timeseries.is_continuous_aggregate(rollup):
            continue
        result = timeseries.refresh_rollup(name)
        done[name] = result.rows_written
        logger.info("%s", result.summary())
    return done


@app.task(name="analytics.enforce_retention", **job_options(lock="analytics.enforce_retention"))
def enforce_retention(timestamp: int | None = None) -> dict:
    """Delete time-series rows past the spec's retention (or leave it to TimescaleDB's policies)."""
    done = {}
    for table in timeseries.retention_tables():
        result = timeseries.enforce_retention(table)
        done[table.relation] = result.rows_deleted + result.related_rows_deleted
        logger.info("%s", result.summary())
    return done
