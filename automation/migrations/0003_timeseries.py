"""TimescaleDB configuration of the spec for automation_engine (docs/timeseries.md).

execution_logs: hypertable (1-day chunks), columnstore after 7 days,
retention 1 year (TSL). node_executions keeps no database FK to it
(decisions.md); manage.py enforce_retention removes the node_executions of
logs that retention dropped.
"""

from django.db import migrations

from aybiza.core.migration_sql import timeseries_v1 as ts


class Migration(migrations.Migration):
    dependencies = [
        ("automation", "0002_spec_indexes"),
        ("analytics", "0003_timeseries"),
    ]

    operations = [
        ts.hypertables(("automation_engine.execution_logs", "1 day")),
        ts.compression_and_retention(("automation_engine.execution_logs", "1 year", True)),
    ]
