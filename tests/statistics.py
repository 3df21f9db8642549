"""What PostgreSQL's planner knows of a table, for tests of revmentor.core.planner."""

from __future__ import annotations

import pytest
from django.db import connection, models

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL keeps statistics for its planner"
)


def planned_rows(model: type[models.Model]) -> float:
    """The rows the planner thinks ``model``'s table holds: -1 if it was never analysed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table]
        )
        row = cursor.fetchone()
    return float(row[0])
