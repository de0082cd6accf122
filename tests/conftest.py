"""Shared test setup: a real PostgreSQL (the embedded server unless DATABASE_URL is set)."""

import pytest
from django.db import connection


def timescaledb_available() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'")
        return cursor.fetchone() is not None


@pytest.fixture
def requires_timescaledb(db):
    if not timescaledb_available():
        pytest.skip("the TimescaleDB extension is not installed on this server (plain-PostgreSQL mode)")
