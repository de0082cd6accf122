# The per-request rate-limit statement as a PL/pgSQL function (aybiza/api/ratelimit.py): the same
# INSERT ... ON CONFLICT DO UPDATE, planned once per database session instead of on every request.
# Written once; a change is a new migration.

from django.db import migrations

CREATE = """
CREATE FUNCTION security.api_rate_hit(p_key uuid, p_minute bigint, p_hour bigint, p_day bigint,
                                      p_unlimited bigint, p_interval integer)
RETURNS TABLE (period varchar, count bigint, limit_value bigint, refused bigint, over_limit boolean,
               window_start timestamptz, checked_at timestamptz)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH hit AS (
        INSERT INTO security.api_rate_counters AS c
            (api_key_id, period, window_start, limit_value, count, refused, over_limit)
        SELECT p_key, p.period,
               CASE WHEN p.period = 'total' THEN 'epoch'::timestamptz ELSE date_trunc(p.period, now()) END,
               p.lim,
               CASE WHEN p.period = 'total'
                    THEN 1 + COALESCE((SELECT usage_count FROM security.api_keys WHERE id = p_key), 0)
                    ELSE 1 END,
               0, p.lim < 1
        FROM (VALUES (1, 'minute', p_minute), (2, 'hour', p_hour), (3, 'day', p_day),
                     (4, 'total', p_unlimited)) AS p(ord, period, lim)
        ORDER BY p.ord  -- rows always locked in this order: two requests never deadlock
        ON CONFLICT (api_key_id, period) DO UPDATE SET
            over_limit = (c.window_start = EXCLUDED.window_start AND c.count >= EXCLUDED.limit_value),
            count = CASE WHEN c.window_start <> EXCLUDED.window_start THEN 1
                         WHEN c.count >= EXCLUDED.limit_value THEN c.count
                         ELSE c.count + 1 END,
            refused = CASE WHEN c.window_start <> EXCLUDED.window_start THEN 0
                           WHEN c.count >= EXCLUDED.limit_value THEN c.refused + 1
                           ELSE c.refused END,
            window_start = EXCLUDED.window_start,
            limit_value = EXCLUDED.limit_value
        RETURNING c.period, c.count, c.limit_value, c.refused, c.over_limit, c.window_start
    ), touch AS (
        UPDATE security.api_keys k
           SET last_used_at = now(),
               usage_count = GREATEST(COALESCE(k.usage_count, 0),
                                      LEAST((SELECT h.count FROM hit h WHERE h.period = 'total'), 2147483647)::int)
         WHERE k.id = p_key
           AND (k.last_used_at IS NULL OR k.last_used_at < now() - make_interval(secs => p_interval))
    )
    SELECT h.period, h.count, h.limit_value, h.refused, h.over_limit, h.window_start, now() FROM hit h;
END
$$;
REVOKE ALL ON FUNCTION security.api_rate_hit(uuid, bigint, bigint, bigint, bigint, integer) FROM PUBLIC;
"""

DROP = "DROP FUNCTION IF EXISTS security.api_rate_hit(uuid, bigint, bigint, bigint, bigint, integer);"


class Migration(migrations.Migration):

    dependencies = [
        ("api", "0002_auth_failure_counters"),
    ]

    operations = [migrations.RunSQL(CREATE, DROP)]
