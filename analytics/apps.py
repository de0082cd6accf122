from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Call analytics"

    def ready(self):
        # Phone-number health (telephony, a lower layer) reads recent call outcomes through this reader.
        from telephony.health import call_outcomes

        from .health import call_outcomes_by_number

        call_outcomes.register(call_outcomes_by_number)

        from . import controls, personal_data  # noqa: F401 - register the call tables' sources and controls
