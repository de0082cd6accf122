"""Django's PostgreSQL backend, with foreign keys that carry their ON DELETE.

Django emulates `on_delete` in Python only; its constraints are created with
no ON DELETE clause. The spec wants the database itself to cascade or null,
so that a DELETE issued in psql behaves as the spec says. This backend adds
`ON DELETE CASCADE` / `ON DELETE SET NULL` to each constraint from the
field's own `on_delete`, so the model stays the single source of truth.
"""
