"""Django settings for the AYBIZA back-office.

Everything that differs between machines comes from the environment (or a
`.env` file beside manage.py, which `./dev` writes on first run):

- DATABASE_URL: any PostgreSQL 16.9+ (with or without TimescaleDB). Unset:
  the embedded PostgreSQL 18 server under .local/pgdata is started.
- SECRET_KEY, DEBUG, ALLOWED_HOSTS.
- AYBIZA_FIELD_ENCRYPTION_KEYS: comma-separated Fernet keys, newest first.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
FIELD_ENCRYPTION_KEYS = env.list("AYBIZA_FIELD_ENCRYPTION_KEYS")

INSTALLED_APPS = [
    "aybiza.admin.apps.OpsAdminConfig",  # django.contrib.admin with the ops console site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "accounts",
    "agents",
    "telephony",
    "analytics",
    "automation",
    "security_app",
    "aybiza.api",
    "procrastinate.contrib.django",  # the job runner: tables in public, each app's tasks.py (docs/operations.md)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "aybiza.api.middleware.ApiAccessMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "aybiza.urls"
WSGI_APPLICATION = "aybiza.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database() -> dict:
    if env("DATABASE_URL", default=""):
        database = env.db("DATABASE_URL")
    else:
        from aybiza.embedded_db import database_settings

        database = database_settings()
    # Django's PostgreSQL backend, plus ON DELETE on foreign keys (aybiza/db/backend).
    database["ENGINE"] = "aybiza.db.backend"
    database.setdefault("OPTIONS", {})
    # Lets parallel test runs on one server use separate databases.
    database["TEST"] = {"NAME": env("AYBIZA_TEST_DATABASE", default=None)}
    return database


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# models.E034 limits index names to 30 characters for Oracle's sake; the
# spec's index names are longer and PostgreSQL allows 63.
SILENCED_SYSTEM_CHECKS = ["models.E034"]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.RoleBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The organization whose users are the platform's ops staff (the only ones
# who may reach the admin). Created by `manage.py seed_demo` / `create_ops_user`.
PLATFORM_ORGANIZATION_SLUG = env("AYBIZA_PLATFORM_ORGANIZATION_SLUG", default="aybiza-ops")

# Business services (docs/services.md): how long a compliance verification
# lasts (`manage.py expire_compliance`) and how long a reserved phone number is held.
AYBIZA_COMPLIANCE_VALIDITY_DAYS = env.int("AYBIZA_COMPLIANCE_VALIDITY_DAYS", default=365)
AYBIZA_RESERVATION_HOLD_MINUTES = env.int("AYBIZA_RESERVATION_HOLD_MINUTES", default=15)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / ".local" / "static"

# The tenant API (docs/api.md). Every /api/v1/ view derives from
# aybiza.api.viewsets, which sets authentication, scopes, rate limits and the
# tenant's row-level-security context; these are the defaults it builds on.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "aybiza.api.schema.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["aybiza.api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["aybiza.api.scopes.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["aybiza.api.ratelimit.ApiKeyRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "aybiza.api.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "aybiza.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "COERCE_DECIMAL_TO_STRING": True,
}
AYBIZA_API = {
    # Client addresses (CIDRs) of reverse proxies whose X-Forwarded-For is believed.
    "TRUSTED_PROXIES": env.list("AYBIZA_API_TRUSTED_PROXIES", default=[]),
    # Largest request body accepted (413 above it); the bulk metrics endpoint needs ~3 MB for 10,000 rows.
    "MAX_BODY_BYTES": env.int("AYBIZA_API_MAX_BODY_BYTES", default=16 * 1024 * 1024),
    # api_access_logs rows are buffered and written by a background thread ("background"),
    # or only when aybiza.api.accesslog.flush() is called ("manual", the tests).
    "ACCESS_LOG_MODE": env("AYBIZA_API_ACCESS_LOG_MODE", default="background"),
    "ACCESS_LOG_FLUSH_SECONDS": 1.0,
    # api_keys.last_used_at / usage_count are written at most this often per key.
    "USAGE_WRITE_INTERVAL_SECONDS": 60,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "AYBIZA back-office API",
    "VERSION": "1.0.0",
    "DESCRIPTION": "The tenant integration API. Authenticate with `Authorization: Bearer <API key>`; see docs/api.md.",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several tables share column names ("status", "acquisition_method") with different choices.
    "ENUM_NAME_OVERRIDES": {
        "LifecycleStatusEnum": "agents.choices.AgentStatus",  # = automation WorkflowStatus
        "VersionStatusEnum": "agents.choices.AgentVersionStatus",  # = automation WorkflowVersionStatus
        "PhoneNumberStatusEnum": "telephony.choices.PhoneNumberStatus",
        "ReservationStatusEnum": "telephony.choices.ReservationStatus",
        "PortingRequestStatusEnum": "telephony.choices.PortingRequestStatus",
        "SipTrunkStatusEnum": "telephony.choices.SipTrunkStatus",
        "HealthStatusEnum": "telephony.choices.HealthStatus",
        "AcquisitionMethodEnum": "telephony.choices.AcquisitionMethod",
        "NewNumberAcquisitionMethodEnum": [("managed", "Managed"), ("sip_trunk", "Sip Trunk"), ("twilio", "Twilio")],
        "ReservationAcquisitionMethodEnum": "telephony.choices.ReservationAcquisitionMethod",
        "CallStatusEnum": "analytics.choices.CallStatus",
        "ExecutionStatusEnum": "automation.choices.ExecutionStatus",
        "NodeExecutionStatusEnum": "automation.choices.NodeExecutionStatus",
        "ToolStatusEnum": "automation.choices.ToolStatus",
        "ToolVersionStatusEnum": "automation.choices.ToolVersionStatus",
        "ApiKeyStatusEnum": "security_app.choices.ApiKeyStatus",
        "AuditLogStatusEnum": "security_app.choices.AuditLogStatus",
        "ComplianceReportStatusEnum": "security_app.choices.ComplianceReportStatus",
        "SeverityEnum": "security_app.choices.Severity",
    },
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}


# --- Jobs (procrastinate, on this PostgreSQL) and alerting: docs/operations.md ---------------------------------
PROCRASTINATE_ON_APP_READY = "aybiza.jobs.on_app_ready"
# Periodic jobs: task name -> cron (UTC). Adding one is one line; an unknown name stops the worker at start.
AYBIZA_PERIODIC_JOBS = {
    "analytics.refresh_rollups": env("AYBIZA_CRON_REFRESH_ROLLUPS", default="* * * * *"),
    "analytics.enforce_retention": env("AYBIZA_CRON_RETENTION", default="17 3 * * *"),
    "telephony.expire_reservations": env("AYBIZA_CRON_EXPIRE_RESERVATIONS", default="* * * * *"),
    "accounts.expire_compliance": env("AYBIZA_CRON_EXPIRE_COMPLIANCE", default="7 2 * * *"),
    "security.evaluate_alerts": env("AYBIZA_CRON_EVALUATE_ALERTS", default="* * * * *"),
}
# Retries: a failed job runs again after 2, 4, 8, 16... seconds (exponential), up to this many attempts.
AYBIZA_JOB_MAX_ATTEMPTS = env.int("AYBIZA_JOB_MAX_ATTEMPTS", default=5)
AYBIZA_JOB_BACKOFF_BASE = env.int("AYBIZA_JOB_BACKOFF_BASE", default=2)

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="alerts@aybiza.localhost")

AYBIZA_ALERTS = {
    "DIGEST_THRESHOLD": env.int("AYBIZA_ALERT_DIGEST_THRESHOLD", default=5),  # more notices at once: one digest
    "WEBHOOK_TIMEOUT": env.float("AYBIZA_WEBHOOK_TIMEOUT", default=5.0),  # seconds per attempt
    "WEBHOOK_DISABLE_AFTER": env.int("AYBIZA_WEBHOOK_DISABLE_AFTER", default=5),  # consecutive failed attempts
    "DELIVERY_MAX_ATTEMPTS": env.int("AYBIZA_ALERT_DELIVERY_MAX_ATTEMPTS", default=6),
    "DELIVERY_BACKOFF_BASE": env.int("AYBIZA_ALERT_DELIVERY_BACKOFF_BASE", default=3),  # 3, 9, 27, 81... s
    # Webhook URLs must be http(s); loopback/private targets are allowed only when this is true (dev, tests).
    "WEBHOOK_ALLOW_PRIVATE": env.bool("AYBIZA_WEBHOOK_ALLOW_PRIVATE", default=DEBUG),
}
