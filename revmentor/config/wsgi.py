"""WSGI entry point used by gunicorn (``revmentor serve``)."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revmentor.config.settings.production")

application = get_wsgi_application()
