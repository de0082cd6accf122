from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Call analytics"

    def ready(self):
        from . import controls, personal_data  # noqa: F401 - register the call tables' sources and controls
