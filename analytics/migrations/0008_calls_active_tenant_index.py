"""idx_calls_active_tenant (added, docs/decisions.md): a tenant's active calls, counted at every routing resolve.

Built CONCURRENTLY (calls is a large, busy regular table): the migration is non-atomic.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('accounts', '0004_service_permissions'),
        ('agents', '0005_field_validation'),
        ('analytics', '0007_verbose_names'),
        ('telephony', '0006_verbose_names'),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='call',
            index=models.Index(condition=models.Q(('status__in', ['initiated', 'ringing', 'answered'])),
                               fields=['tenant', 'start_time'], name='idx_calls_active_tenant'),
        ),
    ]
