"""Text that a spreadsheet would run as a formula, and how to keep it inert.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
Excel, LibreOffice and Google Sheets as a formula (``=cmd|' /C calc'!A0``,
``@SUM(1+1)``), unless it is a plain number such as ``-3`` or ``1.5``. The Excel export
marks such text as a string; a CSV file has no types, so the text is written with a
leading apostrophe, which spreadsheets read as "this is text".

The apostrophe is added only where it is needed, and in a way that can be undone
exactly: :func:`csv_text` adds one before any text that, with its leading apostrophes
removed, would read as a formula, and :func:`from_csv_text` removes exactly that one. So
``from_csv_text(csv_text(x)) == x`` for every ``x``, and text such as ``'hello`` or
``don't`` is left as it is.

Pure: nothing here imports Django, so the analysis core and the study folder writers
use it as well as the web exports.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: First characters that make a spreadsheet treat a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: A number written plainly (``3``, ``-1.5``): a spreadsheet reads it as that number.
NUMBER_RE = re.compile(r"-?\d+(\.\d+)?")
#: The quote prefix that makes a spreadsheet read a cell as text.
QUOTE = "'"


def is_plain_number(text: str) -> bool:
    """Whether ``text`` is a number written plainly (``3``, ``-1.5``), nothing else."""
    return NUMBER_RE.fullmatch(text) is not None


def reads_as_formula(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula rather than as text.

    Plain numbers (``-3``) are numbers, not formulas.
    """
    return text.startswith(FORMULA_STARTS) and not is_plain_number(text)


def _needs_quote(text: str) -> bool:
    return reads_as_formula(text.lstrip(QUOTE))


def csv_text(text: str) -> str:
    """``text`` as a CSV cell that a spreadsheet shows as text and never runs.

    Adds one apostrophe before text that would read as a formula (and before text that
    already starts with apostrophes followed by such text, so that :func:`from_csv_text`
    can tell the two apart); returns anything else unchanged.
    """
    return QUOTE + text if _needs_quote(text) else text


def csv_row(cells: Iterable[object]) -> list[object]:
    """A row for ``csv.writer`` with every text cell passed through :func:`csv_text`."""
    return [csv_text(cell) if isinstance(cell, str) else cell for cell in cells]


def from_csv_text(text: str) -> str:
    """The text that :func:`csv_text` was given: remove the one apostrophe it added.

    Text it would not have changed is returned as it is.
    """
    if text.startswith(QUOTE) and _needs_quote(text[1:]):
        return text[1:]
    return text


__all__ = [
    "FORMULA_STARTS",
    "NUMBER_RE",
    "csv_row",
    "csv_text",
    "from_csv_text",
    "is_plain_number",
    "reads_as_formula",
]
