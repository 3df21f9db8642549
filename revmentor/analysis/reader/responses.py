"""``responses.csv`` (and ``timepoints.csv``): every answer, encoded as integers.

Parsed once by pyarrow with dictionary-encoded columns, so a time point, item or answer
is compared as a small integer, never as a string per row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from revmentor.analysis.problems import ProblemLog
from revmentor.analysis.reader.csvio import (
    as_numpy,
    as_objects,
    column_strings,
    dictionary_column,
    read_header,
    read_table,
    report_rows,
    text_column,
    unquoted,
)
from revmentor.analysis.reader.items import (
    INT_PATTERN,
    check_values,
    classify_items,
    item_value_pairs,
)
from revmentor.analysis.reader.model import (
    MISSING,
    ROLES,
    BoolArray,
    I32Array,
    IntArray,
    Item,
    Participants,
    Responses,
)


def read_timepoints(folder: Path, log: ProblemLog) -> tuple[list[str], dict[str, str]] | None:
    """Return the time points of ``timepoints.csv`` in order with their labels, or ``None``."""
    name = "timepoints.csv"
    table = read_table(folder, name, log, ("timepoint",), ("label",))
    if table is None:
        return None
    names = [str(x) for x in column_strings(table, "timepoint")]
    labels = [str(x) for x in text_column(table, "label")]
    seen: set[str] = set()
    for i, tp in enumerate(names):
        if tp in seen or not tp:
            log.add(name, i + 2, "timepoint", f"time point '{tp}' is blank or repeated", "tp")
        seen.add(tp)
    return names, {tp: (label or tp) for tp, label in zip(names, labels, strict=True)}


def first_appearance(codes: I32Array, size: int) -> IntArray:
    """Return, for each code in ``range(size)``, the first row it appears in (or len+1)."""
    first = np.full(size, codes.size + 1, dtype=np.int64)
    np.minimum.at(first, codes, np.arange(codes.size, dtype=np.int64))
    return first


def answer_keys(
    participant: npt.NDArray[np.integer[Any]],
    timepoint: npt.NDArray[np.integer[Any]],
    item: npt.NDArray[np.integer[Any]],
    n_people: int,
    n_timepoints: int,
) -> IntArray:
    """Return the unique key of each answer: ``(item * n_timepoints + timepoint) * n_people
    + participant``.

    Item-major, so that one item at one time point is a contiguous run of participants in
    any array indexed by the key. 32-bit when the key space allows (half the memory
    traffic), else 64-bit.
    """
    space = (int(item.max()) + 1 if item.size else 1) * n_timepoints * n_people
    keys = cast(IntArray, item.astype(np.int32 if space < 2**31 else np.int64))
    keys *= n_timepoints
    keys += timepoint
    keys *= n_people
    keys += participant
    return keys


def duplicates(keys: IntArray, space: int) -> tuple[BoolArray | None, IntArray]:
    """Return (answered[key] flags or ``None``, rows whose key another row also has).

    Linear time when the key space is at most a few times the number of rows: one scatter
    and one count, and the rows are searched only if some key repeats. The flags are
    ``None`` when the space is too sparse for an array; keys are then sorted.
    """
    n = keys.size
    if space <= max(8 * n, 1 << 22):
        seen = np.zeros(space, bool)
        seen[keys] = True
        if np.count_nonzero(seen) == n:
            return seen, np.empty(0, np.int64)
    else:
        seen = None
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    same = ordered[1:] == ordered[:-1]
    dup = np.zeros(n, bool)
    dup[order[1:][same]] = True
    dup[order[:-1][same]] = True
    return seen, np.flatnonzero(dup)


@dataclass(slots=True)
class Answers:
    """Intermediate: encoded responses plus what the codes check needs."""

    responses: Responses
    items: list[Item]
    timepoints: list[str]
    labels: dict[str, str]
    exists: Callable[[IntArray], BoolArray]


def participant_index(people: Participants, column: pa.ChunkedArray) -> I32Array:
    """Return the participant index of every row's id, -1 for ids not in participants.csv."""
    # One call over all chunks builds the hash table of known ids once.
    found = pc.index_in(column, value_set=pa.array(people.ids, pa.string())).fill_null(-1)
    return as_numpy(pc.cast(found, pa.int32())).copy()


