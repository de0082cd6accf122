"""Database building blocks shared by every app: fields, locking, schema helpers."""
