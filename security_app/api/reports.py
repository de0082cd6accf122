"""Compliance report generation for the API: see security_app/compliance.py (the service and the controls)."""

from security_app.compliance import (  # noqa: F401 - the API's names for the service
    FORMATS, DocumentTampered, canonical, compliance_report_generate, read_document,
)


def document(report) -> bytes:
    """The canonical JSON document of a report (what `checksum` is the SHA-256 of)."""
    return canonical(report.report_data)
