"""Production settings for ``bench/load.py``, served over plain HTTP on loopback.

Everything is ``revmentor.config.settings.production`` (secret key and allowed hosts
from the environment, the database cache, database sessions, manifest static files),
except what plain HTTP needs: no redirect to HTTPS, no HSTS, cookies not marked secure
(a client does not send secure cookies over HTTP). The URLconf adds the floor view.
Static files keep production's hashed manifest (every page looks its files up in it) but
are not compressed: nobody fetches them here, and compressing them takes most of a
minute of CPU at every set-up.
"""

from __future__ import annotations

from revmentor.config.settings.production import *  # noqa: F403
from revmentor.config.settings.production import STORAGES

ROOT_URLCONF = "load_site.urls"
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
