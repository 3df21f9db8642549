"""``sessions.csv``, ``willingness.csv``, ``codes.csv`` and ``codebook.csv``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from revmentor.analysis.problems import ProblemLog
from revmentor.analysis.reader.csvio import (
    as_objects,
    column_strings,
    lookup_ids,
    parse_numbers,
    read_table,
    report_rows,
    text_column,
)
from revmentor.analysis.reader.model import ROLES, YES_NO, I32Array, Participants, Study
from revmentor.analysis.reader.responses import Answers, answer_keys


def read_sessions(folder: Path, log: ProblemLog, people: Participants, study: Study) -> None:
    """Fill ``study.session_*`` from ``sessions.csv`` if present."""
    name = "sessions.csv"
    table = read_table(folder, name, log, ("mentor_id", "mentee_id", "duration_minutes"))
    if table is None:
        return
    mentor, mentee = pair_columns(log, name, table, people)
    raw = column_strings(table, "duration_minutes")
    minutes, bad = parse_numbers(raw)
    bad |= np.isnan(minutes) | (minutes <= 0)
    report_rows(
        log,
        name,
        bad,
        "duration_minutes",
        lambda i: f"'{raw[i]}' is not a positive number of minutes",
        "duration",
    )
    study.session_mentor, study.session_mentee, study.session_minutes = mentor, mentee, minutes


def pair_columns(
    log: ProblemLog, name: str, table: pa.Table, people: Participants
) -> tuple[I32Array, I32Array]:
    """Return the participant indexes of ``mentor_id`` and ``mentee_id``, checking roles."""
    out: list[I32Array] = []
    for column, role in (("mentor_id", 0), ("mentee_id", 1)):
        raw = column_strings(table, column)
        idx = lookup_ids(people.ids, raw)
        report_rows(
            log,
            name,
            idx < 0,
            column,
            lambda i, raw=raw: f"unknown participant '{raw[i]}' (not in participants.csv)",  # type: ignore[misc]
            f"unknown {column}",
        )
        wrong = (idx >= 0) & (people.role[np.maximum(idx, 0)] != role)
        report_rows(
            log,
            name,
            wrong,
            column,
            lambda i, raw=raw, role=role: f"'{raw[i]}' is not a {ROLES[role]}",  # type: ignore[misc]
            f"role {column}",
        )
        out.append(idx)
    return out[0], out[1]


def read_willingness(folder: Path, log: ProblemLog, people: Participants, study: Study) -> None:
    """Fill ``study.willing_*`` from ``willingness.csv`` if present."""
    name = "willingness.csv"
    table = read_table(
        folder, name, log, ("mentor_id", "mentee_id", "willing"), ("own_supervisor",)
    )
    if table is None:
        return
    mentor, mentee = pair_columns(log, name, table, people)
    raw = column_strings(table, "willing")
    lowered = as_objects(pc.utf8_lower(pa.array(raw, pa.string())))
    known = np.isin(lowered, np.array(list(YES_NO), dtype=object))
    report_rows(log, name, ~known, "willing", lambda i: f"'{raw[i]}' is not yes or no", "willing")
    willing = np.isin(lowered, np.array([k for k, v in YES_NO.items() if v], dtype=object))
    study.willing_mentor, study.willing_mentee, study.willing = mentor, mentee, willing


def read_codes(folder: Path, log: ProblemLog, answers: Answers, study: Study) -> None:
    """Fill ``study.code*`` from ``codes.csv`` and ``codebook.csv`` if present."""
    book = read_table(folder, "codebook.csv", log, ("code",), ("label", "parent", "description"))
    if book is not None:
        for code, label in zip(
            column_strings(book, "code"), text_column(book, "label"), strict=True
        ):
            study.code_labels[str(code)] = str(label) or str(code)
    name = "codes.csv"
    table = read_table(folder, name, log, ("participant_id", "role", "timepoint", "item", "code"))
    if table is None:
        return
    people = study.participants
    raw_pid, raw_role, raw_tp, raw_item, raw_code = (
        column_strings(table, c) for c in ("participant_id", "role", "timepoint", "item", "code")
    )
    pidx = lookup_ids(people.ids, raw_pid)
    report_rows(
        log,
        name,
        pidx < 0,
        "participant_id",
        lambda i: f"unknown participant '{raw_pid[i]}' (not in participants.csv)",
        "unknown participant",
    )
    role_ok = np.isin(raw_role, np.array(ROLES, dtype=object))
    report_rows(log, name, ~role_ok, "role", lambda i: f"unknown role '{raw_role[i]}'", "role")
    tpx = lookup_ids(np.array(answers.timepoints, dtype=object), raw_tp)
    itx = lookup_ids(np.array([it.name for it in answers.items], dtype=object), raw_item)
    n_tp = max(len(answers.timepoints), 1)
    known = (pidx >= 0) & (tpx >= 0) & (itx >= 0)
    keys = answer_keys(
        np.maximum(pidx, 0), np.maximum(tpx, 0), np.maximum(itx, 0), len(people.ids), n_tp
    )
    exists = np.zeros(len(pidx), bool)
    exists[known] = answers.exists(keys[known])
    report_rows(
        log,
        name,
        role_ok & (pidx >= 0) & ~exists,
        None,
        lambda i: (
            f"code '{raw_code[i]}' is applied to an answer that does not exist: "
            f"'{raw_pid[i]}' has no answer to '{raw_item[i]}' at '{raw_tp[i]}' in responses.csv"
        ),
        "no answer",
    )
    report_rows(log, name, raw_code == "", "code", lambda i: "code is empty", "blank code")
    if study.code_labels:
        unknown = ~np.isin(raw_code, np.array(list(study.code_labels), dtype=object))
        report_rows(
            log,
            name,
            unknown & (raw_code != ""),
            "code",
            lambda i: f"code '{raw_code[i]}' is not in codebook.csv",
            "unknown code",
        )
    codes = sorted({str(c) for c in raw_code if c})
    study.codes = [c for c in study.code_labels if c in set(codes)] + [
        c for c in codes if c not in study.code_labels
    ]
    study.code_participant = pidx
    study.code_timepoint = tpx
    study.code_index = lookup_ids(np.array(study.codes, dtype=object), raw_code)
