"""What the import checks produce (a :class:`Plan`), their limits, and reading rows."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

MAX_RESEARCH_ID = 64  # Participant.research_id
MAX_STAGE_LABEL = 100  # Stage.label
AGES = (16, 100)  # the Participant constraint age_in_range
MAX_YEARS_AS_CONSULTANT = 60
SEXES = ("female", "male", "other", "not_said", "")
MODES = ("online", "in person", "")
CODE_NAME = re.compile(r"^[-a-zA-Z0-9_]+$")  # a SlugField, as Code.name

Row = dict[str, str]


@dataclass(frozen=True, slots=True)
class Person:
    """One row of ``participants.csv``."""

    research_id: str
    role: str
    sex: str
    age: int | None
    years_as_consultant: int | None
    previous_mentoring: bool | None
    withdrawn: bool


@dataclass(frozen=True, slots=True)
class Session:
    """One row of ``sessions.csv``: a pair's held session."""

    mentor: str
    mentee: str
    minutes: int
    held_on: date | None
    mode: str


@dataclass(slots=True)
class Plan:
    """A checked study data folder, as plain data.

    ``answers`` maps (research ID, time point) to the answers of that questionnaire, by
    item, in file order; ``applied`` holds ``(research ID, time point, item, code)``.
    """

    people: list[Person] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    answers: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    willing: list[tuple[str, str, bool]] = field(default_factory=list)
    supervisors: dict[str, str] = field(default_factory=dict)
    sessions: list[Session] = field(default_factory=list)
    codebook: list[tuple[str, str, str, str]] = field(default_factory=list)
    applied: list[tuple[str, str, str, str]] = field(default_factory=list)

    @property
    def answer_count(self) -> int:
        return sum(len(items) for items in self.answers.values())


def rows(folder: Path, name: str) -> Iterator[tuple[int, Row]]:
    """Yield ``(row number, {column: stripped text})`` for each row of ``folder/name``.

    Row numbers are those of the reader: the header is row 1 and empty lines are not
    counted. Nothing is yielded for a file that is absent.
    """
    path = folder / name
    if not path.is_file():
        return
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = [h.strip() for h in next(reader, [])]
        number = 1
        for record in reader:
            if not record:
                continue
            number += 1
            yield (
                number,
                {h: (record[i].strip() if i < len(record) else "") for i, h in enumerate(header)},
            )


def whole(text: str, low: int, high: int) -> int | None:
    """``text`` as a whole number from ``low`` to ``high``; raise ValueError otherwise."""
    if text == "":
        return None
    if not re.fullmatch(r"[+-]?\d{1,9}", text) or not low <= int(text) <= high:
        raise ValueError
    return int(text)
