"""Statements that PostgreSQL plans once per connection, for the few every request runs.

Django's cursors bind parameters on the client: the values travel inside the query text, so
PostgreSQL parses and plans each statement anew (half a millisecond for call routing's join). A
`plan_once()` cursor sends the parameters apart from the text instead, and psycopg prepares a
statement on its connection once it has run `prepare_threshold` times (DATABASES OPTIONS:
5, psycopg's default; None behind PgBouncer's transaction pooling, where the next transaction
may run on another server connection that never saw the statement: then nothing is prepared).

The cursor is Django's wrapper around it, so errors, query logging and execute wrappers work
as with `connection.cursor()`. Write its SQL for server-side binding: `%s` / `%(name)s`
placeholders, never inside quotes or identifiers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.utils import CursorDebugWrapper


class _LoggedCursor(CursorDebugWrapper):
    """Logs the statement with its values (as Django's own cursors do); psycopg does not keep the
    text of a prepared statement's execution."""

    def execute(self, sql, params=None):
        try:
            shown = self.db.ops.compose_sql(sql, params)
        except Exception:  # noqa: BLE001 - a value the client-side composer cannot render: show the template
            shown = sql
        with self.debug_sql(shown):
            return super(CursorDebugWrapper, self).execute(sql, params)


@contextmanager
def plan_once(using: str = DEFAULT_DB_ALIAS) -> Iterator:
    connection = connections[using]
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        raw = psycopg.Cursor(connection.connection)
    cursor = _LoggedCursor(raw, connection) if connection.queries_logged else connection.make_cursor(raw)
    try:
        yield cursor
    finally:
        cursor.close()
