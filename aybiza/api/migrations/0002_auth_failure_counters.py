# Failed authentications per client address (aybiza/api/auth_throttle.py).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("api", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuthFailureCounter",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("address", models.CharField(max_length=64)),
                ("scope", models.CharField(max_length=10)),
                ("window_start", models.DateTimeField()),
                ("count", models.BigIntegerField()),
            ],
            options={
                "db_table": 'security"."auth_failure_counters',
                "constraints": [models.UniqueConstraint(fields=("address", "scope"), name="auth_failure_counters_address")],
            },
        ),
    ]
