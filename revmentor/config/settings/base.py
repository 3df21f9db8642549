"""Settings shared by every environment.

This is the only settings module that reads the environment, and only through the
typed helpers in :mod:`revmentor.config.env`. The other modules adjust these values
for local use, tests and production.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONCE, NONE, SELF

from revmentor.config.env import ConfigError, env_bool, env_int, env_list, env_path, env_str

PACKAGE_DIR = Path(__file__).resolve().parents[2]
REPO_DIR = PACKAGE_DIR.parent

DATA_DIR = env_path("REVMENTOR_DATA_DIR", Path.cwd() / "revmentor-data")
FRONTEND_DIR = env_path("REVMENTOR_FRONTEND_DIR", REPO_DIR / "node_modules")

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "insecure-local-key-change-me-" + "x" * 40)
# Earlier keys, still accepted for what they signed or sealed (sessions, links,
# authenticator secrets): list the old key here while changing DJANGO_SECRET_KEY.
SECRET_KEY_FALLBACKS = env_list("DJANGO_SECRET_KEY_FALLBACKS", [])
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("REVMENTOR_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rules.apps.AutodiscoverRulesConfig",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "revmentor.core",
    "revmentor.schemes",
    "revmentor.questionnaires",
    "revmentor.feedback",
    "revmentor.allocation",
    "revmentor.meetings",
    "revmentor.research",
    "revmentor.privacy",
    "revmentor.coding",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "revmentor.core.audit.AuditContextMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "revmentor.core.http.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "revmentor.core.session_time.SessionTimeMiddleware",  # before the session is saved
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "revmentor.core.signed_out.SignedOutMiddleware",  # LoginRequiredMiddleware, and more
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "revmentor.core.mfa.RequireMFAMiddleware",
]

ROOT_URLCONF = "revmentor.config.urls"
WSGI_APPLICATION = "revmentor.config.wsgi.application"

TEMPLATES = [
    {
        # Our pages, and our versions of the allauth pages we use, are Jinja2 with the
        # NHS.UK frontend macros. Django templates stay for the admin and any allauth
        # page we have not restyled.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "revmentor.config.jinja2.environment",
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Our Django templates: the admin's base page, with the sign-in warning.
        "DIRS": [PACKAGE_DIR / "templates" / "django"],
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

_database_url = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'revmentor.sqlite3'}")
try:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
except ValueError as error:
    raise ConfigError(f"DATABASE_URL is not a database URL Django understands: {error}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Several workers on one machine share the file: wait for locks, write-ahead log.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters travel apart from the SQL text, and psycopg prepares a statement once a
    # connection has run it five times (every questionnaire click runs the same few), so
    # PostgreSQL plans each once instead of on every request (ADR 0012). A connection
    # pooler that cannot keep prepared statements (PgBouncer before 1.21 in transaction
    # mode) needs DATABASE_PREPARED_STATEMENTS=false.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "server_side_binding": True,
            "prepare_threshold": 5 if env_bool("DATABASE_PREPARED_STATEMENTS", True) else None,
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_redis_url = env_str("REDIS_URL", "")
CACHES: dict[str, dict[str, Any]] = {
    "default": (
        {
            # Django's Redis cache, building its Redis client once (core/cache.py).
            "BACKEND": "revmentor.core.cache.RedisCache",
            "LOCATION": _redis_url,
            # Keys start with this: installations sharing one Redis server stay apart.
            "KEY_PREFIX": env_str("REDIS_KEY_PREFIX", "revmentor"),
        }
        if _redis_url
        else {
            # No local state: rate limits must hold across app servers, so the default
            # cache lives in the database (created by `migrate` via createcachetable).
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "revmentor_cache",
        }
    ),
    # The analysis charts every process draws, shared (research/chart_cache.py): a cache
    # of their own, so that culling them can never push out a sign-in rate limit.
    "charts": (
        {
            "BACKEND": "revmentor.core.cache.RedisCache",
            "LOCATION": _redis_url,
            "KEY_PREFIX": env_str("REDIS_KEY_PREFIX", "revmentor") + "-charts",
        }
        if _redis_url
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "revmentor_charts",
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    ),
}
# Sessions live in the database. With Redis, each is also kept in the cache and read from
# there: a signed-in page asks the database one query fewer, and a session survives Redis
# being emptied (it is read from the database again).
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if _redis_url
    else "django.contrib.sessions.backends.db"
)

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    # django-sesame's and django-allauth's, loading the signed-in person in one query.
    "revmentor.core.backends.LinkBackend",
    "revmentor.core.backends.AccountBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: email is the identity; nobody signs themselves up.
ACCOUNT_ADAPTER = "revmentor.core.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 15 * 60
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "request_login_code": "20/m/ip,3/m/key",
    "reset_password": "20/m/ip,5/m/key",  # a rate, not a password  # nosec
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "revmentor: "
# allauth's forms with errors that say what to enter (core/account_forms.py).
_FORMS = "revmentor.core.account_forms"
ACCOUNT_FORMS = {
    "login": f"{_FORMS}.LoginForm",
    "request_login_code": f"{_FORMS}.RequestLoginCodeForm",
    "confirm_login_code": f"{_FORMS}.ConfirmLoginCodeForm",
    "reset_password": f"{_FORMS}.ResetPasswordForm",
    "reset_password_from_key": f"{_FORMS}.ResetPasswordKeyForm",
    "change_password": f"{_FORMS}.ChangePasswordForm",
    "reauthenticate": f"{_FORMS}.ReauthenticateForm",
}

# Two-step verification (django-allauth's mfa app): an authenticator app (TOTP) and
# recovery codes. Leads and site admins must set it up before they can use any page
# (revmentor.core.mfa); everyone else may. Off only in the demo and the test settings.
REVMENTOR_REQUIRE_MFA = env_bool("REVMENTOR_REQUIRE_MFA", True)
MFA_ADAPTER = "revmentor.core.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# No security keys: a POST to the code page without a code is refused unread. The
# other forms say what to enter (core/account_forms.py).
MFA_FORMS = {
    "authenticate_webauthn": "revmentor.core.forms.NoSecurityKeyForm",
    "authenticate": f"{_FORMS}.AuthenticateForm",
    "reauthenticate": f"{_FORMS}.MFAReauthenticateForm",
    "activate_totp": f"{_FORMS}.ActivateTOTPForm",
}
MFA_TOTP_ISSUER = "Reverse mentoring"
# Accept the code before and after the current one: a phone's clock may be a little
# off (RFC 6238, 5.2). A code is still used once only.
MFA_TOTP_TOLERANCE = 1

# django-sesame: the one-time link in an invitation email.
SESAME_ONE_TIME = True
SESAME_MAX_AGE = env_int("REVMENTOR_INVITE_LINK_HOURS", 72, minimum=1) * 3600
SESAME_TOKEN_NAME = "token"  # noqa: S105 (a query parameter name)  # nosec B105

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "revmentor <no-reply@revmentor.invalid>")

# django-tasks: work that should not hold up a request runs from the database queue in
# production (`revmentor manage db_worker`); elsewhere it runs at once.
TASKS = {
    "default": {
        "BACKEND": env_str(
            "REVMENTOR_TASK_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"
        )
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [
    PACKAGE_DIR / "static",
    ("nhsuk", FRONTEND_DIR / "nhsuk-frontend" / "dist" / "nhsuk"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Content-Security-Policy (django-csp): nothing inline but what carries this response's
# nonce (the NHS.UK template's `js-enabled` switch, the Results page's report styles).
# The NHS.UK frontend's CSS loads the Frutiger font from assets.nhs.uk.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "https://assets.nhs.uk"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusals": {"()": "revmentor.core.logs.RefusalsWithoutTraceback"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["refusals"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    # Django's own handlers go: with DEBUG on, its console handler printed each of its
    # lines a second time, beside ours; mail to ADMINS is not used. The development
    # server's request lines keep Django's own format.
    "loggers": {
        "django": {"handlers": [], "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": env_str("REVMENTOR_LOG_LEVEL", "INFO")},
}
