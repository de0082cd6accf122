"""Scopes: api_keys.permissions says what a key may do, per resource and action.

    {"agents": ["read", "write"], "calls": ["read"], "*": ["read"]}

`read` covers GET/HEAD/OPTIONS, `write` every other method; the two are
independent ("write" does not imply "read"). `"*"` applies to every resource.
A view may instead name one action of its own (`scope_action`): `routing:resolve`
is granted only by `{"routing": ["resolve"]}`, never by `"*"`.
Each view names its resource in `scope` (sub-resources share their parent's:
agent versions are "agents"); a missing scope is a 403 that names it.
"""

from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .principal import Principal

ACTIONS = ("read", "write")
WILDCARD = "*"


def required_scope(view, request) -> str:
    """`resource:read|write`, or the view's own action (`scope_action`, e.g. routing:resolve)."""
    action = getattr(view, "scope_action", "") or ("read" if request.method in SAFE_METHODS else "write")
    return f"{view.scope}:{action}"


def grants(permissions: dict, scope: str) -> bool:
    resource, _, action = scope.partition(":")
    if not isinstance(permissions, dict):
        return False
    for name in (resource, WILDCARD) if action in ACTIONS else (resource,):  # "*" never grants routing:resolve
        allowed = permissions.get(name)
        if isinstance(allowed, str):
            allowed = [allowed]
        if isinstance(allowed, list) and action in allowed:
            return True
    return False


class MissingScope(exceptions.PermissionDenied):
    default_code = "missing_scope"

    def __init__(self, scope: str):
        super().__init__(f"This API key lacks the scope {scope}.")
        self.scope = scope


class HasScope(BasePermission):
    def has_permission(self, request, view):
        principal = request.auth
        if not isinstance(principal, Principal):
            return False  # -> 401 (no key given)
        scope = required_scope(view, request)
        if not grants(principal.scopes(), scope):
            raise MissingScope(scope)
        return True
