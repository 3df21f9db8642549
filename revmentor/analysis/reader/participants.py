"""``participants.csv``: who took part, in which role, with what demographics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.compute as pc

from revmentor.analysis.problems import ProblemLog
from revmentor.analysis.reader.csvio import (
    as_numpy,
    as_objects,
    choice_codes,
    parse_numbers,
    read_table,
    report_rows,
    trimmed_column,
)
from revmentor.analysis.reader.model import ROLES, YES_NO, FloatArray, Participants


def read_participants(folder: Path, log: ProblemLog) -> Participants | None:
    """Return participants sorted by role, or ``None`` if the file is unusable.

    Columns other than those of the format (and the optional ``scheme`` of a pooled
    folder) are ignored.
    """
    name = "participants.csv"
    optional = ("sex", "age", "years_as_consultant", "previous_mentor", "status", "scheme")
    table = read_table(folder, name, log, ("participant_id", "role"), optional, must_exist=True)
    if table is None:
        return None
    id_col, roles = trimmed_column(table, "participant_id"), trimmed_column(table, "role")
    role_code = choice_codes(roles, ROLES)
    report_rows(
        log,
        name,
        role_code < 0,
        "role",
        lambda i: f"unknown role '{roles[i].as_py()}'; use mentor or mentee",
        "role",
    )
    blank = as_numpy(pc.equal(id_col, ""))
    report_rows(log, name, blank, "participant_id", lambda i: "participant_id is empty", "blank")
    counts = pc.value_counts(id_col)
    repeated = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
    if len(repeated):
        dup = as_numpy(pc.is_in(id_col, value_set=repeated))
        report_rows(
            log,
            name,
            dup & ~blank,
            "participant_id",
            lambda i: f"participant '{id_col[i].as_py()}' appears more than once",
            "duplicate",
        )
    status = trimmed_column(table, "status")
    status_code = choice_codes(status, ("active", "withdrawn", ""))
    report_rows(
        log,
        name,
        status_code < 0,
        "status",
        lambda i: f"unknown status '{status[i].as_py()}'; use active or withdrawn",
        "status",
    )
    columns: dict[str, FloatArray] = {}
    for column in ("age", "years_as_consultant"):
        raw = trimmed_column(table, column)
        columns[column], bad = parse_numbers(raw)
        report_rows(
            log,
            name,
            bad,
            column,
            lambda i, raw=raw: f"'{raw[i].as_py()}' is not a number",  # type: ignore[misc]
            column,
        )
    prev = trimmed_column(table, "previous_mentor")
    answer = choice_codes(pc.utf8_lower(prev), list(YES_NO))
    flags = np.array([int(v) for v in YES_NO.values()], np.int8)
    prev_code = np.where(answer >= 0, flags[np.maximum(answer, 0)], -1).astype(np.int8)
    is_blank = as_numpy(pc.equal(prev, ""))
    report_rows(
        log,
        name,
        (prev_code < 0) & ~is_blank,
        "previous_mentor",
        lambda i: f"'{prev[i].as_py()}' is not yes or no",
        "previous_mentor",
    )
    by_role = np.argsort(role_code, kind="stable")
    sex = trimmed_column(table, "sex").dictionary_encode()
    # A pooled folder says which scheme each participant came from; any text is a label.
    scheme = trimmed_column(table, "scheme").dictionary_encode()
    return Participants(
        ids=as_objects(id_col)[by_role],
        role=role_code[by_role],
        withdrawn=(status_code == 1)[by_role],
        sex=as_numpy(sex.indices).astype(np.int32)[by_role],
        sex_names=[str(x) for x in sex.dictionary.to_pylist()],
        age=columns["age"][by_role],
        years_as_consultant=columns["years_as_consultant"][by_role],
        previous_mentor=prev_code[by_role],
        has_column={c: c in table.column_names for c in optional},
        scheme=as_numpy(scheme.indices).astype(np.int32)[by_role],
        scheme_names=[str(x) for x in scheme.dictionary.to_pylist()],
    )
