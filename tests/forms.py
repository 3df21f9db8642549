"""Posting form fields as a browser does."""

from __future__ import annotations

from revmentor.core.forms import PARTS


def date_names(name: str) -> list[str]:
    """The names of the three boxes of the date field ``name`` (core.forms.DateField)."""
    return [f"{name}_{part}" for part in PARTS]


def date_input(name: str, day_month_year: str) -> dict[str, str]:
    """The three boxes of a date field, from "15 3 2027" (each part as typed; "" for none)."""
    return dict(zip(date_names(name), [*day_month_year.split(" "), "", "", ""][:3], strict=True))
