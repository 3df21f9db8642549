"""Model instances from one hand-written SELECT over several tables.

For the few lookups that run on every click of a busy page (answering a questionnaire),
building the query through the ORM costs several times what the database spends on it
(ADR 0012). :class:`Columns` lists a model's columns for such a SELECT, under a table
alias, and turns its part of a result row back into an instance exactly as the ORM
would: the same database converters (dates on SQLite, JSON everywhere), ``from_db`` so
the instance is "from the database", and None for a LEFT JOIN that found no row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

M = TypeVar("M", bound=models.Model)


class Columns(Generic[M]):
    """The concrete columns of ``model`` under the SQL table alias ``alias``."""

    def __init__(self, model: type[M], alias: str) -> None:
        self.model, self.alias = model, alias
        self.fields = list(model._meta.concrete_fields)
        self.names = [field.attname for field in self.fields]
        self.pk_index = self.fields.index(model._meta.pk)
        # Per database vendor: (position, column expression, converters) of each field
        # whose values need converting on the way out of the database.
        self._converters: dict[str, list[tuple[int, Any, list[Any]]]] = {}

    def __len__(self) -> int:
        return len(self.fields)

    def sql(self, connection: BaseDatabaseWrapper) -> str:
        """``alias."column", …`` for the SELECT list, in the order :meth:`take` reads."""
        quote = connection.ops.quote_name
        return ", ".join(f"{self.alias}.{quote(field.column)}" for field in self.fields)

    def _converters_for(self, connection: BaseDatabaseWrapper) -> list[tuple[int, Any, list[Any]]]:
        found = self._converters.get(connection.vendor)
        if found is None:
            found = []
            for i, field in enumerate(self.fields):
                column = field.get_col(self.alias)
                converters = [
                    *connection.ops.get_db_converters(column),
                    *field.get_db_converters(connection),  # type: ignore[attr-defined]
                ]
                if converters:
                    found.append((i, column, converters))
            self._converters[connection.vendor] = found
        return found

    def take(self, row: Sequence[Any], start: int, connection: BaseDatabaseWrapper) -> M | None:
        """The instance in ``row[start:start + len(self)]``; None if its primary key is NULL."""
        values = list(row[start : start + len(self.fields)])
        if values[self.pk_index] is None:
            return None
        for i, column, converters in self._converters_for(connection):
            for converter in converters:
                values[i] = converter(values[i], column, connection)
        return self.model.from_db(connection.alias, self.names, values)
