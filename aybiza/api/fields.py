"""Serializer fields that keep client-set times inside the writable range (aybiza/core/db/timebounds.py).

`ApiConfig.ready()` makes them the ModelSerializer mapping of every model
DateTimeField/DateField, so each resource's time columns (calls' start_time,
detections' timestamp, keys' expires_at, ...) refuse a year-10000 instant
with a 400 naming the field, with no per-serializer code.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from aybiza.core.db import timebounds


class BoundedDateTimeField(serializers.DateTimeField):
    default_error_messages = {"overflow": timebounds.MESSAGE}

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if not timebounds.in_range(parsed):
            raise serializers.ValidationError(timebounds.MESSAGE, code="out_of_range")
        return parsed

    def enforce_timezone(self, value):
        try:
            return super().enforce_timezone(value)
        except (OverflowError, DjangoValidationError):
            raise serializers.ValidationError(timebounds.MESSAGE, code="out_of_range") from None


class BoundedDateField(serializers.DateField):
    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if not timebounds.in_range(parsed):
            raise serializers.ValidationError(timebounds.MESSAGE, code="out_of_range")
        return parsed


def install() -> None:
    """Map model DateTimeField/DateField to the bounded fields in every ModelSerializer."""
    from django.db import models

    mapping = serializers.ModelSerializer.serializer_field_mapping
    mapping[models.DateTimeField] = BoundedDateTimeField
    mapping[models.DateField] = BoundedDateField
