"""Posting form fields as a browser does."""

from __future__ import annotations


def date_input(name: str, day_month_year: str) -> dict[str, str]:
    """The three boxes of a date field, from "15 3 2027" (each part as typed; "" for none)."""
    day, month, year = [*day_month_year.split(" "), "", "", ""][:3]
    return {f"{name}_day": day, f"{name}_month": month, f"{name}_year": year}
