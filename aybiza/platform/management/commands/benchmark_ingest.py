"""Measure detailed-metrics ingestion: through the bulk API endpoint and directly through the service.

    ./dev manage benchmark_ingest --rows 200000 --batch 10000 --concurrency 2

Uses (and re-uses) a "benchmark" organization/tenant/call; the metrics it
writes are deleted at the end (--keep leaves them). Each run makes a key,
used in-process through Django's full middleware/DRF stack (no network;
`--concurrency` clients in threads, each with its own database connection,
like server workers), and revokes it at the end. Prints rows/s for each path.
"""

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connections, transaction
from django.test import Client
from django.utils import timezone
from tqdm import tqdm

from accounts.models import Organization, Role, Tenant, User
from analytics.services import ingestion
from analytics.models import Call, DetailedMetric
from aybiza.api import accesslog
from aybiza.core.tenancy import tenant_context
from security_app.services.api_keys import api_key_create

SID = "CA-benchmark-ingest"
URL = "/api/v1/call-metrics/bulk/"


class Command(BaseCommand):
    help = "Benchmark detailed-metrics ingestion (rows/s) through POST /api/v1/call-metrics/bulk/ and the service."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=100_000, help="rows per path (default 100000)")
        parser.add_argument("--batch", type=int, default=10_000, help="rows per request (max 10000)")
        parser.add_argument("--concurrency", type=int, default=2,
                            help="concurrent API clients, like server workers (default 2)")
        parser.add_argument("--keep", action="store_true", help="keep the metrics written")

    def _world(self):
        organization, _ = Organization.objects.get_or_create(slug="benchmark", defaults={"name": "Benchmark"})
        tenant, _ = Tenant.objects.get_or_create(
            slug="benchmark", defaults={"name": "Benchmark", "subdomain": "benchmark", "organization": organization})
        role, _ = Role.objects.get_or_create(organization=organization, name="benchmark")
        user, _ = User.objects.get_or_create(email="benchmark@example.invalid", defaults={
            "full_name": "Benchmark", "organization": organization, "tenant": tenant, "role": role, "password": "!"})
        call, _ = Call.objects.get_or_create(call_sid=SID, defaults={
            "direction": "inbound", "status": "completed", "from_number": "+15550000000", "to_number": "+15550000001",
            "start_time": timezone.now(), "organization": organization, "tenant": tenant})
        return tenant, user, call

    def _rows(self, n, offset):
        start = timezone.now()
        return [{"timestamp": (start + timedelta(microseconds=offset + i)).isoformat(), "call_sid": SID,
                 "metric_type": "latency", "metric_name": ("stt", "llm", "tts")[i % 3], "metric_value": float(i % 900),
                 "metric_unit": "ms", "metadata": {"turn": i % 11}} for i in range(n)]

    def _post_all(self, raw, payloads, concurrency, verbose):
        def post(body):
            try:
                client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_HOST="localhost")
                response = client.post(URL, body, content_type="application/json")
                if response.status_code != 201:
                    raise CommandError(f"API answered {response.status_code}: {response.content[:300]!r}")
            finally:
                if concurrency > 1:
                    connections.close_all()

        if concurrency == 1:
            for body in tqdm(payloads, desc="API", disable=not verbose):
                post(body)
            return
        with ThreadPoolExecutor(concurrency) as pool:
            list(tqdm(pool.map(post, payloads), total=len(payloads), desc="API", disable=not verbose))

    def handle(self, *args, rows, batch, concurrency, keep, **options):
        if not 1 <= batch <= ingestion.MAX_METRICS:
            raise CommandError(f"--batch must be between 1 and {ingestion.MAX_METRICS}")
        verbose = options["verbosity"] >= 1
        concurrency = max(1, concurrency)
        tenant, user, call = self._world()
        limit = 10_000_000
        key, raw = api_key_create(
            organization=tenant.organization, tenant=tenant, actor=user, name="benchmark",
            permissions={"calls": ["write"]},
            rate_limit={"requests_per_minute": limit, "requests_per_hour": limit, "requests_per_day": limit})
        batches = max(1, rows // batch)
        try:
            payloads = [json.dumps({"metrics": self._rows(batch, b * batch)}).encode() for b in range(batches)]
            started = time.perf_counter()
            self._post_all(raw, payloads, concurrency, verbose)
            api_seconds = time.perf_counter() - started

            decoded = [json.loads(body)["metrics"] for body in payloads]
            started = time.perf_counter()
            for metrics in tqdm(decoded, desc="service", disable=not verbose):
                with tenant_context(tenant.pk):
                    ingestion.metrics_ingest(rows=metrics, call_queryset=Call.objects.all(), actor=user, api_key=key)
            service_seconds = time.perf_counter() - started
        finally:
            type(key).objects.filter(pk=key.pk).update(status="revoked")
            accesslog.flush()
            if not keep:
                with transaction.atomic():
                    DetailedMetric.objects.filter(call_sid=SID).delete()
        total = batches * batch
        api_rate, service_rate = total / api_seconds, total / service_seconds
        self.stdout.write(f"API     ({URL}, {batch} rows/request, {concurrency} client(s)): "
                          f"{total} rows in {api_seconds:.2f} s = {api_rate:,.0f} rows/s")
        self.stdout.write(f"service (metrics_ingest, one caller): {total} rows in {service_seconds:.2f} s = "
                          f"{service_rate:,.0f} rows/s")
        self.stdout.write(self.style.SUCCESS(
            f"Benchmark done: API {api_rate:,.0f} rows/s, service {service_rate:,.0f} rows/s (target 50,000)."))
