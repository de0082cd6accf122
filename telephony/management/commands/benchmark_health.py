"""Measure the SIP trunk health check: 1,000 answering trunks, and what silent peers cost.

    ./dev manage benchmark_health --trunks 1000 --silent 50 --timeout 1

Starts UDP OPTIONS answerers on 127.0.0.1 in a child process and binds sockets that never answer.
Creates a "benchmark" organization/tenant/user and the trunks inside a transaction that is rolled
back at the end (nothing is left behind), then runs `sip_trunks_check_health()` -- probes and
recording, as `check_health` does -- and prints the figures. Target: 1,000 answering trunks in
under 10 s; a silent trunk costs its timeout, not the run.
"""

import multiprocessing
import socket
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Organization, Role, Tenant, User
from telephony.health import responder
from telephony.health.probe import probe_many
from telephony.health.sip_options import SipTarget
from telephony.health.thresholds import Thresholds
from telephony.models import SipTrunk
from telephony.services.health import sip_trunks_check_health


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Benchmark SIP trunk health checks against local UDP answerers (nothing is kept)."

    def add_arguments(self, parser):
        parser.add_argument("--trunks", type=int, default=1000, help="answering trunks (default 1000)")
        parser.add_argument("--silent", type=int, default=50, help="trunks whose peer never answers (default 50)")
        parser.add_argument("--timeout", type=float, default=1.0, help="probe timeout, seconds (default 1)")
        parser.add_argument("--concurrency", type=int, default=None,
                            help="probes in flight (default AYBIZA_HEALTH_CONCURRENCY)")
        parser.add_argument("--answerers", type=int, default=4, help="answering UDP sockets (default 4)")

    def handle(self, *args, trunks, silent, timeout, concurrency, answerers, **options):
        if trunks < 1 or silent < 0 or timeout <= 0 or answerers < 1:
            raise CommandError("--trunks and --answerers must be >= 1, --silent >= 0, --timeout > 0.")
        # The answerers are on loopback, which production settings block for tenants' trunks.
        thresholds = Thresholds.from_settings().but(timeout_seconds=timeout, concurrency=concurrency,
                                                    blocked_networks=())
        context = multiprocessing.get_context("spawn")
        ports = context.Queue()
        child = context.Process(target=responder.serve, args=(answerers, ports), daemon=True)
        child.start()
        quiet = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(min(silent, 16) or 0)]
        try:
            answering_ports = ports.get(timeout=30)
            for sock in quiet:
                sock.bind(("127.0.0.1", 0))
            quiet_ports = [sock.getsockname()[1] for sock in quiet]
            self.stdout.write(f"{trunks} answering trunks over {answerers} UDP answerer(s), {silent} silent; "
                              f"timeout {timeout:g} s, concurrency {thresholds.concurrency}.")
            self._probe_only(answering_ports, trunks, thresholds)
            try:
                with transaction.atomic():
                    self._service(answering_ports, quiet_ports, trunks, silent, thresholds)
                    raise Rollback
            except Rollback:
                pass
        finally:
            for sock in quiet:
                sock.close()
            child.terminate()
            child.join(5)

    def _probe_only(self, answering_ports, trunks, thresholds):
        targets = [SipTarget("127.0.0.1", answering_ports[i % len(answering_ports)], "udp") for i in range(trunks)]
        started = time.monotonic()
        results = probe_many(targets, concurrency=thresholds.concurrency, timeout=thresholds.timeout_seconds)
        took = time.monotonic() - started
        answered = sum(r.status_code == 200 for r in results)
        self.stdout.write(f"probes only:                {trunks} trunks in {took:.2f} s "
                          f"({trunks / took:.0f}/s), {answered} answered 200")

    def _service(self, answering_ports, quiet_ports, trunks, silent, thresholds):
        tenant, user = self._world()
        rows = [self._trunk(tenant, user, f"bench-{i}", answering_ports[i % len(answering_ports)])
                for i in range(trunks)]
        rows += [self._trunk(tenant, user, f"bench-silent-{i}", quiet_ports[i % len(quiet_ports)])
                 for i in range(silent)]
        created = SipTrunk.objects.bulk_create(rows, batch_size=1000)
        answering, quiet = created[:trunks], created[trunks:]

        run = sip_trunks_check_health(trunks=answering, thresholds=thresholds)
        verdict = "under" if run.seconds < 10 else "OVER"
        self.stdout.write(f"check_health, answering:    {run.checked} trunks in {run.seconds:.2f} s "
                          f"({verdict} the 10 s target): {dict(run.by_status)}")
        if quiet:
            run = sip_trunks_check_health(trunks=quiet, thresholds=thresholds)
            waves = -(-len(quiet) // thresholds.concurrency)
            self.stdout.write(f"check_health, silent only:  {run.checked} trunks in {run.seconds:.2f} s "
                              f"(= {waves} wave(s) x {thresholds.timeout_seconds:g} s timeout + recording): "
                              f"{dict(run.by_status)}")
            run = sip_trunks_check_health(trunks=answering + quiet, thresholds=thresholds)
            self.stdout.write(f"check_health, mixed:        {run.checked} trunks in {run.seconds:.2f} s "
                              f"(silent peers cost their timeout, not the run): {dict(run.by_status)}")

    @staticmethod
    def _trunk(tenant, user, name, port):
        return SipTrunk(name=name, organization_id=tenant.organization_id, tenant=tenant, provider_name="benchmark",
                        termination_uri=f"sip:127.0.0.1:{port}", created_by=user, max_concurrent_calls=1)

    @staticmethod
    def _world():
        organization, _ = Organization.objects.get_or_create(slug="benchmark", defaults={"name": "Benchmark"})
        tenant, _ = Tenant.objects.get_or_create(
            slug="benchmark", defaults={"name": "Benchmark", "subdomain": "benchmark", "organization": organization})
        role, _ = Role.objects.get_or_create(organization=organization, name="benchmark")
        user, _ = User.objects.get_or_create(email="benchmark@example.invalid", defaults={
            "full_name": "Benchmark", "organization": organization, "tenant": tenant, "role": role, "password": "!"})
        return tenant, user
