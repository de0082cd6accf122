from django.db.backends.postgresql import base
from psycopg.postgres import types as pg_types
from psycopg.pq import Format

from aybiza.core.db import timebounds

from .introspection import DatabaseIntrospection
from .schema import DatabaseSchemaEditor


TIMESTAMPTZ_OID = pg_types["timestamptz"].oid


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor
    introspection_class = DatabaseIntrospection

    def get_new_connection(self, conn_params):
        """Django's connection, reading out-of-range timestamps without failing (aybiza/core/db/timebounds.py)."""
        connection = super().get_new_connection(conn_params)
        timebounds.register(connection, self.timezone)
        return connection

    def create_cursor(self, name=None):
        cursor = super().create_cursor(name)
        # Django registers its own loader on a cursor whose time zone differs from the connection's.
        if not issubclass(cursor.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT), timebounds.SafeTimestamptzLoader):
            timebounds.register(cursor, self.timezone)
        return cursor
