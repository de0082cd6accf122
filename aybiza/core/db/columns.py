"""Small constructors for the column shapes the spec repeats.

Each returns an ordinary Django field with both a Python default (what the
ORM writes) and a database DEFAULT (what a plain SQL INSERT gets), so the two
can never disagree. Nullability follows the spec exactly: a column without
NOT NULL in the spec is nullable in the database, while `blank=False` keeps
the project itself from writing NULL where a default exists.
"""

import copy
import functools
import uuid

from decimal import Decimal

from django.contrib.postgres.functions import RandomUUID
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


# Ranges the spec gives in comments ("0.00-1.00", "-1.00 to 1.00"); checked by
# full_clean(), not by the database (the spec declares no CHECK for them).
UNIT_INTERVAL = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]
SIGNED_UNIT_INTERVAL = [MinValueValidator(Decimal("-1")), MaxValueValidator(Decimal("1"))]


class TransactionNow(models.Func):
    """`NOW()` as the spec writes it (Django's Now() renders STATEMENT_TIMESTAMP())."""

    template = "NOW()"
    output_field = models.DateTimeField()


def table(schema: str, name: str) -> str:
    """`db_table` for a table in a PostgreSQL schema (Django quotes it as "schema"."name")."""
    return f'{schema}"."{name}'


def uuid_pk() -> models.UUIDField:
    return models.UUIDField(primary_key=True, default=uuid.uuid4, db_default=RandomUUID(), editable=False)


def created_at(**kwargs) -> models.DateTimeField:
    return models.DateTimeField(default=timezone.now, db_default=TransactionNow(), editable=False, **kwargs)


def updated_at() -> models.DateTimeField:
    return models.DateTimeField(auto_now=True, db_default=TransactionNow(), editable=False)


def now_default(**kwargs) -> models.DateTimeField:
    """A `DEFAULT NOW()` timestamp the caller may set (e.g. an event's own time)."""
    return models.DateTimeField(default=timezone.now, db_default=TransactionNow(), **kwargs)


def lock_version() -> models.IntegerField:
    """`version INTEGER DEFAULT 1`, the optimistic lock (see locking.VersionedModel)."""
    return models.IntegerField(default=1, db_default=1, null=True, editable=False)


def jsonb(default, *, null: bool = True, **kwargs) -> models.JSONField:
    """JSONB with a JSON default; `null=False` for the spec's NOT NULL columns."""
    field_class = kwargs.pop("field_class", models.JSONField)
    return field_class(
        default=functools.partial(copy.deepcopy, default),
        db_default=default,
        null=null,
        blank=True,
        **kwargs,
    )


def choice(choices, *, default=None, max_length: int = 50, null: bool = True, **kwargs) -> models.CharField:
    """A VARCHAR limited to `choices` (the CHECK comes from `choices_check`)."""
    if default is None:
        return models.CharField(max_length=max_length, choices=choices.choices, null=null, **kwargs)
    return models.CharField(
        max_length=max_length, choices=choices.choices, default=default, db_default=default, null=null, **kwargs
    )


def flag(default: bool) -> models.BooleanField:
    return models.BooleanField(default=default, db_default=default, null=True)


def integer(default: int, **kwargs) -> models.IntegerField:
    return models.IntegerField(default=default, db_default=default, null=True, **kwargs)


def decimal(max_digits: int, decimal_places: int, default=None, **kwargs) -> models.DecimalField:
    if default is None:
        return models.DecimalField(max_digits=max_digits, decimal_places=decimal_places, **kwargs)
    return models.DecimalField(
        max_digits=max_digits, decimal_places=decimal_places, default=default, db_default=default, null=True, **kwargs
    )


def varchar(max_length: int, default=None, **kwargs) -> models.CharField:
    if default is None:
        return models.CharField(max_length=max_length, **kwargs)
    return models.CharField(max_length=max_length, default=default, db_default=default, null=True, **kwargs)


def optional_varchar(max_length: int) -> models.CharField:
    return models.CharField(max_length=max_length, null=True, blank=True)


def optional_text() -> models.TextField:
    return models.TextField(null=True, blank=True)


def optional_datetime(**kwargs) -> models.DateTimeField:
    return models.DateTimeField(null=True, blank=True, **kwargs)


def choices_check(table_name: str, field: str, choices) -> models.CheckConstraint:
    """The spec's `CHECK (field IN (...))`, named as PostgreSQL would name it."""
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=f"{table_name}_{field}_check")


def unique(table_name: str, *fields: str, name: str | None = None) -> models.UniqueConstraint:
    return models.UniqueConstraint(fields=list(fields), name=name or f"{table_name}_{'_'.join(fields)}_key")


def fk(to, *, on_delete, null: bool = False, related_name: str = "+", **kwargs) -> models.ForeignKey:
    """A foreign key without Django's automatic index: the spec lists its indexes."""
    return models.ForeignKey(
        to, on_delete=on_delete, null=null, blank=null, related_name=related_name, db_index=False, **kwargs
    )
