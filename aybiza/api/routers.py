"""The /api/v1/ router: every app's api/urls.py registers its viewsets here."""

from rest_framework.routers import DefaultRouter


class ApiRouter(DefaultRouter):
    include_format_suffixes = False
    include_root_view = False


router = ApiRouter(trailing_slash="/")

APPS = ("agents", "telephony", "analytics", "automation", "security_app")


def load() -> ApiRouter:
    """Import each app's api.urls (which registers on `router`) once."""
    from importlib import import_module

    for app in APPS:
        import_module(f"{app}.api.urls")
    return router


def registered_scopes() -> list[str]:
    load()
    return sorted({viewset.scope for _, viewset, _ in router.registry if getattr(viewset, "scope", "")})
