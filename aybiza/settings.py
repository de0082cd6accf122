"""Django settings for the AYBIZA back-office.

Everything that differs between machines comes from the environment (or a
`.env` file beside manage.py, which `./dev` writes on first run):

- DATABASE_URL: any PostgreSQL 16.9+ (with or without TimescaleDB). Unset:
  the embedded PostgreSQL 18 server under .local/pgdata is started.
- SECRET_KEY, DEBUG, ALLOWED_HOSTS.
- AYBIZA_FIELD_ENCRYPTION_KEYS: comma-separated Fernet keys, newest first.
- AYBIZA_ENV=production: the production settings at the end of this file
  (DEBUG off, HTTPS only, HSTS, secure cookies; docs/deploy.md).
- AYBIZA_PGBOUNCER, AYBIZA_REPLICA_URLS: pooling and read replicas (docs/deploy.md).
"""

import sys
from pathlib import Path

import environ

from aybiza import embedded_db

# JSON nested ~1,000 deep was accepted before the 32-level limit (AYBIZA_API["MAX_JSON_DEPTH"]):
# such legacy rows must still load (json.loads recurses once per level) however deep the
# calling stack is, in the console and the API alike.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 4000))

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY")
AYBIZA_ENV = env("AYBIZA_ENV", default="development")
PRODUCTION = AYBIZA_ENV == "production"
DEBUG = False if PRODUCTION else env.bool("DEBUG", default=False)
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
    "aybiza.platform",  # the top floor: console site, dashboard, demo, project-wide commands
    "procrastinate.contrib.django",  # the job runner: tables in public, each app's tasks.py (docs/operations.md)
]

