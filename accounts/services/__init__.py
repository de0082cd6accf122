"""Business actions of the accounts app (see docs/services.md)."""

from .compliance import (
    COMPLIANCE,
    organization_compliance_expire,
    organization_compliance_reject,
    organization_compliance_verify,
)
from .ops import ops_user_create

__all__ = [
    "COMPLIANCE",
    "ops_user_create",
    "organization_compliance_expire",
    "organization_compliance_reject",
    "organization_compliance_verify",
]
