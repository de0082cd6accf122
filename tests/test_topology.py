"""The production topology, for real: PgBouncer (transaction pooling), a streaming replica, PITR.

One module-scoped setup commits a small topo (two organizations, three
tenants, an agent and calls each, API keys) to the test database, starts
Debian's PgBouncer in front of the test server (pool of 2 server
connections) and a hot standby made from the test server with
pg_basebackup -R, and removes all of it afterwards. The PITR drill runs on a
throwaway cluster of its own (archive_mode needs a restart).

Marked `infra`: `./dev test` runs them (CI too, ~30 s); `-m "not infra"` leaves them out.
"""

from __future__ import annotations

import io
import shutil
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connections, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases
from django.utils import timezone

from agents.models import Agent
from analytics.models import Call
from aybiza.core.db import backups, routers
from aybiza.core.tenancy import organization_context, tenant_context
from security_app.services.api_keys import api_key_create
from tests import infra
from tests.conftest import TenantWorld, truncate_spec_tables

pytestmark = pytest.mark.infra

PGBOUNCER = "pgbouncer_test"
REPLICA = "replica_test"
TRANSACTIONS = 10_000
CLIENTS = 8


def quoted(model) -> str:
    return f'"{model._meta.db_table}"'


class World:
    pass


def is_test_database(settings_dict) -> bool:
    from django.db.backends.base.creation import TEST_DATABASE_PREFIX

    wanted = (settings_dict.get("TEST") or {}).get("NAME")
    return settings_dict["NAME"] == wanted if wanted else settings_dict["NAME"].startswith(TEST_DATABASE_PREFIX)


@pytest.fixture(scope="module")
def test_database(django_db_setup, django_db_blocker):
    """The test database, even when no selected test asked pytest-django for one (e.g. `-k pgbouncer`)."""
    connection = connections["default"]
    if is_test_database(connection.settings_dict):
        yield
        return
    with django_db_blocker.unblock():
        config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    yield
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:  # PgBouncer (session-scoped) still holds server connections
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        teardown_databases(config, verbosity=0)


@pytest.fixture(scope="module")
def topo(test_database, django_db_blocker):
    """Committed rows of three tenants (two organizations) and their API keys; emptied afterwards."""
    assert is_test_database(connections["default"].settings_dict)  # never the developer's database
    with django_db_blocker.unblock():
        truncate_spec_tables()
        make = TenantWorld()
        w = World()
        w.org1, w.org2 = make.organization("topo-org1"), make.organization("topo-org2")
        w.tenants = {"a": make.tenant(w.org1, "topo-a"), "b": make.tenant(w.org1, "topo-b"),
                     "c": make.tenant(w.org2, "topo-c")}
        w.keys = {}
        for name, tenant in w.tenants.items():
            user = make.user(tenant.organization, tenant)
            agent = make.agent(tenant, user)
            for hours in (1, 2):
                make.call(tenant, timezone.now() - timedelta(hours=hours), agent=agent)
            _, w.keys[name] = api_key_create(organization=tenant.organization, tenant=tenant, actor=user,
                                             name=f"topology {name}", permissions={"*": ["read", "write"]})
        w.database = connections["default"].settings_dict["NAME"]
        yield w
        connections["default"].close()
        truncate_spec_tables()
        connections["default"].close()


@pytest.fixture
def live(django_db_blocker):
    """Queries on the test database outside any test transaction (the module's rows are committed)."""
    with django_db_blocker.unblock():
        yield
    for alias in list(connections.settings):
        if alias != "default":
            connections[alias].close()


@pytest.fixture(scope="module")
def bouncer(pgbouncer, topo, django_db_blocker):
    """A Django alias for the test database through PgBouncer (prepare_threshold None)."""
    connections.settings[PGBOUNCER] = pgbouncer.django_settings(connections["default"].settings_dict)
    yield pgbouncer
    connections[PGBOUNCER].close()
    del connections.settings[PGBOUNCER]


