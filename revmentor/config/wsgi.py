"""WSGI entry point used by gunicorn (``revmentor serve``)."""

from __future__ import annotations

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revmentor.config.settings.production")

application = get_wsgi_application()


def warm_up() -> int:
    """Load what requests need before the first one, then keep it out of the collector's way.

    Gunicorn imports this module in each worker. Django would load the URLconf, and with it
    every view and what the views import (SciPy, matplotlib, openpyxl: about 200,000
    objects), on the worker's first request. Loaded here instead, then frozen
    (:func:`gc.freeze`), those objects are left out of every later collection: a full
    collection walked them all (0.17 s on a 2-CPU server), once every few hundred requests,
    in the middle of whichever request set it off. Returns how many objects were frozen.
    """
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  # imports the views
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


warm_up()
