"""Measure call routing: p50/p95 of POST /api/v1/routing/resolve/ in-process, warm cache.

    ./dev manage benchmark_resolve --calls 500

Uses (and re-uses) a "benchmark-routing" organization/tenant with one agent, a published version
with a tool and a voice_agent workflow, and a number. Each run makes a routing:resolve key,
calls resolve --calls times through Django's full middleware/DRF stack (no network), one new
call_sid each, ending each admitted call (PATCH to completed) so the tenant never fills up; then the
same through the service alone (call_resolve, no HTTP stack), then
deletes the calls it made (--keep leaves them) and revokes the key. The first --warmup calls
(default 20) fill caches and are not counted. Prints p50/p95/p99 and the mean (target p95 < 10 ms).
DEBUG is off while it measures, as in production. Over HTTP through gunicorn: `benchmark_http`.
"""

import statistics
import time
import uuid

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone
from tqdm import tqdm

from accounts.models import Organization, Role, Tenant, User
from agents.models import Agent, AgentVersion, ConversationNode
from analytics.models import Call
from analytics.services.routing import call_resolve
from automation.models import Tool, ToolVersion, Workflow, WorkflowVersion
from aybiza.api import accesslog
from security_app.services.api_keys import api_key_create
from telephony.models import PhoneNumber

URL = "/api/v1/routing/resolve/"
NUMBER = "+12025550143"
SID_PREFIX = "CA-benchmark-resolve-"


