from django.apps import AppConfig


class PlatformConfig(AppConfig):
    name = "aybiza.platform"
    label = "platform"
    verbose_name = "Platform"
