"""Some columns of a model read with hand-written SQL and turned back into model instances.

For the few hot paths (call routing) where building the ORM query costs more than running it:

    number = Columns(PhoneNumber, "p", ("id", "number", "status", "tenant_id"))
    cursor.execute(f"SELECT {number.sql} FROM {number.table} AS p WHERE p.number = %s", [value])
    row = cursor.fetchone()
    phone = number.instance(row[:len(number)])   # a PhoneNumber with the other columns deferred

The values go through each field's database converter (JSON, encrypted columns...) as the ORM's
would, and an all-NULL slice (a LEFT JOIN that matched nothing) gives None.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections


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
        quote = connection.ops.quote_name  # leaves a schema-qualified '"schema"."table"' as it is
        self.table = quote(model._meta.db_table)
        self.sql = ", ".join(f"{alias}.{quote(f.column)}" for f in self.fields)
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
        converted = []
        for value, converters in zip(values, self._converters):
            for converter in converters:
                value = converter(value, None, connection)
            converted.append(value)
        return self.model.from_db(self.using, [f.attname for f in self.fields], converted)
