"""Business actions of the accounts app (see docs/services.md)."""

from .compliance import (
    COMPLIANCE,
    organization_compliance_expire,
    organization_compliance_reject,
    organization_compliance_verify,
)
from .ops import (
    OPS_STAFF_ROLE,
    OPS_SUPERUSER_ROLE,
    ops_role_get_or_create,
    ops_user_create,
    platform_organization_get_or_create,
)

__all__ = [
    "COMPLIANCE",
    "OPS_STAFF_ROLE",
    "OPS_SUPERUSER_ROLE",
    "ops_role_get_or_create",
    "ops_user_create",
    "organization_compliance_expire",
    "organization_compliance_reject",
    "organization_compliance_verify",
    "platform_organization_get_or_create",
]
