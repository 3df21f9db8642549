"""Bring the database's statistics up to date after writing many rows at once.

PostgreSQL plans each query by what it knows of each table: how many rows, how its
values spread. Its autovacuum updates that a little after rows are added (up to a
minute or so), and until then it plans for the table as it was. Straight after
thousands of participants are added to tables that were nearly empty, it counted a
questionnaire's eligible participants with a nested loop over every consent: 56 ms at
1,000 people and growing as the square (bench/README.md, "scheme pages"). So every
write of many rows at once (a participants CSV, a study data folder, a restore) asks for
the tables it wrote to be analysed as soon as it has committed.

SQLite plans without statistics unless ANALYZE was once run, so it needs nothing here.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, models, transaction


def analyse_after_commit(model_list: Iterable[type[models.Model]]) -> None:
    """On PostgreSQL, ANALYZE the tables of ``model_list`` once the transaction commits.

    Outside a transaction it runs at once. Nothing happens if the transaction rolls
    back, or on any other database. Tables named twice are analysed once.
    """
    if connection.vendor != "postgresql":
        return
    tables = sorted({model._meta.db_table for model in model_list})
    if not tables:
        return
    quote = connection.ops.quote_name
    statement = "ANALYZE " + ", ".join(quote(table) for table in tables)

    def analyse() -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement)

    transaction.on_commit(analyse)
