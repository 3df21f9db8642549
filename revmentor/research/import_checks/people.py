"""``participants.csv``, ``willingness.csv`` and ``sessions.csv``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from revmentor.analysis.problems import ProblemLog
from revmentor.analysis.reader.model import YES_NO
from revmentor.meetings.models import MAX_MINUTES, MIN_MINUTES
from revmentor.research.import_checks.model import (
    AGES,
    MAX_RESEARCH_ID,
    MAX_YEARS_AS_CONSULTANT,
    MODES,
    SEXES,
    Person,
    Session,
    rows,
    whole,
)


def people(folder: Path, log: ProblemLog) -> list[Person]:
    """The rows of ``participants.csv``: sex, ages and years a scheme can store."""
    name = "participants.csv"
    found = []
    for number, row in rows(folder, name):
        pid = row["participant_id"]
        if len(pid) > MAX_RESEARCH_ID:
            log.add(
                name, number, "participant_id", f"keep IDs to {MAX_RESEARCH_ID} characters", "id"
            )
        sex = row.get("sex", "").lower()
        if sex not in SEXES:
            log.add(
                name,
                number,
                "sex",
                f"'{row['sex']}' is not a sex this platform records; "
                "use female, male, other or leave it blank",
                "sex",
            )
        try:
            age = whole(row.get("age", ""), *AGES)
        except ValueError:
            age = None
            log.add(
                name,
                number,
                "age",
                f"'{row['age']}' is not a whole number of years from "
                f"{AGES[0]} to {AGES[1]}; correct it or leave it blank",
                "age",
            )
        try:
            years = whole(row.get("years_as_consultant", ""), 0, MAX_YEARS_AS_CONSULTANT)
        except ValueError:
            years = None
            log.add(
                name,
                number,
                "years_as_consultant",
                f"'{row['years_as_consultant']}' is not a whole number of years from 0 to "
                f"{MAX_YEARS_AS_CONSULTANT}; correct it or leave it blank",
                "years",
            )
        previous = row.get("previous_mentor", "").lower()
        found.append(
            Person(
                research_id=pid,
                role=row["role"],
                sex="" if sex == "not_said" else sex,
                age=age,
                years_as_consultant=years,
                previous_mentoring=YES_NO.get(previous) if previous else None,
                withdrawn=row.get("status", "") == "withdrawn",
            )
        )
    return found


def willingness(
    folder: Path, log: ProblemLog
) -> tuple[list[tuple[str, str, bool]], dict[str, str]]:
    """``(mentor, mentee, willing)`` of ``willingness.csv``, once a pair, and each mentor's
    own clinical supervisor (``own_supervisor`` yes: at most one a mentor)."""
    name = "willingness.csv"
    willing: list[tuple[str, str, bool]] = []
    supervisors: dict[str, str] = {}
    first: dict[tuple[str, str], int] = {}
    own_row: dict[str, int] = {}
    for number, row in rows(folder, name):
        mentor, mentee = row["mentor_id"], row["mentee_id"]
        if (mentor, mentee) in first:
            log.add(
                name,
                number,
                None,
                f"'{mentor}' already said whether they would mentor '{mentee}' in row "
                f"{first[(mentor, mentee)]}; keep one row",
                "duplicate",
            )
            continue
        first[(mentor, mentee)] = number
        willing.append((mentor, mentee, bool(YES_NO.get(row["willing"].lower()))))
        own = row.get("own_supervisor", "").lower()
        if own not in YES_NO and own != "":
            log.add(
                name, number, "own_supervisor", f"'{row['own_supervisor']}' is not yes or no", "own"
            )
        elif YES_NO.get(own):
            if mentor in own_row:
                log.add(
                    name,
                    number,
                    "own_supervisor",
                    f"'{mentor}' has one own clinical supervisor, already named in row "
                    f"{own_row[mentor]}",
                    "own twice",
                )
            else:
                own_row[mentor] = number
                supervisors[mentor] = mentee
    return willing, supervisors


def sessions(folder: Path, log: ProblemLog) -> list[Session]:
    """The held sessions of ``sessions.csv``: one a mentor, whole minutes, dates, modes."""
    name = "sessions.csv"
    found = []
    first: dict[str, int] = {}
    for number, row in rows(folder, name):
        mentor, mentee = row["mentor_id"], row["mentee_id"]
        if mentor in first:
            log.add(
                name,
                number,
                "mentor_id",
                f"'{mentor}' already has a session in row {first[mentor]}; a mentor is "
                "paired with one mentee",
                "mentor twice",
            )
            continue
        first[mentor] = number
        try:
            minutes = whole(row["duration_minutes"], MIN_MINUTES, MAX_MINUTES)
        except ValueError:
            minutes = None
        if minutes is None:
            log.add(
                name,
                number,
                "duration_minutes",
                f"'{row['duration_minutes']}' is not a whole number of minutes from "
                f"{MIN_MINUTES} to {MAX_MINUTES}",
                "minutes",
            )
            continue
        held_on = None
        if row.get("held_on", ""):
            try:
                held_on = date.fromisoformat(row["held_on"])
            except ValueError:
                log.add(
                    name,
                    number,
                    "held_on",
                    f"'{row['held_on']}' is not a date; write it like 2027-03-15 or leave it blank",
                    "date",
                )
        mode = row.get("mode", "").lower()
        if mode not in MODES:
            log.add(name, number, "mode", f"'{row['mode']}' is not online or in person", "mode")
        found.append(Session(mentor, mentee, minutes, held_on, mode))
    return found
