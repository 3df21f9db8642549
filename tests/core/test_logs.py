"""The service's log: a refused request is one line, and every line is printed once."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Callable
from typing import Any

from django.test import Client
from django.urls import reverse

from revmentor.core.logs import RefusalsWithoutTraceback
from revmentor.core.models import User
from revmentor.schemes.models import Participant, Scheme


def _console() -> logging.StreamHandler[io.TextIOWrapper]:
    """The service's console handler (pytest adds handlers of its own beside it)."""
    found = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, RefusalsWithoutTraceback) for f in handler.filters)
    ]
    assert len(found) == 1
    handler = found[0]
    assert isinstance(handler, logging.StreamHandler)
    return handler


def _handlers_for(name: str) -> list[logging.Handler]:
    """Every handler a record of logger ``name`` reaches, but pytest's own."""
    found: list[logging.Handler] = []
    logger: logging.Logger | None = logging.getLogger(name)
    while logger is not None:
        found += [h for h in logger.handlers if not type(h).__module__.startswith("_pytest")]
        logger = logger.parent if logger.propagate else None
    return found


def test_a_refused_request_is_logged_once_as_one_line(
    client_for: Callable[[User | None], Client],
    mentor: Participant,
    scheme: Scheme,
    settings: Any,
) -> None:
    settings.DEBUG = True  # Django's own console handler printed every line again then
    console = _console()
    out = io.StringIO()
    # Swapped without setStream, which flushes the old stream (a test runner's worker
    # may have closed it).
    previous, console.stream = console.stream, out  # type: ignore[assignment]
    try:
        response = client_for(mentor.user).get(reverse("schemes:detail", args=[scheme.pk]))
    finally:
        console.stream = previous

    assert response.status_code == 403
    assert out.getvalue() == f"Forbidden (Permission denied): /schemes/{scheme.pk}/\n"
    assert _handlers_for("django.request") == [console]


def test_a_server_error_keeps_its_traceback() -> None:
    record = logging.LogRecord(
        "django.request", logging.ERROR, __file__, 1, "Internal Server Error: /", (), None
    )
    record.status_code = 500
    try:
        raise ValueError("broken")
    except ValueError:
        record.exc_info = sys.exc_info()

    assert RefusalsWithoutTraceback().filter(record)
    assert record.exc_info is not None
