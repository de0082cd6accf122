"""The /api/v1/ router: every app's api/urls.py registers its viewsets here.

`load()` imports `<app>.api.urls` of every installed app that has one (as the
admin finds each app's admin.py), so a new app's routes need no edit here.
"""

from django.utils.module_loading import autodiscover_modules
from rest_framework.routers import DefaultRouter

from .scopes import ACTIONS


class ApiRouter(DefaultRouter):
    include_format_suffixes = False
    include_root_view = False


router = ApiRouter(trailing_slash="/")


def load() -> ApiRouter:
    """Import each installed app's api.urls (which registers on `router`) once."""
    autodiscover_modules("api.urls")
    return router


def registered_scopes() -> list[str]:
    load()
    return sorted({viewset.scope for _, viewset, _ in router.registry if getattr(viewset, "scope", "")})


def all_scopes() -> list[str]:
    """Every resource:action a key can hold (from the router), for validating new keys.

    A viewset with a `scope_action` (routing: `resolve`) has that one action instead of read/write.
    """
    special = {getattr(viewset, "scope", ""): viewset.scope_action for _, viewset, _ in load().registry
               if getattr(viewset, "scope_action", "")}
    return [scope for resource in registered_scopes()
            for scope in ([f"{resource}:{special[resource]}"] if resource in special
                          else [f"{resource}:{action}" for action in ACTIONS])]
