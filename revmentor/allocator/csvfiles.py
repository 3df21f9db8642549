"""Read ``willingness.csv`` and ``participants.csv`` (study data folder, format 1).

Every problem is reported as a :class:`CsvError` naming the file, the row (as a
spreadsheet shows it: the header is row 1) and the column, and saying what to do.
Large files take a fast path: without quote characters a row is split on commas, which
is exactly what the CSV rules give for such a file; otherwise the :mod:`csv` module reads it.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from revmentor.allocator.problem import AllocationInputError, OwnSupervisorRule, Problem

_YES_NO = {"yes": True, "no": False}


class CsvError(AllocationInputError):
    """A CSV file cannot be used; the message names the file, row and column."""


class Participant(NamedTuple):
    """One row of ``participants.csv`` as the allocator needs it."""

    role: str
    withdrawn: bool


def _read_table(path: Path) -> tuple[list[str], list[list[str]], list[int]]:
    """Return the header, the data columns and each data row's row number.

    Blank lines are skipped (row numbers still count them). Raises :class:`CsvError` if
    the file is missing, not UTF-8, empty, or a row has the wrong number of values.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CsvError(f"{path}: file not found. Check the path.") from None
    except UnicodeDecodeError:
        raise CsvError(f"{path}: is not UTF-8 text. Save it as CSV UTF-8.") from None
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    body_start = text.find("\n")
    head_line = text if body_start < 0 else text[:body_start]
    body = "" if body_start < 0 else text[body_start + 1 :].rstrip("\n")
    if '"' not in text and "\r" not in text and "\n\n" not in body and body:
        header = [cell.strip() for cell in head_line.split(",")]
        width = len(header)
        # Every row has width - 1 commas then a newline exactly when the separators, in
        # order, repeat that pattern: check it on the bytes in one vectorised pass.
        raw = np.frombuffer((body + "\n").encode("utf-8"), dtype=np.uint8)
        separators = raw[(raw == ord(",")) | (raw == ord("\n"))]
        n_lines = int(np.count_nonzero(separators == ord("\n")))
        if len(separators) == width * n_lines:
            pattern = separators.reshape(n_lines, width)
            if (pattern[:, -1] == ord("\n")).all() and (pattern[:, :-1] == ord(",")).all():
                flat = body.replace("\n", ",").split(",")
                columns = [flat[i::width] for i in range(width)]
                if " " in body or "\t" in body:
                    columns = [list(map(str.strip, column)) for column in columns]
                return header, columns, list(range(2, n_lines + 2))
    table = list(csv.reader(io.StringIO(text, newline="")))
    if not table or not any(cell.strip() for cell in table[0]):
        raise CsvError(f"{path}: is empty. It needs a header row.")
    header = [cell.strip() for cell in table[0]]
    rows: list[list[str]] = []
    numbers: list[int] = []
    for number, row in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise CsvError(
                f"{path}, row {number}: has {len(row)} values but the header has "
                f"{len(header)}. Give every row one value per column."
            )
        rows.append([cell.strip() for cell in row])
        numbers.append(number)
    columns = [[row[i] for row in rows] for i in range(len(header))]
    return header, columns, numbers


def _columns(path: Path, header: list[str], required: list[str]) -> dict[str, int]:
    index: dict[str, int] = {}
    for position, name in enumerate(header):
        if name in index:
            raise CsvError(f"{path}, row 1: the column {name!r} appears twice. Keep one.")
        index[name] = position
    for name in required:
        if name not in index:
            raise CsvError(f"{path}, row 1: the column {name!r} is missing. Add it to the header.")
    return index


def read_participants(path: Path) -> dict[str, Participant]:
    """Return participants by id from ``participants.csv``.

    ``role`` must be ``mentor`` or ``mentee``; ``status`` (optional column, blank means
    active) must be ``active`` or ``withdrawn``. Raises :class:`CsvError` otherwise, or on
    a repeated or blank ``participant_id``.
    """
    header, columns, numbers = _read_table(path)
    col = _columns(path, header, ["participant_id", "role"])
    ids = columns[col["participant_id"]]
    roles = columns[col["role"]]
    statuses = columns[col["status"]] if "status" in col else [""] * len(ids)
    people: dict[str, Participant] = {}
    for number, pid, role_text, status_text in zip(numbers, ids, roles, statuses, strict=True):
        if not pid:
            raise CsvError(f"{path}, row {number}, column participant_id: is blank. Enter an id.")
        if pid in people:
            raise CsvError(
                f"{path}, row {number}, column participant_id: {pid!r} appears more than once. "
                "Give each participant one row."
            )
        role = role_text.lower()
        if role not in ("mentor", "mentee"):
            raise CsvError(
                f"{path}, row {number}, column role: {role_text!r} is not allowed. "
                "Enter mentor or mentee."
            )
        status = status_text.lower()
        if status not in ("", "active", "withdrawn"):
            raise CsvError(
                f"{path}, row {number}, column status: {status_text!r} is not allowed. "
                "Enter active or withdrawn."
            )
        people[pid] = Participant(role, status == "withdrawn")
    return people


