"""Row-level security (spec "Row-Level Security"; docs/row-level-security.md), part 1.

Roles application_role and admin_role (NOLOGIN, cluster-wide, created only if
missing and never dropped by a reverse: other databases of the cluster may
use them), the status functions tenant_context() validates with, privileges
on agent_manager, and RLS (ENABLE + FORCE) on tenants and users.
"""

from django.db import migrations

from aybiza.core.migration_sql import rls_v1 as rls

GRANTS, REVOKES = rls.grants_sql("agent_manager")
TENANTS, TENANTS_REVERSE = rls.rls_sql("agent_manager.tenants", tenant_column="id")
USERS, USERS_REVERSE = rls.rls_sql("agent_manager.users", nullable_tenant=True)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_spec_indexes"),
    ]

    operations = [
        # Roles are shared by every database of the cluster: the reverse leaves them.
        migrations.RunSQL(rls.ROLES_SQL, reverse_sql=migrations.RunSQL.noop),
        migrations.RunSQL(rls.STATUS_FUNCTIONS_SQL, reverse_sql=rls.STATUS_FUNCTIONS_REVERSE_SQL),
        migrations.RunSQL(GRANTS, reverse_sql=REVOKES),
        migrations.RunSQL(TENANTS, reverse_sql=TENANTS_REVERSE),
        migrations.RunSQL(USERS, reverse_sql=USERS_REVERSE),
    ]
