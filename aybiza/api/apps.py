from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "aybiza.api"
    label = "api"
    verbose_name = "API"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import fields

        fields.install()  # client-set times stay within aybiza/core/db/timebounds.py's range