def _yes_no(
    path: Path, column: str, values: list[str], numbers: list[int], blank_means: bool | None
) -> npt.NDArray[np.bool_]:
    mapping: dict[str, bool] = {}
    for value in sorted(set(values)):
        key = value.lower()
        if key in _YES_NO:
            mapping[value] = _YES_NO[key]
        elif key == "" and blank_means is not None:
            mapping[value] = blank_means
        else:
            number = numbers[values.index(value)]
            shown = f"{value!r} is not allowed" if value else "is blank"
            raise CsvError(f"{path}, row {number}, column {column}: {shown}. Enter yes or no.")
    return np.fromiter(map(mapping.__getitem__, values), dtype=np.bool_, count=len(values))


def read_problem(
    willingness: Path,
    participants: Path | None,
    *,
    capacity: int = 1,
    rule: OwnSupervisorRule = OwnSupervisorRule.ALLOW,
) -> Problem:
    """Return the allocation problem described by ``willingness.csv`` (and participants).

    With ``participants`` (a path to ``participants.csv``), mentors and mentees are the
    people listed there with that role, and ``withdrawn`` status removes them from the
    allocation; every id in ``willingness.csv`` must be listed with the matching role.
    With ``participants=None`` the people are those named in ``willingness.csv``, all
    active. Raises :class:`CsvError` for a missing column, an unknown id, an id in the
    wrong column, a repeated mentor–mentee row, a value other than yes/no, or when nobody
    still taking part is willing to mentor anyone.
    """
    header, columns, numbers = _read_table(willingness)
    col = _columns(willingness, header, ["mentor_id", "mentee_id", "willing"])
    mentor_col = columns[col["mentor_id"]]
    mentee_col = columns[col["mentee_id"]]
    willing = _yes_no(willingness, "willing", columns[col["willing"]], numbers, None)
    if "own_supervisor" in col:
        own = _yes_no(willingness, "own_supervisor", columns[col["own_supervisor"]], numbers, False)
    else:
        own = np.zeros(len(numbers), dtype=np.bool_)

    if participants is not None:
        people = read_participants(participants)
        mentors = tuple(sorted(p for p, x in people.items() if x.role == "mentor"))
        mentees = tuple(sorted(p for p, x in people.items() if x.role == "mentee"))
        gone = {p for p, x in people.items() if x.withdrawn}
        source = participants.name
    else:
        mentors = tuple(sorted(set(mentor_col)))
        mentees = tuple(sorted(set(mentee_col)))
        both = set(mentors).intersection(mentees)
        if both:
            pid = min(both)
            raise CsvError(
                f"{willingness}, row {mentee_col.index(pid) + 2}, column mentee_id: {pid!r} "
                "is also a mentor_id. Each person is either a mentor or a mentee."
            )
        gone = set()
        source = "the mentor_id column"

    mentor_index = {p: i for i, p in enumerate(mentors)}
    mentee_index = {p: i for i, p in enumerate(mentees)}
    for column, values, index, role in (
        ("mentor_id", mentor_col, mentor_index, "mentor"),
        ("mentee_id", mentee_col, mentee_index, "mentee"),
    ):
        try:
            found = np.fromiter(map(index.__getitem__, values), dtype=np.int64, count=len(values))
        except KeyError:
            k = next(i for i, value in enumerate(values) if value not in index)
            pid = values[k]
            if participants is not None:
                where = f"{participants.name}"
                other = people.get(pid)
                problem = (
                    f"is listed as a {other.role} in {where}, not a {role}"
                    if other is not None
                    else f"is not in {where}"
                )
            else:
                problem = f"is not in {source}"
            raise CsvError(
                f"{willingness}, row {numbers[k]}, column {column}: {pid!r} {problem}. "
                f"Check the id, or add the person to {source}."
            ) from None
        if role == "mentor":
            eu = found
        else:
            ev = found

    keys = eu * max(1, len(mentees)) + ev
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    repeated = np.flatnonzero(sorted_keys[1:] == sorted_keys[:-1])
    if len(repeated):
        first, second = sorted(int(order[j]) for j in (repeated[0], repeated[0] + 1))
        raise CsvError(
            f"{willingness}, row {numbers[second]}, columns mentor_id and mentee_id: "
            f"{mentor_col[second]!r} and {mentee_col[second]!r} already appear in row "
            f"{numbers[first]}. Keep one row for each mentor and mentee."
        )
    eu, ev, willing, own = eu[order], ev[order], willing[order], own[order]

    mentor_gone = np.asarray([p in gone for p in mentors], dtype=np.bool_)
    mentee_gone = np.asarray([p in gone for p in mentees], dtype=np.bool_)
    usable = willing & ~mentor_gone[eu] & ~mentee_gone[ev] if len(eu) else willing
    if not usable.any():
        raise CsvError(
            f"{willingness}: nobody still taking part is willing to mentor anyone, so there "
            "is nothing to allocate. Check the willing column says yes for at least one pair."
        )
    if capacity < 1:
        raise CsvError("--capacity must be a whole number of at least 1.")
    return Problem.from_indices(
        mentors,
        mentees,
        eu[willing],
        ev[willing],
        own[willing],
        capacity=(capacity,) * len(mentees),
        mentor_withdrawn=tuple(mentor_gone.tolist()),
        mentee_withdrawn=tuple(mentee_gone.tolist()),
        rule=rule,
    )
