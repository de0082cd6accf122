"""Transactional tests are cleaned by Django's flush; it must see the spec's schemas."""

import pytest
from django.apps import apps
from django.db import connection

SPEC_APPS = ("accounts", "agents", "telephony", "analytics", "automation", "security_app")
# Our tables beside the spec's (docs/decisions.md): flushed all the same.
EXTENSIONS = {'phone_manager"."sip_trunk_health_checks', 'phone_manager"."phone_number_health_periods',
              'security"."data_subject_requests'}


@pytest.mark.django_db
def test_flush_truncates_every_spec_table():
    flushed = set(connection.introspection.django_table_names(only_existing=True, include_views=False))
    spec_tables = {m._meta.db_table for a in SPEC_APPS for m in apps.get_app_config(a).get_models() if m._meta.managed}
    alerting = {f'security"."{name}' for name in ("alert_rules", "webhook_endpoints", "alerts", "alert_notifications",
                                                  "alert_deliveries")}  # alerting, docs/decisions.md
    assert EXTENSIONS | alerting <= spec_tables
    assert len(spec_tables - EXTENSIONS - alerting) == 30
    assert spec_tables <= flushed


@pytest.mark.django_db
def test_schema_views_are_listed_only_when_asked():
    with connection.cursor() as cursor:
        cursor.execute("CREATE VIEW agent_manager.flush_probe AS SELECT 1 AS one")
    tables = connection.introspection.table_names()
    with_views = connection.introspection.table_names(include_views=True)
    assert 'agent_manager"."organizations' in tables
    assert tables.count('agent_manager"."organizations') == 1
    assert 'agent_manager"."flush_probe' not in tables
    assert 'agent_manager"."flush_probe' in with_views
