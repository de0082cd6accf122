"""The core: what every app builds on, importing no app (docs/architecture.md).

db helpers (columns, fields, consistency, locking, encryption, the backend),
the tenancy runtime (RLS contexts), state machines and transitions, version
publishing, the audit trail writer, service errors, client-address rules,
time-series upkeep, and the frozen SQL that applied migrations ran.
"""
