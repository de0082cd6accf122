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
            shown = _composer(self.db).mogrify(sql, params)
        except Exception:  # noqa: BLE001 - a value the client-side composer cannot render: show the template
            shown = sql
        with self.debug_sql(shown):
            return super(CursorDebugWrapper, self).execute(sql, params)


class _ServerBound(psycopg.Cursor):
    busy = False  # in use by a plan_once block


def _composer(connection) -> psycopg.ClientCursor:
    """A client-binding cursor of the connection, kept to render logged statements with their values."""
    cached = getattr(connection, "_aybiza_composer", None)
    if cached is None or cached.connection is not connection.connection:
        cached = connection._aybiza_composer = psycopg.ClientCursor(connection.connection)
    return cached


@contextmanager
def plan_once(using: str = DEFAULT_DB_ALIAS) -> Iterator:
    connection = connections[using]
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = _idle_cursor(connection)
    cursor = _LoggedCursor(raw, connection) if connection.queries_logged else connection.make_cursor(raw)
    raw.busy = True
    try:
        yield cursor
    finally:
        raw.busy = False


def _idle_cursor(connection):
    """The connection's reusable server-binding cursor (making a psycopg cursor copies its adapters:
    a tenth of a millisecond), or a new one while that one is in use by an enclosing block."""
    cached = getattr(connection, "_aybiza_plan_once", None)
    usable = cached is not None and cached.connection is connection.connection and not cached.closed
    if usable and not cached.busy:
        return cached
    with connection.wrap_database_errors:
        raw = _ServerBound(connection.connection)
    if not usable:
        connection._aybiza_plan_once = raw  # kept for the next block
    return raw