class Command(BaseCommand):
    help = "Benchmark POST /api/v1/routing/resolve/ (p50/p95 in ms, in-process, warm)."

    def add_arguments(self, parser):
        parser.add_argument("--calls", type=int, default=500, help="timed resolves (default 500)")
        parser.add_argument("--warmup", type=int, default=20, help="untimed resolves first (default 20)")
        parser.add_argument("--keep", action="store_true", help="keep the call rows written")

    @transaction.atomic
    def _world(self):
        organization, _ = Organization.objects.get_or_create(slug="benchmark-routing",
                                                             defaults={"name": "Benchmark routing"})
        tenant, _ = Tenant.objects.get_or_create(slug="benchmark-routing", defaults={
            "name": "Benchmark routing", "subdomain": "benchmark-routing", "organization": organization,
            "max_concurrent_calls": 1000})
        role, _ = Role.objects.get_or_create(organization=organization, name="benchmark")
        user, _ = User.objects.get_or_create(email="benchmark-routing@example.invalid", defaults={
            "full_name": "Benchmark", "organization": organization, "tenant": tenant, "role": role, "password": "!"})
        agent = Agent.objects.filter(tenant=tenant).first() or Agent.objects.create(
            name="Benchmark agent", organization=organization, tenant=tenant, created_by=user, status="active",
            system_prompt="You answer the benchmark line.")
        version = AgentVersion.objects.filter(agent=agent, is_published=True).first()
        if version is None:
            version = AgentVersion.objects.create(
                agent=agent, version=1, created_by=user, status="published", is_published=True,
                published_at=timezone.now(), published_by=user,
                **{n: getattr(agent, n) for n in ("system_prompt", "voice_config", "language_config", "model_config")})
            tool = Tool.objects.create(organization=organization, tenant=tenant, name="lookup", tool_type="http_api",
                                       input_schema={"type": "object"}, output_schema={"type": "object"}, created_by=user)
            ToolVersion.objects.create(tool=tool, version=1, config={}, input_schema={"type": "object"},
                                       output_schema={"type": "object"}, created_by=user, status="published",
                                       is_published=True)
            ConversationNode.objects.create(agent=agent, agent_version=version, name="lookup", node_type="tool_call",
                                            tool_config={"tool_id": str(tool.id)}, created_by=user)
            workflow = Workflow.objects.create(organization=organization, tenant=tenant, name="after call",
                                               trigger_type="voice_agent", created_by=user, status="active",
                                               trigger_config={"agent_ids": [str(agent.id)]})
            WorkflowVersion.objects.create(workflow=workflow, version=1, trigger_config=workflow.trigger_config,
                                           created_by=user, status="published", is_published=True)
        if not PhoneNumber.objects.filter(number=NUMBER).exists():
            PhoneNumber.objects.create(
                number=NUMBER, formatted_number="+1 202-555-0143", country_code="1", area_code="202",
                local_number="5550143", acquisition_method="managed", provider="aybiza", organization=organization,
                tenant=tenant, agent=agent, status="active", region="us-east-1", created_by=user)
        return tenant, user

    @staticmethod
    def _percentiles(values):
        values = sorted(values)
        pick = lambda q: values[min(len(values) - 1, int(len(values) * q))]  # noqa: E731
        return statistics.median(values), pick(0.95), pick(0.99)

    def handle(self, *args, calls, warmup, keep, **options):
        if calls < 1:
            raise CommandError("--calls must be at least 1")
        tenant, user = self._world()
        limit = 10_000_000
        key, raw = api_key_create(
            organization=tenant.organization, tenant=tenant, actor=user, name="benchmark-resolve",
            permissions={"routing": ["resolve"], "calls": ["write"]},
            rate_limit={"requests_per_minute": limit, "requests_per_hour": limit, "requests_per_day": limit})
        client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_HOST="localhost")
        run = uuid.uuid4().hex[:8]
        timings, service = [], []
        # DEBUG off as in production: Django does not keep every statement's text in memory.
        debug_off = override_settings(DEBUG=False, ALLOWED_HOSTS=["localhost"])
        debug_off.enable()
        try:
            for i in tqdm(range(warmup + calls), desc="resolve", disable=options["verbosity"] < 1):
                body = {"to": NUMBER, "from": f"+1202555{i % 10000:04d}", "call_sid": f"{SID_PREFIX}{run}-{i}"}
                started = time.perf_counter()
                response = client.post(URL, body, content_type="application/json")
                elapsed = time.perf_counter() - started
                if response.status_code != 201:
                    raise CommandError(f"resolve answered {response.status_code}: {response.content[:300]!r}")
                if i >= warmup:
                    timings.append(elapsed * 1000)
                done = client.patch(f"/api/v1/calls/{response.json()['call_id']}/",
                                    {"status": "completed", "end_time": timezone.now().isoformat()},
                                    content_type="application/json")
                if done.status_code != 200:
                    raise CommandError(f"ending the call answered {done.status_code}: {done.content[:300]!r}")
            # The service alone (no HTTP, authentication, rate limit or access log): what resolve itself costs.
            for i in range(warmup + calls):
                started = time.perf_counter()
                answer = call_resolve(to_number=NUMBER, from_number=f"+1202555{i % 10000:04d}",
                                      call_sid=f"{SID_PREFIX}{run}-s{i}", tenant_id=tenant.id, actor=user)
                elapsed = time.perf_counter() - started
                if i >= warmup:
                    service.append(elapsed * 1000)
                Call.objects.filter(pk=answer["call_id"]).update(status="completed", end_time=timezone.now())
        finally:
            debug_off.disable()
            type(key).objects.filter(pk=key.pk).update(status="revoked")
            accesslog.flush()
            if not keep:
                with transaction.atomic():
                    Call.objects.filter(call_sid__startswith=f"{SID_PREFIX}{run}-").delete()
        p50, p95, p99 = self._percentiles(timings)
        self.stdout.write(f"resolve ({URL}, in-process, {calls} calls after {warmup} warm-up): "
                          f"p50 {p50:.2f} ms, p95 {p95:.2f} ms, p99 {p99:.2f} ms, mean {statistics.fmean(timings):.2f} ms")
        s50, s95, s99 = self._percentiles(service)
        self.stdout.write(f"service (call_resolve alone): p50 {s50:.2f} ms, p95 {s95:.2f} ms, p99 {s99:.2f} ms")
        verdict = self.style.SUCCESS if p95 < 10 else self.style.WARNING
        self.stdout.write(verdict(f"Benchmark done: resolve p95 {p95:.2f} ms (target < 10 ms)."))