MIDDLEWARE = [
    "aybiza.health.HealthCheckMiddleware",  # /healthz, /readyz: before host checks and HTTPS redirects
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files without a separate web server
    "aybiza.api.middleware.ApiAccessMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "aybiza.core.db.routers.ReadYourWritesMiddleware",  # a client that wrote reads from the primary for a while
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
        database = embedded_db.database_settings()
    # Django's PostgreSQL backend, plus ON DELETE on foreign keys (aybiza/core/db/backend).
    database["ENGINE"] = "aybiza.core.db.backend"
    database.setdefault("OPTIONS", {})
    database["OPTIONS"].setdefault("connect_timeout", env.int("AYBIZA_DB_CONNECT_TIMEOUT", default=5))
    # Hot hand-written statements are prepared after this many runs (aybiza/core/db/prepared.py);
    # Django's own cursors bind on the client and never prepare anything.
    database["OPTIONS"].setdefault("prepare_threshold", 5)
    if env.bool("AYBIZA_PGBOUNCER", default=False):
        pooled = pooled_database_settings()
        database["OPTIONS"].update(pooled.pop("OPTIONS"))
        database.update(pooled)
    # Persistent connections (checked before reuse): gunicorn's workers set 60 s (aybiza/gunicorn.conf.py),
    # so a request does not connect first; elsewhere (commands, runserver's thread per request, the tests'
    # threads) Django's default of one connection per request or job. Safe with row-level security and
    # PgBouncer alike: every tenant setting is transaction-local.
    database["CONN_MAX_AGE"] = env.int("AYBIZA_DB_CONN_MAX_AGE", default=0)
    database["CONN_HEALTH_CHECKS"] = True
    # Lets parallel test runs on one server use separate databases.
    database["TEST"] = {"NAME": env("AYBIZA_TEST_DATABASE", default=None)}
    return database


def pooled_database_settings() -> dict:
    """What a connection through PgBouncer (transaction pooling) needs (docs/deploy.md).

    Consecutive transactions of one client may run on different server
    connections: no server-side prepared statements (prepare_threshold None)
    and no server-side cursors (they outlive the transaction that made them).
    """
    return {"OPTIONS": {"prepare_threshold": None}, "DISABLE_SERVER_SIDE_CURSORS": True}


def _replicas(primary: dict) -> dict:
    """AYBIZA_REPLICA_URLS (comma-separated database URLs) become aliases replica_1, replica_2, ..."""
    replicas = {}
    for n, url in enumerate(env.list("AYBIZA_REPLICA_URLS", default=[]), start=1):
        replica = environ.Env.db_url_config(url)
        replica["ENGINE"] = primary["ENGINE"]
        replica["OPTIONS"] = {**primary["OPTIONS"], **replica.get("OPTIONS", {})}
        replica["DISABLE_SERVER_SIDE_CURSORS"] = primary.get("DISABLE_SERVER_SIDE_CURSORS", False)
        replica["TEST"] = {"MIRROR": "default"}  # tests read the primary unless they start a replica
        replicas[f"replica_{n}"] = replica
    return replicas


DATABASES = {"default": _database()}
DATABASES.update(_replicas(DATABASES["default"]))
# The cache: local memory by default (one process). With several server processes point every
# process at one shared cache (e.g. AYBIZA_CACHE_URL=rediscache://127.0.0.1:6379/1 or
# dbcache://aybiza_cache) so read-your-writes markers and routing-snapshot invalidations reach
# all of them. API key rows are cached too, but checked against the database on every request.
CACHES = {"default": env.cache_url("AYBIZA_CACHE_URL", default="locmemcache://aybiza")}
# Read-only work that tolerates staleness goes to a replica (aybiza/core/db/routers.py, docs/deploy.md).
DATABASE_ROUTERS = ["aybiza.core.db.routers.ReplicaRouter"]
AYBIZA_REPLICAS = {
    # A replica further behind than this is skipped (checked at most every CHECK_SECONDS per process).
    "MAX_LAG_SECONDS": env.float("AYBIZA_REPLICA_MAX_LAG_SECONDS", default=5.0),
    "CHECK_SECONDS": env.float("AYBIZA_REPLICA_CHECK_SECONDS", default=3.0),
    # A client that wrote reads from the primary for this long (read-your-writes).
    "READ_YOUR_WRITES_SECONDS": env.float("AYBIZA_READ_YOUR_WRITES_SECONDS", default=10.0),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# models.E034 limits index names to 30 characters for Oracle's sake; the
# spec's index names are longer and PostgreSQL allows 63.
SILENCED_SYSTEM_CHECKS = ["models.E034"]

AUTH_USER_MODEL = "accounts.User"
# Where the core writes the trail (aybiza/core/audit.py), named like AUTH_USER_MODEL.
AYBIZA_AUDIT_LOG_MODEL = "security_app.AuditLog"
AYBIZA_SECURITY_EVENT_MODEL = "security_app.SecurityEvent"
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

# SIP trunk and phone-number health (telephony/health/thresholds.py; docs/operations.md "Health checks").
AYBIZA_HEALTH = {
    "TIMEOUT_SECONDS": env.float("AYBIZA_HEALTH_TIMEOUT_SECONDS", default=2.0),
    "CONCURRENCY": env.int("AYBIZA_HEALTH_CONCURRENCY", default=200),
    "RTT_DEGRADED_MS": env.float("AYBIZA_HEALTH_RTT_DEGRADED_MS", default=500.0),
    "FAILURES_UNHEALTHY": env.int("AYBIZA_HEALTH_FAILURES_UNHEALTHY", default=3),
    "ERROR_ANSWERS_UNHEALTHY": env.int("AYBIZA_HEALTH_ERROR_ANSWERS_UNHEALTHY", default=1),
    "TLS_VERIFY": env.bool("AYBIZA_HEALTH_TLS_VERIFY", default=True),
    "TLS_CA_FILE": env("AYBIZA_HEALTH_TLS_CA_FILE", default=""),
    "NUMBER_WINDOW_MINUTES": env.int("AYBIZA_HEALTH_NUMBER_WINDOW_MINUTES", default=60),
    "NUMBER_MIN_CALLS": env.int("AYBIZA_HEALTH_NUMBER_MIN_CALLS", default=10),
    "NUMBER_FAILED_DEGRADED": env.float("AYBIZA_HEALTH_NUMBER_FAILED_DEGRADED", default=0.10),
    "NUMBER_FAILED_UNHEALTHY": env.float("AYBIZA_HEALTH_NUMBER_FAILED_UNHEALTHY", default=0.30),
    "NUMBER_NO_ANSWER_DEGRADED": env.float("AYBIZA_HEALTH_NUMBER_NO_ANSWER_DEGRADED", default=0.30),
    "NUMBER_NO_ANSWER_UNHEALTHY": env.float("AYBIZA_HEALTH_NUMBER_NO_ANSWER_UNHEALTHY", default=0.60),
    "HISTORY_DAYS": env.int("AYBIZA_HEALTH_HISTORY_DAYS", default=14),
    # Trunk URIs are set by tenants: these addresses are never probed (loopback is allowed when DEBUG).
    "BLOCKED_NETWORKS": env.list("AYBIZA_HEALTH_BLOCKED_NETWORKS", default=[
        "169.254.0.0/16", "fe80::/10", "0.0.0.0/8", "224.0.0.0/4", "ff00::/8",
        *([] if DEBUG else ["127.0.0.0/8", "::1/128"]),
    ]),
}

# Call routing for the voice runtime (docs/api.md "Call routing"). A call that has
# not reported an end this long after it started is expired by `manage.py
# expire_stale_calls` (and no longer counts against max_concurrent_calls at resolve).
AYBIZA_ROUTING = {
    "STALE_CALL_MINUTES": env.int("AYBIZA_ROUTING_STALE_CALL_MINUTES", default=240),
    "SNAPSHOT_TTL_SECONDS": env.int("AYBIZA_ROUTING_SNAPSHOT_TTL_SECONDS", default=3600),
}

# Stored documents (data-subject export archives, compliance reports: docs/data-protection.md): local files
# under .local/media (git-ignored) by default; any django-storages backend in production via STORAGES below.
MEDIA_ROOT = env("AYBIZA_MEDIA_ROOT", default=str(BASE_DIR / ".local" / "media"))

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("AYBIZA_STATIC_ROOT", default=BASE_DIR / ".local" / "static")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production: hashed, compressed names (collectstatic writes them; `./dev` runs it).
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage" if PRODUCTION
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The tenant API (docs/api.md). Every /api/v1/ view derives from
# aybiza.api.viewsets, which sets authentication, scopes, rate limits and the
# tenant's row-level-security context; these are the defaults it builds on.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "aybiza.api.schema.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["security_app.api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["aybiza.api.scopes.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["aybiza.api.ratelimit.ApiKeyRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["aybiza.api.parsers.JSONParser"],  # bounded depth, no NUL/lone surrogates
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
    # Deepest JSON nesting a request body (or an admin JSON field) may have (400 beyond).
    "MAX_JSON_DEPTH": 32,
    # Failed authentications (API keys, admin sign-in) per client address and window before 429.
    "AUTH_FAILURE_LIMIT": env.int("AYBIZA_AUTH_FAILURE_LIMIT", default=30),
    "AUTH_FAILURE_WINDOW_SECONDS": 300,
    "ACCESS_LOG_FLUSH_SECONDS": 1.0,
    # api_keys.last_used_at / usage_count are written at most this often per key.
    "USAGE_WRITE_INTERVAL_SECONDS": 60,
    # A key's row is kept in the cache this long under a fingerprint that every request reads
    # live, so a changed (revoked, narrowed) key is never served from it (security_app/services/api_keys.py).
    "KEY_CACHE_SECONDS": 300,
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

# --- Production (AYBIZA_ENV=production; docs/deploy.md) -------------------------------
# `manage.py check --deploy` reports no warnings under these (tests/test_deploy.py).
if PRODUCTION:
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")  # required: no default in production
    CSRF_TRUSTED_ORIGINS = env.list(
        "AYBIZA_CSRF_TRUSTED_ORIGINS", default=[f"https://{host.lstrip('.')}" for host in ALLOWED_HOSTS if host != "*"]
    )
    # TLS ends at the load balancer / proxy, which says so in X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = env.int("AYBIZA_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("AYBIZA_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("AYBIZA_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    X_FRAME_OPTIONS = "DENY"
    LOGGING["root"]["level"] = env("AYBIZA_LOG_LEVEL", default="WARNING")

# --- Jobs (procrastinate, on this PostgreSQL) and alerting: docs/operations.md ---------------------------------
PROCRASTINATE_ON_APP_READY = "aybiza.core.jobs.on_app_ready"
# Periodic jobs: task name -> cron (UTC). Adding one is one line; an unknown name stops the worker at start.
AYBIZA_PERIODIC_JOBS = {
    "analytics.refresh_rollups": env("AYBIZA_CRON_REFRESH_ROLLUPS", default="* * * * *"),
    "analytics.enforce_retention": env("AYBIZA_CRON_RETENTION", default="17 3 * * *"),
    "telephony.expire_reservations": env("AYBIZA_CRON_EXPIRE_RESERVATIONS", default="* * * * *"),
    "telephony.check_health": env("AYBIZA_CRON_CHECK_HEALTH", default="* * * * *"),
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
