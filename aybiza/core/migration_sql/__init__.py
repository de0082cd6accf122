"""SQL that applied migrations ran, frozen (docs/architecture.md, "Migrations are history").

Each module here is versioned (``*_v1``) and never edited once a migration
imports it: an edit would silently change what an already-applied migration
means. New SQL goes into a new module (``*_v2``) used by a new migration.
"""
