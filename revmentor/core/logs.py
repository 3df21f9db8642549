"""Logging: one line per refused request, and every line printed once."""

from __future__ import annotations

import logging


class RefusalsWithoutTraceback(logging.Filter):
    """Log a refused request (403) as the one line it is, without a traceback.

    Django attaches the PermissionDenied it caught to its "Forbidden" warning. A refusal
    is the permission rules doing their job (someone followed a link meant for another
    role), not a fault: its traceback, dozens of lines each time, hides real errors.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
