"""Row-level security on workflows and tools; privileges on automation_engine (docs/row-level-security.md).

System tools (no tenant, no organization) are readable, not writable, by
every tenant and organization admin (policy system_read_tools).
"""

from django.db import migrations

from aybiza.core.migration_sql import rls_v1 as rls

GRANTS, REVOKES = rls.grants_sql("automation_engine")
WORKFLOWS, WORKFLOWS_REVERSE = rls.rls_sql("automation_engine.workflows")
TOOLS, TOOLS_REVERSE = rls.rls_sql("automation_engine.tools", nullable_tenant=True, system_rows_readable=True)


class Migration(migrations.Migration):
    dependencies = [
        ("automation", "0003_timeseries"),
        ("accounts", "0003_row_level_security"),
    ]

    operations = [
        migrations.RunSQL(GRANTS, reverse_sql=REVOKES),
        migrations.RunSQL(WORKFLOWS, reverse_sql=WORKFLOWS_REVERSE),
        migrations.RunSQL(TOOLS, reverse_sql=TOOLS_REVERSE),
    ]
