"""Business actions on ops staff (the platform organization's users)."""

from django.db import transaction

from ..models import User


@transaction.atomic
def ops_user_create(*, email: str, password: str | None, full_name: str, superuser: bool = False) -> User:
    """Create an ops staff member (a user of the platform organization)."""
    return User.objects.create_ops_user(email, password, full_name=full_name, superuser=superuser)
