"""aybiza.core.db.prepared.plan_once: hot statements planned once per connection; Django's own cursors never."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aybiza.core.db.prepared import plan_once
from tests import factories as f

pytestmark = pytest.mark.django_db


def _prepared(text: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [f"%{text}%"])
        return cursor.fetchone()[0]


def test_a_statement_is_prepared_after_the_threshold_and_logged_with_its_values():
    tenant = f.TenantFactory()
    sql = "SELECT t.slug /* plan-once-test */ FROM agent_manager.tenants AS t WHERE t.id = %s"
    threshold = connection.connection.prepare_threshold
    assert threshold == 5
    for _ in range(threshold + 1):
        with plan_once() as cursor:
            cursor.execute(sql, [tenant.id])
            assert cursor.fetchone() == (tenant.slug,)
    assert _prepared("plan-once-test") == 1
    with CaptureQueriesContext(connection) as queries, plan_once() as cursor:
        cursor.execute(sql, [tenant.id])
    assert queries.captured_queries[0]["sql"] == sql.replace("%s", f"'{tenant.id.hex}'::uuid")


def test_djangos_own_cursors_never_prepare():
    tenant = f.TenantFactory()
    for _ in range(10):
        with connection.cursor() as cursor:
            cursor.execute("SELECT t.slug /* client-bound-test */ FROM agent_manager.tenants AS t WHERE t.id = %s",
                           [tenant.id])
    assert _prepared("client-bound-test") == 0


def test_errors_are_djangos():
    from django.db import ProgrammingError

    with pytest.raises(ProgrammingError), plan_once() as cursor:
        cursor.execute("SELECT no_such_column FROM agent_manager.tenants")


def test_a_block_inside_another_gets_its_own_cursor():
    with plan_once() as outer:
        outer.execute("SELECT generate_series(1, 3)")
        with plan_once() as inner:
            inner.execute("SELECT 42")
            assert inner.fetchone() == (42,)
        assert outer.fetchall() == [(1,), (2,), (3,)]  # not clobbered by the inner statement
    with plan_once() as again:
        again.execute("SELECT 7")
        assert again.fetchone() == (7,)