@pytest.fixture(scope="module")
def replica(topo, django_db_blocker):
    primary = connections["default"].settings_dict
    if not str(primary["HOST"]).startswith("/"):
        pytest.skip("the replica drill copies the local test server (DATABASE_URL points elsewhere)")
    try:
        standby = infra.start_replica(primary_host=primary["HOST"], primary_port=primary["PORT"], dbname=topo.database)
    except backups.BackupError as error:
        pytest.fail(f"could not make a streaming replica of the test server: {error}")
    connections.settings[REPLICA] = standby.django_settings(primary)
    routers.forget_replica_health()
    yield standby
    connections[REPLICA].close()
    del connections.settings[REPLICA]
    routers.forget_replica_health()
    standby.stop()


def test_without_replicas_reads_stay_on_the_primary(db):
    assert routers.replica_aliases() == []
    assert routers.choose_replica("key:anyone") == "default"
    with routers.replica_reads(client=None) as alias:
        assert alias == "default"
        assert Call.objects.all().db == "default"
    assert routers.ReplicaRouter().db_for_read(Call) is None


def wait_for_replay(replica, topo):
    """Until the replica has replayed everything the primary has written so far.

    A transaction with an id is committed first, so the replica has replayed a commit and knows
    its replay time (a replica that replayed none since it started has an unknown lag: skipped).
    """
    with psycopg.connect(**_primary_kwargs(topo)) as conn:
        conn.execute("CREATE TEMPORARY TABLE aybiza_replay_tick ()")  # catalog rows: a commit in the WAL
        lsn = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]
    with replica.connect(topo.database) as conn:
        backups.wait_until(
            lambda: conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]).fetchone()[0],
            timeout=20, what="the replica to replay")


def _primary_kwargs(topo) -> dict:
    primary = connections["default"].settings_dict
    return {"host": primary["HOST"], "port": primary["PORT"], "dbname": topo.database, "user": "postgres",
            "autocommit": True}


# --------------------------------------------------------------------------------------------------
# PgBouncer
# --------------------------------------------------------------------------------------------------

def test_ten_thousand_pooled_transactions_leak_no_tenant_context(bouncer, topo, live):
    """8 clients, 2 server connections: tenant, organization-admin and plain transactions interleaved.

    Every 10th transaction goes through the project's tenant_context/organization_context on a Django
    connection to PgBouncer (6 round trips); the others send the same statements (SET LOCAL ROLE,
    set_config(..., true)) as one simple query, so 10,000 fit in seconds on a shared machine.
    """
    a, b, c = (topo.tenants[k] for k in "abc")
    plans = [("tenant", a), ("tenant", b), ("org", topo.org1), ("none", None), ("tenant", c), ("org", topo.org2)]
    expected = {
        ("tenant", a.pk): ("application_role", str(a.pk), [str(a.pk)]),
        ("tenant", b.pk): ("application_role", str(b.pk), [str(b.pk)]),
        ("tenant", c.pk): ("application_role", str(c.pk), [str(c.pk)]),
        ("org", topo.org1.pk): ("admin_role", "", sorted([str(a.pk), str(b.pk)])),
        ("org", topo.org2.pk): ("admin_role", "", [str(c.pk)]),
    }
    probe = (f"SELECT current_user, coalesce(current_setting('app.current_tenant_id', true), ''), "
             f"coalesce(current_setting('app.current_organization_id', true), ''), current_setting('role'), "
             f"pg_backend_pid(), ARRAY(SELECT DISTINCT tenant_id::text FROM {quoted(Agent)} ORDER BY 1), "
             f"ARRAY(SELECT DISTINCT tenant_id::text FROM {quoted(Call)} ORDER BY 1)")

    def raw_sql(kind, target):
        if kind == "none":
            return f"BEGIN; {probe}; COMMIT", 1
        role, tenant, organization = (
            ("application_role", target.pk, target.organization_id) if kind == "tenant" else ("admin_role", "", target.pk))
        return (f"BEGIN; SET LOCAL ROLE {role}; SELECT set_config('app.current_tenant_id', '{tenant}', true), "
                f"set_config('app.current_organization_id', '{organization}', true); {probe}; COMMIT"), 3

    def through_django(kind, target):
        if kind == "tenant":
            context = tenant_context(target.pk, using=PGBOUNCER)
        elif kind == "org":
            context = organization_context(target.pk, using=PGBOUNCER)
        else:
            context = transaction.atomic(using=PGBOUNCER)
        with context, connections[PGBOUNCER].cursor() as cursor:
            cursor.execute(probe)
            return cursor.fetchone()

    per_client = TRANSACTIONS // CLIENTS
    leaks, pids, done, errors, via_django = [], set(), [0], [], [0]
    lock = threading.Lock()

    def client(n):
        try:
            raw = bouncer.connect(topo.database, autocommit=True)
            for i in range(per_client):
                kind, target = plans[(n + i) % len(plans)]
                if i % 10 == 0:
                    row = through_django(kind, target)
                else:
                    sql, skip = raw_sql(kind, target)
                    cursor = raw.execute(sql)
                    for _ in range(skip):
                        cursor.nextset()
                    row = cursor.fetchone()
                user, tenant, organization, role, pid, agents, calls = row
                if kind == "none":
                    ok = (user, tenant, organization, role) == ("postgres", "", "", "none")
                else:
                    want_user, want_tenant, want_tenants = expected[(kind, target.pk)]
                    ok = (user == role == want_user and tenant == want_tenant
                          and organization == str(target.organization_id if kind == "tenant" else target.pk)
                          and agents == want_tenants and calls == want_tenants)
                with lock:
                    pids.add(pid)
                    done[0] += 1
                    via_django[0] += i % 10 == 0
                    if not ok:
                        leaks.append((kind, target and target.pk, user, tenant, organization, role, agents, calls))
            raw.close()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(repr(error))
        finally:
            connections.close_all()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    assert errors == []
    assert done[0] == TRANSACTIONS and via_django[0] == TRANSACTIONS // 10
    assert leaks == [], f"{len(leaks)} leaks, first: {leaks[:3]}"
    # Really multiplexed: 8 clients shared at most 2 server connections.
    assert 1 <= len(pids) <= bouncer.pool_size, pids
    print(f"{TRANSACTIONS} transactions through PgBouncer in {elapsed:.1f} s over {len(pids)} server connections")


