from django.db.backends.postgresql.introspection import DatabaseIntrospection as PostgresIntrospection

# The spec's schemas (docs/decisions.md: "Tables in the spec's schemas").
SPEC_SCHEMAS = ("agent_manager", "phone_manager", "call_analytics", "automation_engine", "security")


class DatabaseIntrospection(PostgresIntrospection):
    def table_names(self, cursor=None, include_views=False):
        """Also name the tables in the spec's schemas, as models spell them ('schema"."table').

        Django only sees tables on the search_path; without this, `flush` (run
        after every transactional test) would leave the spec's tables full.
        """
        names = super().table_names(cursor, include_views)
        if cursor is None:
            with self.connection.cursor() as cursor:
                return names + self._schema_table_names(cursor, include_views)
        return names + self._schema_table_names(cursor, include_views)

    def _schema_table_names(self, cursor, include_views):
        kinds = ["r", "p", "f"] + (["v", "m"] if include_views else [])
        cursor.execute(
            """
            SELECT n.nspname || '"."' || c.relname
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ANY(%s) AND c.relkind = ANY(%s)
            ORDER BY 1
            """,
            [list(SPEC_SCHEMAS), kinds],
        )
        return [row[0] for row in cursor.fetchall()]
