"""Write the answer files of the study data folder (format 1, see PRODUCT.md).

Pure: nothing here imports Django. ``responses.csv`` has the columns
``participant_id, role, timepoint, item, value`` (one answer a row) and the optional
``timepoints.csv`` the columns ``timepoint, label`` in chronological order. Both are
UTF-8 with a header row. Open the output with ``newline=""`` and ``encoding="utf-8"``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TextIO

from revmentor.core.spreadsheet import csv_row
from revmentor.instruments import Domain, Instrument

RESPONSES_COLUMNS = ("participant_id", "role", "timepoint", "item", "value")
TIMEPOINTS_COLUMNS = ("timepoint", "label")
ROLES = ("mentor", "mentee")

ResponseRow = tuple[str, str, str, str, str]
"""``(participant_id, role, timepoint, item, value)``."""


def answer_rows(
    participant_id: str,
    instrument: Instrument,
    domains: Sequence[Domain],
    answers: Mapping[str, str],
) -> Iterator[ResponseRow]:
    """Yield one participant's answers to ``instrument`` as rows, in question order.

    The order is the instrument's (grids expanded over ``domains``), so an export is
    stable however the answers were stored. Answer names the instrument does not have
    and empty answers are left out.
    """
    for slot in instrument.answerables(domains):
        value = answers.get(slot.name, "")
        if value != "":
            yield (participant_id, instrument.role, instrument.timepoint, slot.name, value)


def write_responses_csv(
    rows: Iterable[ResponseRow],
    out: TextIO,
    *,
    timepoints: Sequence[str] | None = None,
) -> int:
    """Write ``responses.csv`` to ``out``; return the number of answer rows written.

    Rows are written in the order given, or, when ``timepoints`` (chronological) is
    given, ordered by time point, then participant, then role, keeping the given order
    of items within each — so that, without ``timepoints.csv``, the order of first
    appearance is still chronological (sorting time point names alphabetically would
    put ``post_…`` before ``pre_…``). Rows with an empty value are unanswered and left
    out.

    A value that a spreadsheet would run as a formula (a leading ``=``, ``+``, ``-``,
    ``@``, tab or carriage return, other than a plain number) is written with a leading
    apostrophe (:func:`revmentor.core.spreadsheet.csv_text`), so it stays text; the
    study folder reader removes exactly that apostrophe, so the answer analysed is the
    answer given.

    Raises ValueError, before writing anything, for a row without five fields, a role
    other than mentor or mentee, a blank participant, time point or item, a time point
    missing from ``timepoints``, or the same participant, role, time point and item
    twice.
    """
    checked: list[ResponseRow] = []
    seen: set[tuple[str, str, str, str]] = set()
    position = {tp: i for i, tp in enumerate(timepoints)} if timepoints is not None else None
    for number, row in enumerate(rows, start=1):
        if len(row) != len(RESPONSES_COLUMNS):
            raise ValueError(f"answer {number} has {len(row)} fields, not 5: {row!r}")
        participant, role, timepoint, item, value = row
        if role not in ROLES:
            raise ValueError(f"answer {number} has the role {role!r}, not mentor or mentee")
        if not participant or not timepoint or not item:
            raise ValueError(f"answer {number} has a blank participant, time point or item")
        if position is not None and timepoint not in position:
            raise ValueError(f"answer {number} is at {timepoint!r}, which is not in timepoints")
        key = (participant, role, timepoint, item)
        if key in seen:
            raise ValueError(f"answer {number} repeats {key!r}")
        seen.add(key)
        if value != "":
            checked.append((participant, role, timepoint, item, value))
    if position is not None:
        checked.sort(key=lambda r: (position[r[2]], r[0], r[1]))
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RESPONSES_COLUMNS)
    writer.writerows(csv_row(row) for row in checked)
    return len(checked)


def write_timepoints_csv(timepoints: Iterable[tuple[str, str]], out: TextIO) -> int:
    """Write ``timepoints.csv`` (``timepoint, label``) in the order given; return the count.

    The order given must be chronological: the analysis compares earlier with later
    time points in this order. A blank label is written blank (the reader then uses the
    time point's name). A label that a spreadsheet would run as a formula gets a leading
    apostrophe, as the values of ``responses.csv`` do. Raises ValueError for a blank or
    repeated time point.
    """
    rows: list[tuple[str, str]] = []
    for timepoint, label in timepoints:
        if not timepoint:
            raise ValueError("a time point is blank")
        if any(timepoint == done for done, _ in rows):
            raise ValueError(f"the time point {timepoint!r} is listed twice")
        rows.append((timepoint, label))
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TIMEPOINTS_COLUMNS)
    writer.writerows(csv_row(row) for row in rows)
    return len(rows)
