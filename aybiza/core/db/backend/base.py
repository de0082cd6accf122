from django.db.backends.postgresql import base

from .introspection import DatabaseIntrospection
from .schema import DatabaseSchemaEditor


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor
    introspection_class = DatabaseIntrospection
