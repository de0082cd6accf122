"""Row-level security on agents (docs/row-level-security.md)."""

from django.db import migrations

from aybiza import tenancy

GRANTS, REVOKES = tenancy.grants_sql("agent_manager")
AGENTS, AGENTS_REVERSE = tenancy.rls_sql("agent_manager.agents")


class Migration(migrations.Migration):
    dependencies = [
        ("agents", "0002_spec_indexes"),
        ("accounts", "0003_row_level_security"),
    ]

    operations = [
        # agent_manager is shared with accounts: grant again for this app's tables.
        migrations.RunSQL(GRANTS, reverse_sql=migrations.RunSQL.noop),
        migrations.RunSQL(AGENTS, reverse_sql=AGENTS_REVERSE),
    ]
