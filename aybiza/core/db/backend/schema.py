from django.db import models
from django.db.backends.postgresql.schema import DatabaseSchemaEditor as PostgresSchemaEditor

ON_DELETE_SQL = {
    models.CASCADE: " ON DELETE CASCADE",
    models.SET_NULL: " ON DELETE SET NULL",
}


class DatabaseSchemaEditor(PostgresSchemaEditor):
    # Columns added to existing tables get their FK through _create_fk_sql too.
    sql_create_column_inline_fk = None

    def _create_fk_sql(self, model, field, suffix):
        statement = super()._create_fk_sql(model, field, suffix)
        on_delete = ON_DELETE_SQL.get(field.remote_field.on_delete, "")
        statement.parts["deferrable"] = on_delete + statement.parts["deferrable"]
        return statement
