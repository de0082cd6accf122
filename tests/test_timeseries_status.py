"""manage.py timeseries_status: mode, hypertables, rollups and jobs, in whichever mode the database is."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from aybiza.core import timeseries


def status_json():
    out = StringIO()
    call_command("timeseries_status", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_report_lists_every_hypertable_rollup_and_job(db):
    report = status_json()
    assert report["mode"] in (timeseries.POSTGRESQL, timeseries.TIMESCALEDB, timeseries.TIMESCALEDB_APACHE)
    assert [h["table"] for h in report["hypertables"]] == [t.relation for t in timeseries.hypertables()]
    assert [r["rollup"] for r in report["rollups"]] == [r.relation for r in timeseries.rollups().values()]
    # Every rollup and every retention interval is covered by some job (Timescale's or a command).
    relations = {job["relation"] for job in report["jobs"]}
    for rollup in timeseries.rollups().values():
        assert rollup.relation in relations
    for table in timeseries.retention_tables():
        assert table.relation in relations


def test_plain_mode_report(db):
    if timeseries.mode() != timeseries.POSTGRESQL:
        pytest.skip("the database has TimescaleDB (see tests/test_timescale.py)")
    out = StringIO()
    call_command("timeseries_status", stdout=out)
    text = out.getvalue()
    assert "Mode: plain PostgreSQL" in text
    assert "0/7 hypertable(s), 3 rollup(s), 8 job(s)." in text
    assert "call_analytics.call_analytics_hourly" in text and "application rollup" in text
    assert "[manage.py enforce_retention] retention security.audit_logs" in text
    report = status_json()
    assert report["timescaledb_version"] is None and report["timescaledb_license"] is None
    assert not any(h["hypertable"] for h in report["hypertables"])


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("clean_spec_tables")
def test_report_shows_last_refresh_and_pending_buckets(world):
    import datetime as dt

    org = world.organization("org-status")
    tenant = world.tenant(org, "tenant-status")
    world.call(tenant, dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC))
    entry = next(r for r in status_json()["rollups"] if r["rollup"] == "call_analytics.call_analytics_hourly")
    assert entry["pending_buckets"] == 1 and entry["last_refresh"] is None
    timeseries.refresh_rollup("call_analytics_hourly")
    entry = next(r for r in status_json()["rollups"] if r["rollup"] == "call_analytics.call_analytics_hourly")
    assert entry["pending_buckets"] == 0 and entry["last_refresh"] and entry["last_status"] == "success"
