"""aybiza.core.db.rows.Columns: hand-written SELECTs turned back into model instances, as the ORM would."""

import datetime

import pytest
from django.db import connection
from django.db.models.query_utils import DeferredAttribute

from aybiza.core.db.rows import Columns
from telephony.models import PhoneNumber
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_an_instance_is_what_the_orm_loads_with_the_other_columns_deferred():
    number = f.PhoneNumberFactory(settings={"sip_trunk_id": "x", "nested": {"a": [1, 2]}})
    columns = Columns(PhoneNumber, "p", ("id", "number", "settings", "tenant_id"))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns.sql} FROM {columns.table} AS p WHERE p.id = %s", [number.id])
        values = cursor.fetchone()
    loaded = columns.instance(values)
    expected = PhoneNumber.objects.only("id", "number", "settings", "tenant_id").get(pk=number.id)
    assert type(loaded) is PhoneNumber and loaded.pk == number.pk
    assert (loaded.number, loaded.settings, loaded.tenant_id) == (expected.number, expected.settings, expected.tenant_id)
    assert loaded.settings == {"sip_trunk_id": "x", "nested": {"a": [1, 2]}}  # JSON decoded, not a string
    assert loaded.get_deferred_fields() == expected.get_deferred_fields() and "status" in loaded.get_deferred_fields()
    assert isinstance(PhoneNumber.__dict__["status"], DeferredAttribute)
    assert loaded.status == number.status  # a deferred column still loads on access, as with only()
    assert loaded._state.db == "default" and not loaded._state.adding


def test_all_null_values_are_no_instance_and_unknown_columns_are_refused():
    columns = Columns(PhoneNumber, "p", ("id", "number"))
    assert columns.instance((None, None)) is None
    with pytest.raises(ValueError, match="no column"):
        Columns(PhoneNumber, "p", ("id", "nope"))


def test_insert_writes_what_save_would_and_returns_database_defaults():
    from django.db.models.expressions import DatabaseDefault

    from aybiza.core.db.rows import insert
    from security_app.models import ApiKey

    tenant = f.TenantFactory()
    user = f.UserFactory(organization=tenant.organization, tenant=tenant)
    key = ApiKey(key_hash="h" * 64, name="insert", organization=tenant.organization, tenant=tenant, created_by=user,
                 permissions={"agents": ["read"]})
    key.created_at = DatabaseDefault(ApiKey._meta.get_field("created_at").db_default)  # left to the column's DEFAULT (transaction time): read back
    assert insert(key) is key and isinstance(key.created_at, datetime.datetime) and not key._state.adding and key._state.db == "default"
    stored = ApiKey.objects.get(pk=key.pk)
    for field in ApiKey._meta.concrete_fields:
        assert getattr(stored, field.attname) == getattr(key, field.attname), field.name
    assert stored.permissions == {"agents": ["read"]} and stored.created_at is not None


def test_insert_refuses_a_duplicate_with_djangos_error_and_writes_nothing():
    from django.db import IntegrityError, transaction

    from aybiza.core.db.rows import insert
    from analytics.models import Call

    call = f.CallFactory()
    duplicate = Call(call_sid=call.call_sid, direction="inbound", status="completed", from_number="+12025550100",
                     to_number="+12025550143", start_time=call.start_time, tenant=call.tenant,
                     organization_id=call.organization_id)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert(duplicate)
    assert Call.objects.filter(call_sid=call.call_sid).count() == 1
