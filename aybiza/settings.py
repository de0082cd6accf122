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
    "django.contrib.admin",
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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
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

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / ".local" / "static"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "AYBIZA back-office API",
    "VERSION": "1.0.0",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
