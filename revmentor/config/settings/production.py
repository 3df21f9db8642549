"""Settings for a real deployment: HTTPS only, secrets required, nothing kept locally.

``DJANGO_SECRET_KEY`` and ``DJANGO_ALLOWED_HOSTS`` must be set; see docs/deploy.md.
"""

from __future__ import annotations

from revmentor.config.env import ConfigError, env_bool, env_int, env_str
from revmentor.config.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("insecure"):
    raise ConfigError("DJANGO_SECRET_KEY must be a random string of 50 or more characters.")
if any(len(key) < 50 for key in SECRET_KEY_FALLBACKS):  # noqa: F405
    raise ConfigError("Each of DJANGO_SECRET_KEY_FALLBACKS must be 50 or more characters.")
env_str("DJANGO_ALLOWED_HOSTS")  # required: no default host in production

SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Preloading commits the whole domain to HTTPS in browsers for good: a trust may opt out.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = ["security.W021"]  # a deliberate choice, see docs/deploy.md
# Cookies only over HTTPS, out of reach of scripts (our JavaScript reads the CSRF token
# from the form), and not sent on cross-site subrequests. Lax, not Strict: someone who
# follows a link to revmentor from their email must arrive signed in.
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = 8 * 3600
TASKS = {
    "default": {"BACKEND": env_str("REVMENTOR_TASK_BACKEND", "django_tasks_db.DatabaseBackend")}
}
