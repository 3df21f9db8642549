"""Settings for the test suite: fast hashing, email kept in memory, a local cache."""

from __future__ import annotations

from revmentor.config.settings.base import *  # noqa: F403
from revmentor.config.settings.base import STORAGES

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "charts": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "charts"},
}
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Most tests sign leads in without an authenticator; tests/core/test_mfa.py turns it on.
REVMENTOR_REQUIRE_MFA = False
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
