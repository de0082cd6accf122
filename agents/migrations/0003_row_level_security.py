"""Row-level security on agents (docs/row-level-security.md)."""

from django.db import migrations

from aybiza.core.migration_sql import rls_v1 as rls

GRANTS, REVOKES = rls.grants_sql("agent_manager")
AGENTS, AGENTS_REVERSE = rls.rls_sql("agent_manager.agents")


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
