"""The range of instants a client may write into a time column, and a database loader that never fails on one.

A timestamp such as ``9999-12-31T23:59:59-12:00`` is valid ISO 8601 but is
year 10000 in UTC: PostgreSQL stores it, Python's datetime cannot hold it,
and every later read of that row (API lists, the admin, rollup refreshes)
failed for everyone. So:

- every client-set time (API serializers, bulk ingestion) must lie within
  [EARLIEST, LATEST] (`check` raises a ValidationError naming the field);
- rows that are already out of range (written before, or by hand in psql)
  are read as datetime.min / datetime.max (UTC) instead of raising
  (`SafeTimestamptzLoader`, registered by aybiza/core/db/backend on every connection).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from psycopg import DataError
from psycopg.types.datetime import TimestamptzLoader

EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.timezone.utc)
EARLIEST_DATE, LATEST_DATE = EARLIEST.date(), LATEST.date()
MESSAGE = "Must be between 1970-01-01 and 2100-01-01 (UTC)."


def in_range(value) -> bool:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        try:
            return EARLIEST <= value < LATEST
        except OverflowError:  # e.g. year 9999 at -12:00
            return False
    if isinstance(value, dt.date):
        return EARLIEST_DATE <= value < LATEST_DATE
    return True


def check(value, field: str):
    """The value, or ValidationError({field}) when it is outside the writable range."""
    if value is not None and not in_range(value):
        raise ValidationError({field: MESSAGE})
    return value


MAX = dt.datetime.max.replace(tzinfo=dt.timezone.utc)
MIN = dt.datetime.min.replace(tzinfo=dt.timezone.utc)


class SafeTimestamptzLoader(TimestamptzLoader):
    """timestamptz -> aware datetime; out of Python's range -> datetime.max/min instead of DataError."""

    timezone = None  # as Django's loader: the connection's time zone

    def load(self, data):
        try:
            value = super().load(data)
        except (DataError, OverflowError, ValueError):
            text = bytes(data)
            value = MIN if text.startswith(b"-") or text.endswith(b"BC") or b" BC" in text else MAX
        return value.replace(tzinfo=self.timezone) if self.timezone is not None else value


def register(connection, timezone) -> None:
    """Use SafeTimestamptzLoader on this psycopg connection (or cursor)."""

    class Loader(SafeTimestamptzLoader):
        pass

    Loader.timezone = timezone
    connection.adapters.register_loader("timestamptz", Loader)
