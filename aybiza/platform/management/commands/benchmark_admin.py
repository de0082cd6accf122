"""`manage.py benchmark_admin`: seed a large data set and time the ops console's changelists."""

import statistics
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse

from accounts.models import Organization, Tenant, User
from accounts.services import ops_user_create
from agents.models import Agent
from analytics.models import Call, DetailedMetric

BENCH_ORG_SLUG = "benchmark-admin"
BENCH_EMAIL = "benchmark-admin@aybiza.example"
TENANTS = 20

PAGES = [
    ("calls", "admin:analytics_call_changelist", ""),
    ("calls, one tenant", "admin:analytics_call_changelist", "?tenant__id__exact={tenant}"),
    ("calls, completed, 30 days", "admin:analytics_call_changelist", "?status__exact=completed&period=30d"),
    ("calls, search by call_sid", "admin:analytics_call_changelist", "?q=BM000500000"),
    ("calls, search by number", "admin:analytics_call_changelist", "?q=%2B15550001234"),
    ("calls, page 5", "admin:analytics_call_changelist", "?p=5"),
    ("detailed metrics", "admin:analytics_detailedmetric_changelist", ""),
    ("detailed metrics, one tenant", "admin:analytics_detailedmetric_changelist", "?tenant_id={tenant}"),
    ("detailed metrics, latency", "admin:analytics_detailedmetric_changelist", "?metric_type__exact=latency"),
    ("detailed metrics, page 5", "admin:analytics_detailedmetric_changelist", "?p=5"),
    ("call change page", "admin:analytics_call_change", None),
    ("dashboard (admin index)", "admin:index", ""),
]

SEED_CALLS = """
INSERT INTO call_analytics.calls (id, call_sid, direction, status, from_number, to_number, duration_seconds,
    billable_duration_seconds, start_time, answer_time, end_time, organization_id, tenant_id, agent_id, metadata,
    created_at, updated_at, cost_usd, quality_score, sentiment_score, edge_region)
SELECT gen_random_uuid(), 'BM' || lpad(i::text, 9, '0'),
       CASE WHEN i %% 3 = 0 THEN 'outbound' ELSE 'inbound' END,
       (ARRAY['completed','completed','completed','completed','failed','no-answer','busy','cancelled'])[1 + i %% 8],
       '+1555' || lpad((i %% 10000000)::text, 7, '0'), '+1555' || lpad(((i * 7) %% 10000000)::text, 7, '0'),
       30 + i %% 600, 30 + i %% 600, ts, ts + interval '3 seconds', ts + ((30 + i %% 600) || ' seconds')::interval,
       %(org)s, (%(tenants)s::uuid[])[1 + i %% %(n)s], (%(agents)s::uuid[])[1 + i %% %(n)s], '{}'::jsonb,
       ts, ts, round(((30 + i %% 600) * 0.0004)::numeric, 6), 0.6 + (i %% 40) / 100.0, (i %% 200) / 100.0 - 1,
       'us-east-1'
FROM (SELECT i, now() - ((i::float / %(total)s) * interval '90 days') AS ts
      FROM generate_series(%(start)s, %(stop)s) AS i) AS s
"""

SEED_METRICS = """
INSERT INTO call_analytics.detailed_metrics ("timestamp", call_sid, organization_id, tenant_id, agent_id,
    metric_type, metric_name, metric_value, metric_unit, metadata, edge_region)
SELECT now() - ((i::float / %(total)s) * interval '90 days'), 'BM' || lpad((i / 5)::text, 9, '0'), %(org)s,
       (%(tenants)s::uuid[])[1 + (i / 5) %% %(n)s], (%(agents)s::uuid[])[1 + (i / 5) %% %(n)s],
       (ARRAY['latency','latency','latency','quality','cost'])[1 + i %% 5],
       (ARRAY['stt_latency_ms','llm_first_token_ms','tts_first_audio_ms','mos','cost_usd'])[1 + i %% 5],
       (i %% 1000)::float, CASE WHEN i %% 5 < 3 THEN 'ms' ELSE 'unit' END, '{}'::jsonb, 'us-east-1'
FROM generate_series(%(start)s, %(stop)s) AS i
"""


