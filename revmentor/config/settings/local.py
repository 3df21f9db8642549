"""Settings for one person's machine and the demo: debug on, email to the console."""

from __future__ import annotations

from revmentor.config.settings.base import *  # noqa: F403
from revmentor.config.settings.base import STORAGES

DEBUG = True
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The demo runs a real task worker (started by `revmentor demo`), as production does.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The demo's leads sign in by link; leads of a real deployment must set up two-step
# verification (base and production settings).
REVMENTOR_REQUIRE_MFA = False
