"""Privileges on the security schema for application_role and admin_role (docs/row-level-security.md).

Its tables carry no RLS (hypertables with columnstore and a continuous
aggregate source, decisions.md): the API scopes them by tenant.
"""

from django.db import migrations

from aybiza.core.migration_sql import rls_v1 as rls

GRANTS, REVOKES = rls.grants_sql("security")


class Migration(migrations.Migration):
    dependencies = [
        ("security_app", "0003_timeseries"),
        ("accounts", "0003_row_level_security"),
    ]

    operations = [
        migrations.RunSQL(GRANTS, reverse_sql=REVOKES),
    ]
