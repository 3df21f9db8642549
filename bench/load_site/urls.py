"""The production URLconf plus the benchmarks' floors: one INSERT, and a bare view.

The floor is the least a request that stores something can cost on this stack (same
gunicorn, same middleware, same database), anonymous or signed in: ``bench/load.py``
reports the questionnaire load as a ratio to it. It is not part of ``revmentor.config.urls``.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from revmentor.config.urls import urlpatterns as production_urlpatterns


@csrf_exempt
@login_not_required
@require_POST
def floor(request: HttpRequest) -> HttpResponse:
    """Store one row (phase, client, sequence number) with one INSERT and say so."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_floor (phase, client, n) VALUES (%s, %s, %s)",
            [request.POST["phase"], int(request.POST["client"]), int(request.POST["n"])],
        )
    return HttpResponse("stored", content_type="text/plain")


def bare(request: HttpRequest) -> HttpResponse:
    """Nothing at all, for whoever is signed in: the floor of ``bench/scheme_pages.py``."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/floor/", floor), path("bench/bare/", bare), *production_urlpatterns]
