"""Row-level security on calls; privileges on call_analytics (docs/row-level-security.md).

detailed_metrics, call_analytics and the rollups carry no RLS (continuous
aggregates and columnstore refuse it, decisions.md): the API scopes them.
"""

from django.db import migrations

from aybiza.core.migration_sql import rls_v1 as rls

GRANTS, REVOKES = rls.grants_sql("call_analytics")
CALLS, CALLS_REVERSE = rls.rls_sql("call_analytics.calls")


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0003_timeseries"),
        ("accounts", "0003_row_level_security"),
    ]

    operations = [
        migrations.RunSQL(GRANTS, reverse_sql=REVOKES),
        migrations.RunSQL(CALLS, reverse_sql=CALLS_REVERSE),
    ]
