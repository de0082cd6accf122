"""Business actions of the analytics app (see docs/services.md): the call lifecycle and metric ingestion."""
