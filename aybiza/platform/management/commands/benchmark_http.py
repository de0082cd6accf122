"""Latency over real HTTP through the production server (gunicorn), on this machine.

    ./dev manage benchmark_admin                 # once: 1M calls and 5M detailed metrics (plus ANALYZE)
    ./dev manage benchmark_http [--requests 200] [--workers 2] [--tenant SLUG]

Starts gunicorn (aybiza/gunicorn.conf.py, DEBUG off) with aybiza.platform.benchmark_wsgi (the
production URLs plus a bare-DRF baseline, aybiza/platform/benchmark_urls.py) on a free loopback
port, against the configured database. After a warm-up it sends --requests requests per target,
the targets interleaved round by round (so a noisy moment hits all of them alike), and prints
p50 / p95 / max in milliseconds with the statuses seen:

- GET /healthz: the floor (the server, the middleware in front of everything, one `SELECT 1`);
- GET /api/v1/calls/?limit=50 with a read key of the tenant (default: the newest call's), and
  the bare-DRF baseline serving the same rows; their ratio (issue 12, items 6 and 7: p95 < 50 ms);
- POST /api/v1/routing/resolve/ with a routing:resolve key (benchmark_resolve's routing tenant),
  one new call_sid per request, the calls deleted afterwards (issue 13: p95 < 10 ms);
- GET /admin/, the ops dashboard, signed in as the benchmark's staff user (p95 < 300 ms).

gunicorn's sync workers close the connection after each response, so every request includes a
TCP connect on loopback. The keys are revoked and gunicorn stopped at the end. Figures only;
nothing is asserted.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import Client

from accounts.models import Tenant, User
from accounts.services import ops_user_create
from analytics.management.commands import benchmark_resolve
from analytics.models import Call
from aybiza.api import accesslog
from security_app.services.api_keys import api_key_create

from .benchmark_admin import BENCH_EMAIL

WARMUP = 50  # per target; each worker prepares its statements after 5 runs and fills its caches
UNLIMITED = {"requests_per_minute": 10_000_000, "requests_per_hour": 10_000_000, "requests_per_day": 10_000_000}
TARGETS = {"calls": 50.0, "resolve": 10.0, "dashboard": 300.0}  # p95 goals in ms (issues 12 and 13)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


class Target:
    """One request to repeat, with its timings and statuses."""

    def __init__(self, name: str, method: str, path, headers: dict, body=None, goal: float | None = None,
                 group: str = ""):
        self.name, self.method, self.path, self.headers, self.body, self.goal = name, method, path, headers, body, goal
        self.group = group
        self.timings: list[float] = []
        self.statuses: Counter = Counter()

    def request(self, port: int, n: int) -> None:
        path = self.path(n) if callable(self.path) else self.path
        body = json.dumps(self.body(n)) if callable(self.body) else None
        headers = {"Host": "localhost", **self.headers, **({"Content-Type": "application/json"} if body else {})}
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        started = time.perf_counter()
        connection.request(self.method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        elapsed = (time.perf_counter() - started) * 1000
        connection.close()
        if n >= WARMUP:
            self.timings.append(elapsed)
            self.statuses[response.status] += 1


class Command(BaseCommand):
    help = "p50/p95 over HTTP through gunicorn: health, the calls list beside a bare DRF view, resolve, the dashboard."

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=200, help="measured requests per target (default 200)")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
        parser.add_argument("--tenant", help="slug of the tenant whose key lists calls (default: the newest call's)")
        parser.add_argument("--only", choices=["calls", "resolve", "dashboard"], action="append",
                            help="measure only these (repeatable; /healthz is always measured)")

    def handle(self, *args, requests, workers, tenant, only, **options):
        if requests < 1:
            raise CommandError("--requests must be at least 1")
        tenant_row = self._tenant(tenant)
        reader = User.objects.filter(tenant=tenant_row).order_by("created_at").first() or self._staff()
        read_key, read_raw = api_key_create(
            organization=tenant_row.organization, tenant=tenant_row, actor=reader, name="benchmark_http",
            permissions={"*": ["read"]}, rate_limit=UNLIMITED)
        routing_tenant, routing_user = benchmark_resolve.Command()._world()
        route_key, route_raw = api_key_create(
            organization=routing_tenant.organization, tenant=routing_tenant, actor=routing_user,
            name="benchmark_http resolve", permissions={"routing": ["resolve"]}, rate_limit=UNLIMITED)
        session = self._session()
        run = uuid.uuid4().hex[:8]
        sid_prefix = f"{benchmark_resolve.SID_PREFIX}http-{run}-"
        targets = [
            Target("GET /healthz", "GET", "/healthz", {}, group="healthz"),
            Target("GET /api/v1/calls/?limit=50", "GET", "/api/v1/calls/?limit=50",
                   {"Authorization": f"Bearer {read_raw}"}, goal=TARGETS["calls"], group="calls"),
            Target("  bare DRF, same rows", "GET", f"/benchmark/bare/{tenant_row.pk}/calls/?limit=50", {},
                   group="calls"),
            Target("POST /api/v1/routing/resolve/", "POST", benchmark_resolve.URL,
                   {"Authorization": f"Bearer {route_raw}"}, goal=TARGETS["resolve"], group="resolve",
                   body=lambda n: {"to": benchmark_resolve.NUMBER, "from": f"+1202555{n % 10000:04d}",
                                   "call_sid": f"{sid_prefix}{n}"}),
            Target("GET /admin/ (dashboard)", "GET", "/admin/", {"Cookie": session}, goal=TARGETS["dashboard"],
                   group="dashboard"),
        ]
        targets = [t for t in targets if t.group == "healthz" or not only or t.group in only]
        port = _free_port()
        server = self._start(port, workers)
        try:
            for n in range(WARMUP + requests):
                for target in targets:
                    target.request(port, n)
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
            type(read_key).objects.filter(pk__in=[read_key.pk, route_key.pk]).update(status="revoked")
            accesslog.flush()
            with transaction.atomic():
                Call.objects.filter(call_sid__startswith=sid_prefix).delete()
        self._report(targets, workers, tenant_row, requests)

    def _report(self, targets, workers, tenant, requests):
        self.stdout.write(f"gunicorn, {workers} workers, DEBUG off; calls of tenant {tenant.slug} "
                          f"({Call.objects.filter(tenant=tenant).count():,} of them); {requests} requests per target, "
                          "interleaved; milliseconds:")
        self.stdout.write(f"{'request':<36} {'p50':>8} {'p95':>8} {'max':>8}  {'goal':>10}  statuses")
        for target in targets:
            goal = f"p95 < {target.goal:.0f}" if target.goal else ""
            self.stdout.write(f"{target.name:<36} {statistics.median(target.timings):>8.1f} "
                              f"{percentile(target.timings, 0.95):>8.1f} {max(target.timings):>8.1f}  {goal:>10}  "
                              f"{dict(target.statuses)}")
        calls = [t for t in targets if t.group == "calls"]
        if calls:
            api, bare = calls
            self.stdout.write(f"calls list: the API costs {statistics.median(api.timings) / statistics.median(bare.timings):.2f}x "
                              "the bare DRF view over HTTP (p50)")

    def _tenant(self, slug):
        if slug:
            tenant = Tenant.objects.filter(slug=slug).select_related("organization").first()
            if tenant is None:
                raise CommandError(f"no tenant {slug!r}")
            return tenant
        newest = Call.objects.order_by("-start_time").values_list("tenant_id", flat=True).first()
        if newest is None:
            raise CommandError("no calls in the database: load some first (./dev manage benchmark_admin)")
        return Tenant.objects.select_related("organization").get(pk=newest)

    def _staff(self) -> User:
        return User.objects.filter(email=BENCH_EMAIL).first() or ops_user_create(
            email=BENCH_EMAIL, password=None, full_name="Benchmark", superuser=True)

    def _session(self) -> str:
        """A console session of the benchmark's staff user, as a Cookie header (stored where gunicorn reads it)."""
        client = Client()
        client.force_login(self._staff())
        return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    def _start(self, port: int, workers: int) -> subprocess.Popen:
        base = Path(settings.BASE_DIR)
        env = {**os.environ, "AYBIZA_ADDR": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers),
               "AYBIZA_LOG_LEVEL": "warning", "DEBUG": "false"}
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(base / "aybiza" / "gunicorn.conf.py"),
                                   "--access-logfile", "/dev/null", "aybiza.platform.benchmark_wsgi"], cwd=base,
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError(f"gunicorn exited with {server.returncode}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return server
            except OSError:
                time.sleep(0.2)
        server.kill()
        raise CommandError("gunicorn did not answer /healthz within 60 s")
