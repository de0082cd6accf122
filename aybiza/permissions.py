"""Permission checks for callers of business services (admin views, API views, commands).

Services take the actor but never check Django permissions themselves: the
caller decides who may call them. This is the one helper callers share.
"""

from django.core.exceptions import PermissionDenied


def require_permission(actor, perm: str) -> None:
    """Raise PermissionDenied unless `actor` holds `perm` ("app_label.codename")."""
    if actor is None or not getattr(actor, "is_active", False) or not actor.has_perm(perm):
        raise PermissionDenied(f"You do not have the permission {perm}.")