def read_responses(folder: Path, log: ProblemLog, people: Participants) -> Answers | None:
    """Return the encoded answers of ``responses.csv``, recording every problem found.

    Checks run on distinct values (a few roles, items, answers) wherever they can, and
    touch every row only to find the rows of a problem already known to exist.
    """
    name = "responses.csv"
    columns = ("participant_id", "role", "timepoint", "item", "value")
    table = read_table(folder, name, log, columns, must_exist=True, dictionary=columns[1:])
    if table is None:
        return None
    raw_pid = table.column("participant_id")
    role_idx, role_dict = dictionary_column(table, "role")
    tp_idx, tp_dict = dictionary_column(table, "timepoint")
    item_idx, item_dict = dictionary_column(table, "item")
    val_idx, val_dict = dictionary_column(table, "value")
    val_dict = unquoted(val_dict)  # each distinct answer once, as it was typed

    def pid_at(i: int) -> str:
        return str(raw_pid[i].as_py()).strip()

    participant = participant_index(people, raw_pid)
    unknown = participant < 0
    if unknown.any():
        # Trimming ten million ids costs more than the lookup; only misses are retried.
        rows = np.flatnonzero(unknown)
        trimmed = pc.utf8_trim_whitespace(raw_pid.take(pa.array(rows)))
        participant[rows] = participant_index(people, pa.chunked_array([trimmed]))
        unknown = participant < 0
    if unknown.any():
        report_rows(
            log,
            name,
            unknown,
            "participant_id",
            lambda i: f"answer from unknown participant '{pid_at(i)}' (not in participants.csv)",
            "unknown participant",
        )
    role_names = [str(r) for r in role_dict.to_pylist()]
    role_map = np.array([ROLES.index(r) if r in ROLES else -1 for r in role_names], np.int8)
    if (role_map < 0).any():
        report_rows(
            log,
            name,
            role_map[role_idx] < 0,
            "role",
            lambda i: f"unknown role '{role_names[role_idx[i]]}'; use mentor or mentee",
            "role",
        )
    row_role = role_map[role_idx]
    wrong_role = (people.role[participant] != row_role) & (row_role >= 0) & ~unknown
    if wrong_role.any():
        report_rows(
            log,
            name,
            wrong_role,
            "role",
            lambda i: (
                f"participant '{pid_at(i)}' is a {ROLES[people.role[participant[i]]]} "
                f"in participants.csv, not a {role_names[role_idx[i]]}"
            ),
            "role mismatch",
        )

    # Time points: the order of timepoints.csv, or else of first appearance.
    tp_names = [str(t) for t in tp_dict.to_pylist()]
    declared = read_timepoints(folder, log)
    if declared is not None:
        timepoints, labels = declared
        position = {tp: i for i, tp in enumerate(timepoints)}
        tp_map = np.array([position.get(t, -1) for t in tp_names], np.int32)
    else:
        first = first_appearance(tp_idx, len(tp_names))
        order = [int(i) for i in np.argsort(first, kind="stable") if tp_names[i]]
        timepoints = [tp_names[i] for i in order]
        labels = {tp: tp for tp in timepoints}
        tp_map = np.full(len(tp_names), -1, np.int32)
        tp_map[order] = np.arange(len(order), dtype=np.int32)
    if (tp_map < 0).any():
        report_rows(
            log,
            name,
            tp_map[tp_idx] < 0,
            "timepoint",
            lambda i: (
                f"time point '{tp_names[tp_idx[i]]}' is not listed in timepoints.csv"
                if tp_names[tp_idx[i]]
                else "timepoint is empty"
            ),
            "timepoint",
        )
    timepoint = np.maximum(tp_map, 0)[tp_idx] if tp_idx.size else tp_idx

    # Values: whole numbers are recognised once per distinct answer, not once per row.
    is_int = np.asarray(as_numpy(pc.match_substring_regex(val_dict, INT_PATTERN)), bool)
    dict_value = np.full(len(val_dict), MISSING, np.int32)
    if is_int.any():
        ints = pc.cast(pc.utf8_trim_whitespace(val_dict.filter(pa.array(is_int))), pa.int32())
        dict_value[is_int] = as_numpy(ints)
    texts = as_objects(val_dict)
    pair_items, pair_values, pair_counts, pair_of_row = item_value_pairs(
        item_idx, val_idx, len(texts)
    )
    items = classify_items(
        folder,
        log,
        [str(x) for x in item_dict.to_pylist()],
        pair_items,
        pair_values,
        pair_counts,
        is_int,
        texts,
        item_idx,
    )
    check_values(
        log, name, items, pair_items, pair_values, dict_value, texts, pair_of_row, item_idx, val_idx
    )

    # Duplicates: one answer per participant, time point and item.
    n_tp, n_items = max(len(timepoints), 1), max(len(items), 1)
    keys = answer_keys(np.maximum(participant, 0), timepoint, item_idx, len(people.ids), n_tp)
    space = len(people.ids) * n_tp * n_items
    if log.problems:
        # Rows already rejected must not collide with participant 0 or time point 0.
        valid = np.flatnonzero(~unknown & (tp_map[tp_idx] >= 0))
        seen, local = duplicates(keys[valid], space)
        dup_rows: npt.NDArray[np.integer[Any]] = valid[local]
    else:
        seen, dup_rows = duplicates(keys, space)
    first_row: dict[int, int] = {}
    for i in dup_rows[: log.limit * 2]:
        key = int(keys[i])
        if key not in first_row:
            first_row[key] = int(i)
            continue
        log.add(
            name,
            int(i) + 2,
            None,
            f"duplicate answer: '{pid_at(int(i))}' already answered "
            f"'{items[item_idx[i]].name}' at '{timepoints[timepoint[i]]}' in row "
            f"{first_row[key] + 2}",
            "duplicate",
        )
    value = dict_value[val_idx] if val_idx.size else val_idx
    responses = Responses(
        participant=participant,
        timepoint=timepoint,
        item=item_idx,
        value=value,
        text=val_idx,
        texts=texts,
        key=keys,
    )

    def exists(k: IntArray) -> BoolArray:
        if seen is not None:
            return np.asarray(seen[k])
        return np.isin(k, keys)

    return Answers(responses, items, timepoints, labels, exists)


def check_responses_header(folder: Path, log: ProblemLog) -> None:
    """Check that ``responses.csv`` exists and has its columns, for a fuller first report."""
    path = folder / "responses.csv"
    if not path.is_file():
        log.add("responses.csv", None, None, f"is missing from {folder}", "file")
        return
    read_header(path, log, ("participant_id", "role", "timepoint", "item", "value"))
