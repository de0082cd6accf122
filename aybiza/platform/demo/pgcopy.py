"""Bulk loading with PostgreSQL COPY, for the demo's high-volume tables.

COPY streams rows to the server in one statement, several times faster than
INSERTs or bulk_create: that is what lets `seed_demo --calls 100000` finish
in well under two minutes. Rows are dicts keyed by model field names (or
attnames such as "tenant_id"); omitted columns get their database DEFAULT.

COPY bypasses the ORM, so it must never be used for a model with an
encrypted field: those values would be written as plaintext.

What makes bulk loading slow is less the rows than the indexes: a row whose
keys land on random index pages dirties (and, after each checkpoint, writes
to the WAL in full) a page per index. Rows are therefore generated in the
order of their keys where the demo can choose them: time-ordered ids
(`sequential_uuids`) and calls in chronological order.
"""

import itertools
import operator
import secrets
import time
import uuid
from collections.abc import Iterable, Iterator

from django.db import connection, models

from aybiza.core.db.fields import encrypted_fields


def copy_rows(model: type[models.Model], rows: Iterable[dict]) -> int:
    """COPY `rows` (dicts with the same keys) into the model's table; returns the number written."""
    if encrypted_fields(model):
        raise ValueError(f"{model.__name__} has encrypted fields: save it through the ORM, not COPY")
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    names = list(first)
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(name).column) for name in names)
    values = operator.itemgetter(*names)  # a tuple, in `names` order (rows have several columns)
    sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
    written = 0
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in itertools.chain([first], rows):
            if len(row) != len(names):  # a key the first row lacks would be dropped silently
                raise ValueError(f"{model.__name__} rows differ in their keys: {sorted(row)} vs {sorted(names)}")
            copy.write_row(values(row))
            written += 1
    return written


def sequential_uuids() -> Iterator[uuid.UUID]:
    """Time-ordered UUIDs (the UUIDv7 layout: 48-bit milliseconds, version 7, then a counter).

    Successive ids are increasing, so a bulk load appends to the right edge
    of the primary key index instead of touching a random page per row.
    """
    milliseconds = time.time_ns() // 1_000_000
    base = (milliseconds << 80) | (7 << 76) | (secrets.randbits(12) << 64) | (0b10 << 62)
    for counter in itertools.count(secrets.randbits(48)):
        yield uuid.UUID(int=base | counter)
