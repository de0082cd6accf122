"""Shared test setup: a real PostgreSQL (the embedded server unless DATABASE_URL is set)."""

import pytest
from django.db import connection, connections


def timescaledb_available() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'")
        return cursor.fetchone() is not None


@pytest.fixture
def requires_timescaledb(db):
    if not timescaledb_available():
        pytest.skip("the TimescaleDB extension is not installed on this server (plain-PostgreSQL mode)")


# --- Tenancy / time-series helpers (tests/test_rls.py, test_rollups.py, test_retention.py) ---


class TenantWorld:
    """Minimal rows for RLS and time-series tests, created as the owner (RLS bypassed)."""

    def __init__(self):
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def organization(self, slug: str, **fields):
        from accounts.models import Organization

        return Organization.objects.create(name=slug, slug=slug, **fields)

    def tenant(self, organization, slug: str, **fields):
        from accounts.models import Tenant

        return Tenant.objects.create(organization=organization, name=slug, slug=slug, subdomain=slug, **fields)

    def user(self, organization, tenant=None):
        from accounts.models import Role, User

        n = self._next()
        role = Role.objects.create(organization=organization, name=f"role-{n}")
        return User.objects.create(
            email=f"user{n}@{organization.slug}.example", password="!", full_name=f"User {n}",
            organization=organization, tenant=tenant, role=role,
        )

    def agent(self, tenant, user):
        from agents.models import Agent

        return Agent.objects.create(
            name=f"agent-{self._next()}", organization_id=tenant.organization_id, tenant=tenant,
            created_by=user, system_prompt="Be helpful.",
        )

    def phone_number(self, tenant, user):
        from telephony.models import PhoneNumber

        n = self._next()
        return PhoneNumber.objects.create(
            number=f"+1555000{n:04d}", formatted_number=f"+1555000{n:04d}", country_code="1",
            local_number=f"000{n:04d}", acquisition_method="managed", provider="aybiza",
            organization_id=tenant.organization_id, tenant=tenant, region="us-east-1", created_by=user,
        )

    def call(self, tenant, start_time, agent=None, **fields):
        from analytics.models import Call

        fields.setdefault("direction", "inbound")
        fields.setdefault("status", "completed")
        return Call.objects.create(
            call_sid=f"CA{self._next():08d}", from_number="+15550001111", to_number="+15550002222",
            start_time=start_time, organization_id=tenant.organization_id, tenant=tenant, agent=agent, **fields,
        )

    def workflow(self, tenant, user):
        from automation.models import Workflow

        return Workflow.objects.create(
            organization_id=tenant.organization_id, tenant=tenant, name=f"wf-{self._next()}",
            trigger_type="manual", created_by=user,
        )

    def tool(self, organization=None, tenant=None):
        from automation.models import Tool

        return Tool.objects.create(
            organization=organization, tenant=tenant, name=f"tool-{self._next()}", tool_type="http_api",
            input_schema={}, output_schema={},
        )


@pytest.fixture
def world(db):
    return TenantWorld()


SPEC_SCHEMAS = ("agent_manager", "phone_manager", "call_analytics", "automation_engine", "security")


def truncate_spec_tables():
    """Empty every table of the spec schemas (and the rollup bookkeeping).

    Django's flush after a transactional test only sees tables on the
    search_path (public), so rows in the spec schemas would survive into
    later tests; transactional tests here use the `clean_spec_tables` fixture.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT format('%%I.%%I', n.nspname, c.relname) FROM pg_class c
               JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'p')""",
            [list(SPEC_SCHEMAS)],
        )
        tables = [row[0] for row in cursor.fetchall()]
        tables += ["public.timeseries_invalidations", "public.timeseries_state"]
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")


@pytest.fixture
def clean_spec_tables(transactional_db):
    truncate_spec_tables()
    yield
    truncate_spec_tables()


@pytest.fixture(autouse=True)
def _access_log_written_by_the_test(settings):
    """API access-log rows are written when a test flushes them, never by the background writer thread.

    That thread writes on its own connection, outside the test's transaction: rows of a test's keys
    would not be visible to it, and its writes would hold locks across tests.
    """
    from aybiza.api import accesslog

    settings.AYBIZA_API = {**settings.AYBIZA_API, "ACCESS_LOG_MODE": "manual"}
    yield
    accesslog.clear()


@pytest.fixture(autouse=True)
def _forget_auth_throttle_blocks():
    """The per-address failed-authentication blocks live in the process (aybiza/api/auth_throttle.py)."""
    from aybiza.api import auth_throttle

    auth_throttle.clear()
    yield
    auth_throttle.clear()


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Argon2 (the project's first hasher) costs ~0.15 s a hash; tests use a fast one.

    tests/test_passwords.py checks the real configuration.
    """
    from aybiza import settings as project_settings

    # New hashes are fast; hashes made outside this fixture (module-scoped
    # setup) still verify.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *project_settings.PASSWORD_HASHERS]


@pytest.fixture(scope="session")
def pgbouncer(django_db_setup):
    """Debian's PgBouncer, transaction pooling, 2 server connections, in front of the test server (tests/infra.py)."""
    from tests import infra

    if infra.pgbouncer_binary() is None:
        pytest.skip("pgbouncer is not installed: `./dev test` installs Debian's package when run as root")
    settings = connections["default"].settings_dict
    bouncer = infra.start_pgbouncer(server_host=settings["HOST"], server_port=settings["PORT"])
    yield bouncer
    bouncer.stop()
