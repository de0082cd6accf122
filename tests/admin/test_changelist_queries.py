"""Changelists: query counts do not grow with the rows shown; large tables are never fully counted."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aybiza.admin.base import TimeSeriesAdmin
from aybiza.admin.pagination import EstimatedCountPaginator
from tests import factories

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def changelist_queries(client, model, query="") -> int:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist") + query
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=[m._meta.label for m, _ in REGISTERED])
def test_query_count_does_not_depend_on_rows(admin_client, model, model_admin):
    factory = getattr(factories, f"{model.__name__}Factory")
    query = "?period=all" if isinstance(model_admin, TimeSeriesAdmin) else ""
    factory.create_batch(2)
    few = changelist_queries(admin_client, model, query)
    factory.create_batch(6)
    many = changelist_queries(admin_client, model, query)
    assert many == few, f"{model._meta.label}: {few} queries with few rows, {many} with more (N+1)"


def test_large_tables_are_not_fully_counted(admin_client, monkeypatch):
    monkeypatch.setattr(EstimatedCountPaginator, "exact_limit", 3)
    factories.CallFactory.create_batch(5)
    url = reverse("admin:analytics_call_changelist") + "?period=all"
    with CaptureQueriesContext(connection) as ctx:
        response = admin_client.get(url)
    sql = [q["sql"] for q in ctx.captured_queries]
    assert not any(s.startswith('SELECT COUNT(*) AS "__count" FROM "call_analytics"."calls"') for s in sql)
    assert any(s.startswith("EXPLAIN") for s in sql)
    assert "about " in response.content.decode()


def test_time_series_default_to_a_recent_window(admin_client):
    from django.utils import timezone

    old = factories.SecurityEventFactory(timestamp=timezone.now() - timezone.timedelta(days=40))
    new = factories.SecurityEventFactory()
    text = admin_client.get(reverse("admin:security_app_securityevent_changelist")).content.decode()
    assert str(new.pk) in text and str(old.pk) not in text
    text = admin_client.get(reverse("admin:security_app_securityevent_changelist") + "?period=90d").content.decode()
    assert str(old.pk) in text


def test_time_series_are_read_only(admin_client):
    call = factories.CallFactory()
    assert admin_client.get(reverse("admin:analytics_call_add")).status_code == 403
    assert admin_client.post(reverse("admin:analytics_call_delete", args=[call.pk])).status_code == 403
    html = admin_client.get(reverse("admin:analytics_call_change", args=[call.pk])).content.decode()
    assert 'name="_save"' not in html
