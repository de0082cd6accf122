"""The tenancy subset of the cross-tenant matrix, run through PgBouncer (transaction pooling).

The default connection is pointed at Debian's PgBouncer (tests/conftest.py
`pgbouncer`: 2 server connections, prepare_threshold None) for these tests:
the matrix's own test functions run unchanged for the resources whose tables
have row-level security (tenants' agents, phone numbers, calls, workflows,
tools) plus the calls' time series.
"""

import psycopg
import pytest
from django.db import connections

from . import test_tenant_matrix as matrix

pytestmark = pytest.mark.infra

RLS_RESOURCES = ("agents", "phone-numbers", "calls", "call-metrics", "workflows", "tools")
SUBSET = [param for param in matrix.routes() if param.values[0] in RLS_RESOURCES]


def _xacts(bouncer, database) -> int:
    with bouncer.connect("pgbouncer", autocommit=True) as admin:
        cursor = psycopg.ClientCursor(admin)  # the admin console speaks the simple query protocol only
        cursor.execute("SHOW STATS")
        columns = [column.name for column in cursor.description]
        return sum(int(dict(zip(columns, row))["total_xact_count"]) for row in cursor.fetchall()
                   if dict(zip(columns, row))["database"] == database)


@pytest.fixture(autouse=True)
def through_pgbouncer(pgbouncer):
    """Every connection to the default database goes through PgBouncer during the test (set up before `db`)."""
    default = connections["default"]
    settings = default.settings_dict
    saved = {key: settings.get(key) for key in ("HOST", "PORT", "OPTIONS", "DISABLE_SERVER_SIDE_CURSORS")}
    default.close()
    settings.update(pgbouncer.django_settings(settings))
    before = _xacts(pgbouncer, settings["NAME"])
    yield
    default.close()
    settings.update(saved)
    assert _xacts(pgbouncer, settings["NAME"]) > before  # the test's work really went through the pooler


def test_the_connection_is_pooled(pgbouncer, db):
    connection = connections["default"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT inet_server_port() IS NULL")  # PgBouncer reaches the server over its Unix socket
        assert cursor.fetchone() == (True,)
    assert connection.connection.info.port == pgbouncer.port
    assert connection.connection.prepare_threshold is None


@pytest.mark.parametrize("outsider", ["b", "org2"])
@pytest.mark.parametrize("prefix, viewset, basename", SUBSET)
def test_outsider_gets_404_and_changes_nothing_through_pgbouncer(api, prefix, viewset, basename, outsider):
    matrix.test_outsider_gets_404_and_changes_nothing(api, prefix, viewset, basename, outsider)


@pytest.mark.parametrize("prefix, viewset, basename", SUBSET)
def test_owner_and_its_organization_can_read_through_pgbouncer(api, prefix, viewset, basename):
    matrix.test_owner_and_its_organization_can_read(api, prefix, viewset, basename)
