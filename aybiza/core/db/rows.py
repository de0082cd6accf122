"""Hot paths without the ORM's query building: reading some columns back into instances, inserting a row.

For the few hot paths (call routing, call ingestion, the audit trail) where building the ORM query
costs more than running it:

    number = Columns(PhoneNumber, "p", ("id", "number", "status", "tenant_id"))
    cursor.execute(f"SELECT {number.sql} FROM {number.table} AS p WHERE p.number = %s", [value])
    row = cursor.fetchone()
    phone = number.instance(row[:len(number)])   # a PhoneNumber with the other columns deferred

The values go through each field's database converter (JSON, encrypted columns...) as the ORM's
would, and an all-NULL slice (a LEFT JOIN that matched nothing) gives None.

    insert(Call(...))      # what call.save(force_insert=True) writes, planned once per connection

Both run their statements through aybiza.core.db.prepared.plan_once.
"""

from __future__ import annotations

import functools

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.expressions import DatabaseDefault

from .prepared import plan_once


class Columns:
    def __init__(self, model, alias: str, names: tuple[str, ...], *, using: str = DEFAULT_DB_ALIAS):
        wanted = set(names)
        self.model = model
        self.using = using
        # In the model's column order: Model.from_db() expects the loaded values in that order.
        self.fields = [f for f in model._meta.concrete_fields if f.name in wanted or f.attname in wanted]
        unknown = wanted - {f.name for f in self.fields} - {f.attname for f in self.fields}
        if unknown:
            raise ValueError(f"{model._meta.label} has no column(s) {sorted(unknown)}")
        connection = connections[using]
        self.table = table_sql(model, using)
        self.sql = ", ".join(f"{alias}.{connection.ops.quote_name(f.column)}" for f in self.fields)
        self._converters = [
            [c for c in f.get_db_converters(connection) if c is not None] for f in self.fields
        ]

    def __len__(self) -> int:
        return len(self.fields)

    def instance(self, values):
        """The model instance of these values (None when they are all NULL)."""
        if all(value is None for value in values):
            return None
        connection = connections[self.using]
        converted = [_converted(value, converters, connection) for value, converters in zip(values, self._converters)]
        return self.model.from_db(self.using, [f.attname for f in self.fields], converted)


def insert(instance, *, using: str = DEFAULT_DB_ALIAS):
    """INSERT `instance` as `instance.save(force_insert=True)` would, and return it.

    The same values (each field's pre_save and database preparation: defaults, auto_now, JSON,
    encryption); columns left to their database default are returned and set on the instance.
    Unlike save(), no pre_save/post_save signals are sent: use it only for models nothing listens to.
    """
    model = type(instance)
    if model._meta.parents:
        raise TypeError(f"{model._meta.label}: insert() writes one table; multi-table inheritance is not supported")
    connection = connections[using]
    columns, values, defaults = [], [], []
    for field in model._meta.local_concrete_fields:
        value = field.pre_save(instance, True)
        if isinstance(value, DatabaseDefault):
            defaults.append(field)
            continue
        columns.append(field.column)
        values.append(field.get_db_prep_save(value, connection))
    with plan_once(using) as cursor:
        cursor.execute(_insert_sql(model, tuple(columns), tuple(f.column for f in defaults), using), values)
        returned = cursor.fetchone() if defaults else ()
    for field, value in zip(defaults, returned):
        setattr(instance, field.attname, _converted(value, field.get_db_converters(connection), connection))
    instance._state.adding = False
    instance._state.db = using
    return instance


def table_sql(model, using: str = DEFAULT_DB_ALIAS) -> str:
    """The model's table, quoted for SQL (a schema-qualified '"schema"."table"' stays as it is)."""
    return connections[using].ops.quote_name(model._meta.db_table)


def _converted(value, converters, connection):
    """A loaded value as the ORM hands it over (each field's database converters, in order)."""
    for converter in converters:
        value = converter(value, None, connection)
    return value


@functools.lru_cache(maxsize=256)
def _insert_sql(model, columns: tuple[str, ...], defaults: tuple[str, ...], using: str) -> str:
    quote = connections[using].ops.quote_name
    sql = (f"INSERT INTO {table_sql(model, using)} ({', '.join(quote(c) for c in columns)}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    return sql + (f" RETURNING {', '.join(quote(c) for c in defaults)}" if defaults else "")
