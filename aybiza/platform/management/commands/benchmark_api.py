"""Per-request overhead of the tenant API against a bare DRF view serving the same rows (issue: lean requests).

    ./dev manage benchmark_api --requests 300

Both run in this process through Django's full middleware stack, interleaved, on the same
rows: `GET /api/v1/agents/?limit=N` with an API key (authentication, scope, rate limit, usage,
the tenant's row-level-security context, the access log) and a DRF ListAPIView with the same
serializer, filters, ordering and pagination over the tenant's agents, with no authentication,
permission, throttle, context or access log (aybiza/platform/benchmark_urls.py). The difference is the per-request overhead. It prints
p50/p95 of each, their ratio, and the SQL statements one request of each sends. Figures are
printed, never asserted.
"""

import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from accounts.models import Organization, Role, Tenant, User
from agents.models import Agent
from aybiza.api import accesslog
from security_app.services.api_keys import api_key_create

ORG_SLUG = "benchmark-api"
AGENTS = 20
UNLIMITED = 10_000_000


class Command(BaseCommand):
    help = "Measure the API's per-request overhead against a bare DRF view serving the same rows (prints figures)."

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=300, help="timed requests of each kind (default 300)")
        parser.add_argument("--limit", type=int, default=1, help="rows per page (default 1)")

    def handle(self, *args, requests, limit, **options):
        if requests < 10 or limit < 1:
            raise CommandError("--requests must be at least 10 and --limit at least 1")
        tenant, user = self._world()
        key, raw = api_key_create(
            organization=tenant.organization, tenant=tenant, actor=user, name="benchmark-api",
            permissions={"agents": ["read"]},
            rate_limit={"requests_per_minute": UNLIMITED, "requests_per_hour": UNLIMITED,
                        "requests_per_day": UNLIMITED})
        api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_HOST="localhost")
        bare = Client(HTTP_HOST="localhost")
        urls = {"api": f"/api/v1/agents/?limit={limit}", "bare": f"/benchmark/bare/{tenant.pk}/agents/?limit={limit}"}
        clients = {"api": api, "bare": bare}
        timings = {"api": [], "bare": []}
        # DEBUG off as in production: Django does not keep every statement's text in memory.
        with override_settings(ROOT_URLCONF="aybiza.platform.benchmark_urls", ALLOWED_HOSTS=["localhost"], DEBUG=False):
            for name in urls:  # warm up; check both answer the same rows
                for _ in range(20):
                    response = clients[name].get(urls[name])
                if response.status_code != 200:
                    raise CommandError(f"{urls[name]} answered {response.status_code}: {response.content[:300]!r}")
            for _ in range(requests):
                for name in urls:
                    started = time.perf_counter()
                    clients[name].get(urls[name])
                    timings[name].append((time.perf_counter() - started) * 1000)
            statements = {}
            for name in urls:
                with CaptureQueriesContext(connection) as captured:
                    clients[name].get(urls[name])
                statements[name] = [q["sql"].split()[0] + " " + " ".join(q["sql"].split()[1:4]) for q in
                                    captured.captured_queries]
        accesslog.flush()
        for name in urls:
            values = sorted(timings[name])
            p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
            self.stdout.write(f"{name:4} {urls[name]:66} p50 {statistics.median(values):7.2f} ms  p95 {p95:7.2f} ms  "
                              f"{len(statements[name])} statements")
        ratio = statistics.median(timings["api"]) / statistics.median(timings["bare"])
        self.stdout.write(f"overhead: the API costs {ratio:.2f}x the bare view (target <= 1.5x)")
        self.stdout.write("statements of one API request: " + "; ".join(statements["api"]))

    def _world(self):
        organization, _ = Organization.objects.get_or_create(slug=ORG_SLUG, defaults={"name": "Benchmark API"})
        tenant, _ = Tenant.objects.get_or_create(
            slug=ORG_SLUG, defaults={"organization": organization, "name": "Benchmark API", "subdomain": ORG_SLUG})
        role, _ = Role.objects.get_or_create(organization=organization, name="Benchmark")
        user = User.objects.filter(email=f"{ORG_SLUG}@aybiza.example").first() or User.objects.create_user(
            f"{ORG_SLUG}@aybiza.example", None, full_name="Benchmark", organization=organization, tenant=tenant,
            role=role)
        for n in range(Agent.objects.filter(tenant=tenant).count(), AGENTS):
            Agent.objects.create(name=f"Agent {n}", organization=organization, tenant=tenant, created_by=user,
                                 system_prompt="Benchmark.", status="active")
        return tenant, user
