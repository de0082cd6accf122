"""Transactional tests are cleaned by Django's flush; it must see the spec's schemas."""

import pytest
from django.apps import apps
from django.db import connection

SPEC_APPS = ("accounts", "agents", "telephony", "analytics", "automation", "security_app")


@pytest.mark.django_db
def test_flush_truncates_every_spec_table():
    flushed = set(connection.introspection.django_table_names(only_existing=True, include_views=False))
    spec_tables = {m._meta.db_table for a in SPEC_APPS for m in apps.get_app_config(a).get_models() if m._meta.managed}
    assert len(spec_tables) == 30
    assert spec_tables <= flushed


@pytest.mark.django_db
def test_schema_table_names_do_not_include_views_unless_asked():
    names = connection.introspection.table_names()
    assert 'agent_manager"."organizations' in names
    assert all("pg_catalog" not in name for name in names)
