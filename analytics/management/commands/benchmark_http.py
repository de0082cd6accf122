"""Request latency over real HTTP, through the production server (gunicorn), on this machine.

    ./dev manage benchmark_http [--requests 200] [--workers 2] [--tenant SLUG] [--path /api/v1/agents/ ...]

Starts gunicorn (aybiza/gunicorn.conf.py) on a free loopback port against the
configured database, makes a read-only API key for the tenant (default: the
tenant of the newest call), and sends --requests sequential GETs per path
(gunicorn's sync workers close the connection after each response, so each
request includes a TCP connect on loopback) after a short warm-up. Prints p50 / p95 / max in milliseconds and
the status codes seen:

- GET /healthz: the floor (the server, the middleware in front of
  everything, one `SELECT 1`);
- GET /api/v1/calls/?limit=50 (issue 12, item 7) and any --path given, with the key.

The key is revoked and gunicorn stopped at the end. Figures only; nothing is
asserted. (The bare-DRF baseline of issue 12 item 6 is not measured here yet.)
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Tenant, User
from analytics.models import Call
from aybiza.api import accesslog
from security_app.services.api_keys import api_key_create

CALLS_PATH = "/api/v1/calls/?limit=50"
WARMUP = 10


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


class Command(BaseCommand):
    help = "p50/p95 latency of GET /healthz and GET /api/v1/calls/?limit=50 over HTTP through gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=200, help="measured requests per path (default 200)")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
        parser.add_argument("--tenant", help="slug of the tenant whose key reads (default: the newest call's)")
        parser.add_argument("--path", action="append", default=[], help="another GET path to measure with the key")

    def handle(self, *args, requests, workers, tenant, path, **options):
        if requests < 1:
            raise CommandError("--requests must be at least 1")
        tenant_row = self._tenant(tenant)
        user = User.objects.filter(tenant=tenant_row).order_by("created_at").first()
        limit = 10_000_000
        key, raw = api_key_create(
            organization=tenant_row.organization, tenant=tenant_row, actor=user, name="benchmark_http",
            permissions={"*": ["read"]},
            rate_limit={"requests_per_minute": limit, "requests_per_hour": limit, "requests_per_day": limit})
        port = _free_port()
        server = self._start(port, workers)
        try:
            rows = [("GET /healthz", self._measure(port, "/healthz", None, requests))]
            for target in [CALLS_PATH, *path]:
                rows.append((f"GET {target}", self._measure(port, target, raw, requests)))
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
            type(key).objects.filter(pk=key.pk).update(status="revoked")
            accesslog.flush()
        self.stdout.write(f"gunicorn, {workers} workers, tenant {tenant_row.slug}, {requests} requests per path "
                          f"(sequential), milliseconds:")
        self.stdout.write(f"{'request':<48} {'p50':>8} {'p95':>8} {'max':>8}  statuses")
        for name, (timings, statuses) in rows:
            self.stdout.write(f"{name:<48} {statistics.median(timings):>8.1f} {percentile(timings, 0.95):>8.1f} "
                              f"{max(timings):>8.1f}  {dict(statuses)}")

    def _tenant(self, slug):
        if slug:
            tenant = Tenant.objects.filter(slug=slug).select_related("organization").first()
            if tenant is None:
                raise CommandError(f"no tenant {slug!r}")
            return tenant
        newest = Call.objects.order_by("-start_time").values_list("tenant_id", flat=True).first()
        if newest is None:
            raise CommandError("no calls in the database: load some first (./dev manage seed_demo --calls 100000)")
        return Tenant.objects.select_related("organization").get(pk=newest)

    def _start(self, port: int, workers: int) -> subprocess.Popen:
        base = Path(settings.BASE_DIR)
        env = {**os.environ, "AYBIZA_ADDR": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers),
               "AYBIZA_LOG_LEVEL": "warning"}
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(base / "aybiza" / "gunicorn.conf.py"),
                                   "--access-logfile", "/dev/null", "aybiza.wsgi"], cwd=base, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
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

    def _measure(self, port: int, path: str, raw: str | None, requests: int):
        headers = {"Host": "localhost", **({"Authorization": f"Bearer {raw}"} if raw else {})}
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        timings, statuses = [], Counter()
        for n in range(WARMUP + requests):
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            elapsed = (time.perf_counter() - started) * 1000
            if n >= WARMUP:
                timings.append(elapsed)
                statuses[response.status] += 1
            if response.will_close:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.close()
        return timings, statuses