def test_session_state_would_leak_through_the_pool_which_is_why_only_set_local_is_used(bouncer, topo, live):
    """The control: a session-level SET does survive into another client's transaction (so the test above can fail)."""
    seen = set()
    first = bouncer.connect(topo.database, autocommit=True)
    try:
        first.execute("SET application_name = 'x'")  # tracked by PgBouncer per client: harmless
        first.execute("SELECT set_config('app.current_tenant_id', %s, false)", [str(topo.tenants["a"].pk)])
        for _ in range(bouncer.pool_size * 4):
            with bouncer.connect(topo.database, autocommit=True) as other:
                seen.add(other.execute("SELECT coalesce(current_setting('app.current_tenant_id', true), '')").fetchone()[0])
    finally:
        first.execute("RESET ALL")  # leave the server connection clean
        first.execute("SELECT set_config('app.current_tenant_id', '', false)")
        first.close()
    assert str(topo.tenants["a"].pk) in seen


def _stats(bouncer, database) -> int:
    with bouncer.connect("pgbouncer", autocommit=True) as admin:
        cursor = psycopg.ClientCursor(admin)  # the admin console speaks the simple query protocol only
        cursor.execute("SHOW STATS")
        columns = [column.name for column in cursor.description]
        for row in cursor.fetchall():
            row = dict(zip(columns, row))
            if row["database"] == database:
                return int(row["total_xact_count"])
    return 0


