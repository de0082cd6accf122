"""Row-level security on phone_numbers; privileges on phone_manager (docs/row-level-security.md)."""

from django.db import migrations

from aybiza.core.migration_sql import rls_v1 as rls

GRANTS, REVOKES = rls.grants_sql("phone_manager")
PHONE_NUMBERS, PHONE_NUMBERS_REVERSE = rls.rls_sql("phone_manager.phone_numbers")


class Migration(migrations.Migration):
    dependencies = [
        ("telephony", "0002_spec_indexes"),
        ("accounts", "0003_row_level_security"),
    ]

    operations = [
        migrations.RunSQL(GRANTS, reverse_sql=REVOKES),
        migrations.RunSQL(PHONE_NUMBERS, reverse_sql=PHONE_NUMBERS_REVERSE),
    ]
