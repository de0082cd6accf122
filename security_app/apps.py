from django.apps import AppConfig


class SecurityAppConfig(AppConfig):
    name = "security_app"
    verbose_name = "Security"

    def ready(self):
        from . import subject_sources  # noqa: F401 - registers security_app's personal-data sources
        from .alerts import conditions  # noqa: F401  (registers its alert triggers)