def test_interleaved_api_requests_of_different_tenants_through_pgbouncer(bouncer, topo, live):
    """Each thread is a client of one tenant; its requests run over the pool's 2 server connections."""
    default = connections["default"].settings_dict
    saved = {key: default.get(key) for key in ("HOST", "PORT", "OPTIONS", "DISABLE_SERVER_SIDE_CURSORS")}
    own_agents = {name: set(map(str, Agent.objects.filter(tenant=t).values_list("pk", flat=True)))
                  for name, t in topo.tenants.items()}
    xacts_before = _stats(bouncer, topo.database)
    connections["default"].close()
    default.update(bouncer.django_settings(default))
    failures, errors = [], []

    def tenant_client(name):
        try:
            client = Client(HTTP_AUTHORIZATION=f"Bearer {topo.keys[name]}")
            for _ in range(10):
                response = client.get("/api/v1/agents/")
                ids = {row["id"] for row in response.json()["results"]} if response.status_code == 200 else None
                if ids != own_agents[name]:
                    failures.append((name, response.status_code, ids))
                response = client.get("/api/v1/calls/?limit=10")
                tenants = {row["tenant"] for row in response.json()["results"]} if response.status_code == 200 else None
                if tenants != {str(topo.tenants[name].pk)}:
                    failures.append((name, response.status_code, tenants))
        except Exception as error:  # noqa: BLE001
            errors.append(repr(error))
        finally:
            connections.close_all()

    try:
        threads = [threading.Thread(target=tenant_client, args=(name,)) for name in ("a", "b", "c", "a", "b", "c")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        connections["default"].close()
        default.update(saved)
    assert errors == []
    assert failures == []
    assert _stats(bouncer, topo.database) - xacts_before >= 6 * 10 * 2  # the requests' transactions went through it


# --------------------------------------------------------------------------------------------------
# Read replicas
# --------------------------------------------------------------------------------------------------

REPLICA_SETTINGS = {"MAX_LAG_SECONDS": 3600.0, "CHECK_SECONDS": 0.0, "READ_YOUR_WRITES_SECONDS": 30.0}


def test_replica_reads_go_to_the_streaming_replica_and_writes_to_the_primary(replica, topo, live):
    wait_for_replay(replica, topo)
    with override_settings(AYBIZA_REPLICAS=REPLICA_SETTINGS):
        assert routers.replica_status(REPLICA) == "ok"
        with routers.replica_reads(client="key:reader") as alias:
            assert alias == REPLICA
            assert Call.objects.all().db == REPLICA
            assert Call.objects.count() == 6
            with connections[REPLICA].cursor() as cursor:
                cursor.execute("SELECT pg_is_in_recovery()")
                assert cursor.fetchone() == (True,)
            agent = Agent.objects.get(tenant=topo.tenants["a"])
            assert agent._state.db == REPLICA
            agent.description = "written on the primary"
            agent.save(update_fields=["description"])  # routed to the primary, though read from the replica
        assert Agent.objects.using("default").get(pk=agent.pk).description == "written on the primary"
        assert Call.objects.all().db == "default"  # outside a replica_reads block: the primary


def test_rls_context_holds_on_the_hot_standby(replica, topo, live):
    a, b = topo.tenants["a"], topo.tenants["b"]
    wait_for_replay(replica, topo)
    with tenant_context(a.pk, using=REPLICA), connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT current_user, current_setting('app.current_tenant_id'), pg_is_in_recovery()")
        assert cursor.fetchone() == ("application_role", str(a.pk), True)
        assert set(Call.objects.using(REPLICA).values_list("tenant_id", flat=True)) == {a.pk}
        assert not Agent.objects.using(REPLICA).filter(tenant=b).exists()
    with organization_context(topo.org2.pk, using=REPLICA):
        assert set(Call.objects.using(REPLICA).values_list("tenant_id", flat=True)) == {topo.tenants["c"].pk}
    with transaction.atomic(using=REPLICA), connections[REPLICA].cursor() as cursor:  # nothing carried over
        cursor.execute("SELECT current_user, coalesce(current_setting('app.current_tenant_id', true), '')")
        assert cursor.fetchone() == ("postgres", "")


def test_read_your_writes_and_the_lag_guard(replica, topo, live):
    wait_for_replay(replica, topo)
    with override_settings(AYBIZA_REPLICAS=REPLICA_SETTINGS):
        routers.note_write("key:writer")
        assert routers.choose_replica("key:writer") == "default"  # it just wrote: the primary
        assert routers.choose_replica("key:someone-else") == REPLICA
    with override_settings(AYBIZA_REPLICAS={**REPLICA_SETTINGS, "READ_YOUR_WRITES_SECONDS": 0.2}):
        routers.note_write("key:brief")
        assert routers.choose_replica("key:brief") == "default"
        time.sleep(0.3)
        assert routers.choose_replica("key:brief") == REPLICA  # the marker expired

    standby = replica.connect(topo.database)
    standby.execute("SELECT pg_wal_replay_pause()")
    try:
        with psycopg.connect(**_primary_kwargs(topo)) as primary:
            time.sleep(0.6)
            primary.execute("SELECT pg_switch_wal()")  # WAL the replica has not replayed
            primary.execute("CREATE TEMP TABLE lag_marker AS SELECT 1")
            primary.execute(f"UPDATE {quoted(Agent)} SET description = 'lag' WHERE tenant_id = %s",
                            [topo.tenants["a"].pk])
        with override_settings(AYBIZA_REPLICAS={**REPLICA_SETTINGS, "MAX_LAG_SECONDS": 0.5, "CHECK_SECONDS": 60.0}):
            routers.forget_replica_health()
            health = routers.replica_health(REPLICA)
            assert health.state == "lagging" and health.lag_seconds > 0.5
            assert routers.choose_replica("key:reader") == "default"  # skipped
            ready = Client().get("/readyz")
            assert ready.status_code == 200  # the primary serves: a lagging replica does not make the app unready
            assert ready.json()["replicas"] == {REPLICA: "lagging"}
            standby.execute("SELECT pg_wal_replay_resume()")
            wait_for_replay(replica, topo)
            assert routers.replica_status(REPLICA) == "lagging"  # measured at most every CHECK_SECONDS
            routers.forget_replica_health()
            assert routers.replica_status(REPLICA) == "ok"
            assert routers.choose_replica("key:reader") == REPLICA
    finally:
        standby.execute("SELECT pg_wal_replay_resume()")
        standby.close()
        routers.forget_replica_health()


def test_the_ops_dashboard_reads_the_replica_and_the_login_stays_on_the_primary(replica, topo, live):
    from tests import factories as f

    staff = f.UserFactory(ops_superuser=True, email="topology-root@aybiza.example", full_name="Topology Root")
    client = Client()
    client.force_login(staff)
    wait_for_replay(replica, topo)
    try:
        with override_settings(AYBIZA_REPLICAS=REPLICA_SETTINGS):
            routers.forget_replica_health()
            with CaptureQueriesContext(connections[REPLICA]) as on_replica, \
                    CaptureQueriesContext(connections["default"]) as on_primary:
                response = client.get("/admin/")
        assert response.status_code == 200
        replica_sql = " ".join(q["sql"] for q in on_replica.captured_queries)
        primary_sql = " ".join(q["sql"] for q in on_primary.captured_queries)
        assert "call_analytics_hourly" in replica_sql and "call_analytics_hourly" not in primary_sql
        assert "django_session" in primary_sql and "django_session" not in replica_sql
    finally:
        client.logout()
        routers.forget_replica_health()


def test_an_unreachable_replica_is_skipped(topo, live):
    connections.settings["replica_gone"] = {**connections["default"].settings_dict, "HOST": "127.0.0.1", "PORT": "1"}
    try:
        with override_settings(AYBIZA_REPLICAS=REPLICA_SETTINGS):
            routers.forget_replica_health()
            assert routers.replica_status("replica_gone") == "unreachable"
            assert routers.choose_replica(None) in ("default", REPLICA)
            with routers.replica_reads() as alias:
                assert alias != "replica_gone"
    finally:
        connections["replica_gone"].close()
        del connections.settings["replica_gone"]
        routers.forget_replica_health()


def test_api_lists_read_the_replica_in_the_keys_rls_context_until_the_key_writes(replica, topo, live):
    """The calls list of key A comes from the (paused, stale) replica; after A's write, from the primary."""
    a = topo.tenants["a"]
    wait_for_replay(replica, topo)
    client_a = Client(HTTP_AUTHORIZATION=f"Bearer {topo.keys['a']}")
    client_b = Client(HTTP_AUTHORIZATION=f"Bearer {topo.keys['b']}")
    standby = replica.connect(topo.database)
    standby.execute("SELECT pg_wal_replay_pause()")
    fresh = f"CAFRESH{uuid.uuid4().hex[:10]}"
    try:
        with override_settings(AYBIZA_REPLICAS=REPLICA_SETTINGS):
            routers.forget_replica_health()
            Call.objects.create(call_sid=fresh, from_number="+14155550111", to_number="+14155550122",
                                start_time=timezone.now(), organization_id=a.organization_id, tenant=a,
                                direction="inbound", status="completed")
            sids = {row["call_sid"] for row in client_a.get("/api/v1/calls/").json()["results"]}
            assert fresh not in sids and len(sids) == 2  # the replica's (stale) copy, A's rows only
            b_rows = client_b.get("/api/v1/calls/").json()["results"]
            assert {row["tenant"] for row in b_rows} == {str(topo.tenants["b"].pk)}  # RLS on the replica
            response = client_a.post("/api/v1/calls/", {
                "call_sid": f"CAPOST{uuid.uuid4().hex[:10]}", "from_number": "+14155550111",
                "to_number": "+14155550122", "start_time": timezone.now().isoformat(), "direction": "inbound",
                "status": "initiated"}, content_type="application/json")
            assert response.status_code == 201, response.content
            sids = {row["call_sid"] for row in client_a.get("/api/v1/calls/").json()["results"]}
            assert fresh in sids and len(sids) == 4  # read-your-writes: the primary
            sids_b = {row["call_sid"] for row in client_b.get("/api/v1/calls/").json()["results"]}
            assert fresh not in sids_b
    finally:
        standby.execute("SELECT pg_wal_replay_resume()")
        standby.close()
        routers.forget_replica_health()
        Call.objects.filter(tenant=a, call_sid__in=[fresh]).delete()
        Call.objects.filter(tenant=a, call_sid__startswith="CAPOST").delete()


# --------------------------------------------------------------------------------------------------
# Backups and point-in-time recovery
# --------------------------------------------------------------------------------------------------

def test_point_in_time_restore_keeps_what_was_committed_before_the_target_and_nothing_after():
    root = infra.scratch_dir("pitr")
    primary_dir, archive, base, restored = root / "primary", root / "archive", root / "base", root / "restored"
    archive.mkdir()
    backups.own(archive)
    port, restored_port, sockets = infra.free_port(), infra.free_port(), root / "sock"
    backups.initdb(primary_dir, {**backups.archive_settings(archive), "fsync": "off"})  # a throwaway cluster
    try:
        backups.start(primary_dir, port=port, socket_dir=sockets)
        dsn = {"host": str(sockets), "port": port, "dbname": "postgres", "user": "postgres", "autocommit": True}
        with psycopg.connect(**dsn) as conn:
            conn.execute("CREATE TABLE drill (id int PRIMARY KEY, written_at timestamptz DEFAULT clock_timestamp())")
            conn.execute("INSERT INTO drill (id) SELECT g FROM generate_series(1, 100) g")
        backups.base_backup(host=str(sockets), port=port, into=base)
        with psycopg.connect(**dsn) as conn:
            conn.execute("INSERT INTO drill (id) SELECT g FROM generate_series(101, 200) g")  # after the base backup
            time.sleep(0.3)
            target = conn.execute("SELECT clock_timestamp()").fetchone()[0]
            time.sleep(0.3)
            conn.execute("INSERT INTO drill (id) SELECT g FROM generate_series(201, 300) g")  # after the target
            conn.execute("DELETE FROM drill WHERE id <= 10")  # after the target too
            segment = conn.execute("SELECT pg_walfile_name(pg_current_wal_lsn())").fetchone()[0]
            conn.execute("SELECT pg_switch_wal()")
        backups.wait_until(lambda: (archive / segment).exists(), timeout=30, what="the WAL segment to be archived")
    finally:
        backups.stop(primary_dir)
    try:
        with pytest.raises(CommandError, match="time zone"):
            call_command("restore_pitr", base_backup=base, wal_archive=archive, into=restored,
                         target_time=target.replace(tzinfo=None).isoformat())
        out = io.StringIO()
        call_command("restore_pitr", base_backup=base, wal_archive=archive, into=restored,
                     target_time=target.isoformat(), start=True, port=restored_port, socket_dir=sockets, stdout=out)
        assert "Recovered and promoted" in out.getvalue()
        with psycopg.connect(**{**dsn, "port": restored_port}) as conn:
            assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (False,)
            ids = [row[0] for row in conn.execute("SELECT id FROM drill ORDER BY id")]
            latest = conn.execute("SELECT max(written_at) FROM drill").fetchone()[0]
        assert ids == list(range(1, 201))  # before the target: all there (also those after the base backup)
        assert latest <= target
    finally:
        backups.stop(restored)
        shutil.rmtree(root, ignore_errors=True)
