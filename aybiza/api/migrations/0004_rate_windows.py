# One rate-limit row per API key (minute, hour and day windows and the total in one row) instead
# of four: each request updates and locks one row (aybiza/api/ratelimit.py). Written once; a
# change is a new migration.

import importlib

import django.db.models.deletion
from django.db import migrations, models

PREVIOUS = importlib.import_module("aybiza.api.migrations.0003_rate_hit_function")

DROP_PREVIOUS = "DROP FUNCTION IF EXISTS security.api_rate_hit(uuid, bigint, bigint, bigint, bigint, integer);"


def _period(name: str) -> str:
    start, count, refused, over, limit = (f"w.{name}_start", f"w.{name}_count", f"w.{name}_refused",
                                          f"{name}_over", f"p_{name}")
    new_window = f"{start} <> EXCLUDED.{name}_start"
    full = f"{count} >= {limit}"
    return f"""
            {over} = (NOT ({new_window}) AND {full}),
            {name}_count = CASE WHEN {new_window} THEN 1 WHEN {full} THEN {count} ELSE {count} + 1 END,
            {name}_refused = CASE WHEN {new_window} THEN 0 WHEN {full} THEN {refused} + 1 ELSE {refused} END,
            {name}_start = EXCLUDED.{name}_start"""


CREATE = f"""
CREATE FUNCTION security.api_rate_hit(p_key uuid, p_minute bigint, p_hour bigint, p_day bigint, p_interval integer)
RETURNS TABLE (minute_count bigint, minute_refused bigint, minute_over boolean, minute_start timestamptz,
               hour_count bigint, hour_refused bigint, hour_over boolean, hour_start timestamptz,
               day_count bigint, day_refused bigint, day_over boolean, day_start timestamptz,
               checked_at timestamptz)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH hit AS (
        INSERT INTO security.api_rate_windows AS w
            (api_key_id, minute_start, minute_count, minute_refused, minute_over,
             hour_start, hour_count, hour_refused, hour_over,
             day_start, day_count, day_refused, day_over, total)
        VALUES (p_key, date_trunc('minute', now()), 1, 0, p_minute < 1,
                date_trunc('hour', now()), 1, 0, p_hour < 1,
                date_trunc('day', now()), 1, 0, p_day < 1,
                1 + COALESCE((SELECT k.usage_count FROM security.api_keys AS k WHERE k.id = p_key), 0))
        ON CONFLICT (api_key_id) DO UPDATE SET{_period("minute")},{_period("hour")},{_period("day")},
            total = w.total + 1
        RETURNING w.*
    ), touch AS (
        UPDATE security.api_keys k
           SET last_used_at = now(),
               usage_count = GREATEST(COALESCE(k.usage_count, 0), LEAST((SELECT h.total FROM hit h), 2147483647)::int)
         WHERE k.id = p_key
           AND (k.last_used_at IS NULL OR k.last_used_at < now() - make_interval(secs => p_interval))
    )
    SELECT h.minute_count, h.minute_refused, h.minute_over, h.minute_start,
           h.hour_count, h.hour_refused, h.hour_over, h.hour_start,
           h.day_count, h.day_refused, h.day_over, h.day_start, now()
      FROM hit h;
END
$$;
REVOKE ALL ON FUNCTION security.api_rate_hit(uuid, bigint, bigint, bigint, integer) FROM PUBLIC;
"""

DROP = "DROP FUNCTION IF EXISTS security.api_rate_hit(uuid, bigint, bigint, bigint, integer);"


class Migration(migrations.Migration):

    dependencies = [
        ("api", "0003_rate_hit_function"),
        ("security_app", "0010_alerting"),
    ]

    operations = [
        migrations.RunSQL(DROP_PREVIOUS, PREVIOUS.CREATE),
        migrations.DeleteModel(name="ApiRateCounter"),
        migrations.CreateModel(
            name="ApiRateWindow",
            fields=[
                ("api_key", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True,
                                                 related_name="+", serialize=False, to="security_app.apikey")),
                ("minute_start", models.DateTimeField()),
                ("minute_count", models.BigIntegerField()),
                ("minute_refused", models.BigIntegerField(default=0)),
                ("minute_over", models.BooleanField(default=False)),
                ("hour_start", models.DateTimeField()),
                ("hour_count", models.BigIntegerField()),
                ("hour_refused", models.BigIntegerField(default=0)),
                ("hour_over", models.BooleanField(default=False)),
                ("day_start", models.DateTimeField()),
                ("day_count", models.BigIntegerField()),
                ("day_refused", models.BigIntegerField(default=0)),
                ("day_over", models.BooleanField(default=False)),
                ("total", models.BigIntegerField()),
            ],
            options={"db_table": 'security"."api_rate_windows'},
        ),
        migrations.RunSQL(CREATE, DROP),
    ]
