from django.apps import AppConfig


class TelephonyConfig(AppConfig):
    name = "telephony"
    verbose_name = "Telephony: numbers, reservations, porting, SIP trunks"

    def ready(self):
        from . import alert_conditions  # noqa: F401  (registers its alert triggers)
