# Per-key rate-limit counters (aybiza/api/ratelimit.py).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('security_app', '0004_grants'),
    ]

    operations = [
        migrations.CreateModel(
            name='ApiRateCounter',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('period', models.CharField(max_length=10)),
                ('window_start', models.DateTimeField()),
                ('limit_value', models.BigIntegerField()),
                ('count', models.BigIntegerField()),
                ('refused', models.BigIntegerField(default=0)),
                ('over_limit', models.BooleanField(default=False)),
                ('api_key', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='security_app.apikey')),
            ],
            options={
                'db_table': 'security"."api_rate_counters',
                'constraints': [models.UniqueConstraint(fields=('api_key', 'period'), name='api_rate_counters_key_period')],
            },
        ),
    ]
