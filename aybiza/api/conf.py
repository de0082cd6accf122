"""The API's settings (settings.AYBIZA_API), with defaults."""

from django.conf import settings

DEFAULTS = {
    "TRUSTED_PROXIES": [],
    "MAX_BODY_BYTES": 16 * 1024 * 1024,
    "MAX_JSON_DEPTH": 32,
    "AUTH_FAILURE_LIMIT": 30,
    "AUTH_FAILURE_WINDOW_SECONDS": 300,
    "ACCESS_LOG_MODE": "background",
    "ACCESS_LOG_FLUSH_SECONDS": 1.0,
    "USAGE_WRITE_INTERVAL_SECONDS": 60,
    "KEY_CACHE_SECONDS": 300,
}


def api_setting(name: str):
    return {**DEFAULTS, **getattr(settings, "AYBIZA_API", {})}[name]
