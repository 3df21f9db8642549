"""``codebook.csv`` and ``codes.csv``: codes that fit the codebook and free-text answers."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from revmentor.analysis.problems import ProblemLog
from revmentor.analysis.reader.model import ROLES
from revmentor.coding.models import MAX_DESCRIPTION, MAX_LABEL, MAX_NAME
from revmentor.core.spreadsheet import from_csv_text
from revmentor.research.import_checks.model import CODE_NAME, rows


def codebook(folder: Path, log: ProblemLog) -> list[tuple[str, str, str, str]]:
    """``(code, label, parent, description)`` of ``codebook.csv``: short names, lengths,
    each code once, parents that are codes and no code below itself."""
    name = "codebook.csv"
    book: list[tuple[str, str, str, str]] = []
    first: dict[str, int] = {}
    for number, row in rows(folder, name):
        code = row["code"]
        label = from_csv_text(row.get("label", ""))
        parent = row.get("parent", "")
        description = from_csv_text(row.get("description", ""))
        if not CODE_NAME.match(code) or len(code) > MAX_NAME:
            log.add(
                name,
                number,
                "code",
                f"'{code}' is not a short name for a code; use up to {MAX_NAME} letters, "
                "numbers, hyphens and underscores",
                "code",
            )
        if code in first:
            log.add(name, number, "code", f"'{code}' is already in row {first[code]}", "twice")
            continue
        first[code] = number
        if len(label) > MAX_LABEL:
            log.add(name, number, "label", f"keep the label to {MAX_LABEL} characters", "label")
        if len(description) > MAX_DESCRIPTION:
            log.add(
                name,
                number,
                "description",
                f"keep the description to {MAX_DESCRIPTION} characters",
                "description",
            )
        book.append((code, label, parent, description))
    parents = {code: parent for code, _label, parent, _d in book}
    for code, _label, parent, _d in book:
        if not parent:
            continue
        if parent not in parents:
            log.add(
                name,
                first[code],
                "parent",
                f"the parent '{parent}' is not a code in codebook.csv",
                "parent",
            )
            continue
        seen, at = {code}, parent
        while at and at not in seen:
            seen.add(at)
            at = parents.get(at, "")
        if at == code:
            log.add(
                name,
                first[code],
                "parent",
                f"'{code}' is its own parent or below itself; give it another parent",
                "cycle",
            )
    return book


def codes(
    folder: Path,
    log: ProblemLog,
    roles: Mapping[str, str],
    answers: Mapping[tuple[str, str], dict[str, str]],
    text_items: set[tuple[str, str, str]],
) -> list[tuple[str, str, str, str]]:
    """``(research ID, time point, item, code)`` of ``codes.csv``: codes on free-text
    answers that were given, by participants in their own role."""
    name = "codes.csv"
    applied = []
    for number, row in rows(folder, name):
        pid, timepoint, item, code = (
            row["participant_id"],
            row["timepoint"],
            row["item"],
            row["code"],
        )
        if pid not in roles or row["role"] not in ROLES:
            continue  # an unknown participant or role: the reader says so
        if roles[pid] != row["role"]:
            log.add(
                name,
                number,
                "role",
                f"'{pid}' is a {roles[pid]} in participants.csv, not a {row['role']}",
                "role",
            )
            continue
        if not CODE_NAME.match(code) or len(code) > MAX_NAME:
            log.add(
                name,
                number,
                "code",
                f"'{code}' is not a short name for a code; use up to {MAX_NAME} letters, "
                "numbers, hyphens and underscores",
                "code",
            )
            continue
        if (row["role"], timepoint, item) not in text_items:
            log.add(
                name,
                number,
                "item",
                f"'{item}' at '{timepoint}' is not a free-text question; codes apply to "
                "free-text answers only",
                "not text",
            )
            continue
        if item not in answers.get((pid, timepoint), {}):
            log.add(
                name,
                number,
                None,
                f"'{pid}' gave no answer to '{item}' at '{timepoint}' to code",
                "no answer",
            )
            continue
        applied.append((pid, timepoint, item, code))
    return applied
