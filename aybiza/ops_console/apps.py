from django.apps import AppConfig


class OpsConsoleConfig(AppConfig):
    name = "aybiza.ops_console"
    label = "ops_console"
    verbose_name = "Ops console"
