"""aybiza.core.db.rows.Columns: hand-written SELECTs turned back into model instances, as the ORM would."""

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