class Command(BaseCommand):
    help = (
        "Seed a benchmark data set (default 1,000,000 calls and 5,000,000 detailed metrics, in a dedicated "
        f"organization '{BENCH_ORG_SLUG}') and print the admin changelists' response times and query counts, "
        "at two page sizes (the query count must not depend on the page size). Re-running tops the data set up "
        "to the asked size instead of adding it again; --cleanup deletes it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--calls", type=int, default=1_000_000)
        parser.add_argument("--metrics", type=int, default=5_000_000)
        parser.add_argument("--repeat", type=int, default=5, help="Requests per page (the median is printed).")
        parser.add_argument("--batch", type=int, default=250_000, help="Rows per INSERT batch.")
        parser.add_argument("--no-seed", action="store_true", help="Measure only.")
        parser.add_argument("--cleanup", action="store_true", help="Delete the benchmark data set and stop.")
        parser.add_argument("--budget-ms", type=float, default=300.0)

    def handle(self, *args, calls, metrics, repeat, batch, no_seed, cleanup, budget_ms, **options):
        if cleanup:
            self._cleanup()
            return
        org, tenants, agents, user = self._fixtures()
        if not no_seed:
            self._seed(org, tenants, agents, calls, metrics, batch)
        rows = self._measure(user, tenants[0], repeat)
        slow = [r for r in rows if r["median_ms"] > budget_ms]
        varying = [r for r in rows if r["queries"] != r["queries_big_page"]]
        self.stdout.write(
            f"{len(rows)} pages measured; {len(slow)} over {budget_ms:.0f} ms; "
            f"{len(varying)} with a query count that depends on the page size."
        )
        if slow or varying:
            raise CommandError("Benchmark budget missed: " + ", ".join(r["page"] for r in slow + varying))

    # --- data -----------------------------------------------------------------------------------------------
    def _fixtures(self):
        with transaction.atomic():
            org, _ = Organization.objects.get_or_create(slug=BENCH_ORG_SLUG, defaults={"name": "Benchmark"})
            user = User.objects.filter(email=BENCH_EMAIL).first() or ops_user_create(
                email=BENCH_EMAIL, password=None, full_name="Benchmark", superuser=True)
            tenants, agents = [], []
            for n in range(TENANTS):
                tenant, _ = Tenant.objects.get_or_create(
                    slug=f"{BENCH_ORG_SLUG}-{n}",
                    defaults={"organization": org, "name": f"Benchmark tenant {n}", "subdomain": f"{BENCH_ORG_SLUG}-{n}",
                              "max_agents": None},
                )
                agent = Agent.objects.filter(tenant=tenant).first() or Agent.objects.create(
                    name=f"Benchmark agent {n}", organization=org, tenant=tenant, created_by=user,
                    system_prompt="Benchmark.", status="active",
                )
                tenants.append(tenant)
                agents.append(agent)
        return org, tenants, agents, user

    def _seed(self, org, tenants, agents, calls, metrics, batch):
        params = {"org": org.pk, "tenants": [t.pk for t in tenants], "agents": [a.pk for a in agents], "n": TENANTS}
        for label, sql, model, total, key in (
            ("calls", SEED_CALLS, Call, calls, {"organization_id": org.pk}),
            ("detailed metrics", SEED_METRICS, DetailedMetric, metrics, {"organization_id": org.pk}),
        ):
            have = model.objects.filter(**key).count()
            if have >= total:
                self.stdout.write(f"{label}: {have:,} rows already there.")
                continue
            started = time.monotonic()
            start = have + 1
            while start <= total:
                stop = min(start + batch - 1, total)
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(sql, {**params, "start": start, "stop": stop, "total": total})
                self.stdout.write(f"  {label}: {stop:,}/{total:,}", ending="\r")
                self.stdout.flush()
                start = stop + 1
            with connection.cursor() as cursor:
                cursor.execute(f'ANALYZE "{model._meta.db_table}"')
            self.stdout.write(f"{label}: {total - have:,} rows added in {time.monotonic() - started:.1f}s.")

    def _cleanup(self):
        org = Organization.objects.filter(slug=BENCH_ORG_SLUG).first()
        if org is None:
            self.stdout.write("No benchmark data set.")
            return
        with connection.cursor() as cursor:
            cursor.execute(f'DELETE FROM "{DetailedMetric._meta.db_table}" WHERE organization_id = %s', [org.pk])
            metrics = cursor.rowcount
            cursor.execute(f'DELETE FROM "{Call._meta.db_table}" WHERE organization_id = %s', [org.pk])
            calls = cursor.rowcount
        self.stdout.write(f"Deleted {calls:,} calls and {metrics:,} detailed metrics of the benchmark data set.")

    # --- measuring ------------------------------------------------------------------------------------------
    def _measure(self, user, tenant, repeat):
        host = (settings.ALLOWED_HOSTS or ["localhost"])[0]
        if host in ("*", ".localhost"):
            host = "localhost"
        client = Client(HTTP_HOST=host)
        client.force_login(user)
        call = Call.objects.filter(organization__slug=BENCH_ORG_SLUG).order_by("-start_time").first()
        rows = []
        self.stdout.write(f"{'page':34} {'median ms':>9} {'max ms':>7} {'queries':>7} {'q@200/page':>10}  status")
        for label, name, query in PAGES:
            if query is None:
                if call is None:
                    continue
                path = reverse(name, args=[call.pk])
            else:
                path = reverse(name) + query.format(tenant=tenant.pk)
            timings, queries, status = [], 0, None
            for _ in range(repeat + 1):  # the first request warms caches; not counted
                with CaptureQueriesContext(connection) as ctx:
                    started = time.perf_counter()
                    response = client.get(path)
                    elapsed = (time.perf_counter() - started) * 1000
                timings.append(elapsed)
                queries, status = len(ctx.captured_queries), response.status_code
            timings = timings[1:]
            big = self._queries_at_page_size(client, path, name, 200) if query is not None and "changelist" in name \
                else queries
            row = {"page": label, "median_ms": statistics.median(timings), "max_ms": max(timings), "queries": queries,
                   "queries_big_page": big, "status": status}
            rows.append(row)
            self.stdout.write(f"{label:34} {row['median_ms']:9.1f} {row['max_ms']:7.1f} {queries:7d} {big:10d}  {status}")
        return rows

    def _queries_at_page_size(self, client, path, name, per_page):
        model_admin = resolve(path.split("?")[0]).func.model_admin
        old = model_admin.list_per_page
        model_admin.list_per_page = per_page
        try:
            with CaptureQueriesContext(connection) as ctx:
                client.get(path)
        finally:
            model_admin.list_per_page = old
        return len(ctx.captured_queries)
