"""Business actions on organizations, tenants, roles and users."""

from django.conf import settings
from django.db import transaction

from ..models import Organization, Role, User

OPS_SUPERUSER_ROLE = "Platform superuser"
OPS_STAFF_ROLE = "Platform operator"


@transaction.atomic
def platform_organization_get_or_create() -> Organization:
    """The organization whose users are the platform's ops staff."""
    organization, _ = Organization.objects.get_or_create(
        slug=settings.PLATFORM_ORGANIZATION_SLUG,
        defaults={"name": "AYBIZA Platform Operations", "status": "active", "compliance_status": "verified"},
    )
    return organization


@transaction.atomic
def ops_role_get_or_create(*, superuser: bool) -> Role:
    organization = platform_organization_get_or_create()
    name = OPS_SUPERUSER_ROLE if superuser else OPS_STAFF_ROLE
    role, _ = Role.objects.get_or_create(
        organization=organization,
        name=name,
        defaults={
            "description": "Back-office access" + (" with every permission." if superuser else "."),
            "permissions": {"backoffice": {"staff": True, "superuser": superuser, "permissions": []}},
            "is_system_role": True,
            "scope": "organization",
        },
    )
    return role


@transaction.atomic
def ops_user_create(*, email: str, password: str | None, full_name: str, superuser: bool = False) -> User:
    """Create an ops staff member (a user of the platform organization)."""
    role = ops_role_get_or_create(superuser=superuser)
    return User.objects.create_user(
        email=email, password=password, full_name=full_name, organization=role.organization, role=role
    )
