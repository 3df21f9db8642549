"""Read a study data folder (format version 1) into encoded arrays, or say what is wrong.

Every check is vectorised over rows: the folder of a national study holds millions of
answers. ``responses.csv`` is parsed once by pyarrow with dictionary-encoded columns, so a
participant id, time point or item is compared as a small integer, never as a string per
row. A problem is reported with its file, row (the header is row 1) and column.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from revmentor.analysis.problems import ProblemLog

ROLES: tuple[str, str] = ("mentor", "mentee")
DOMAINS: tuple[str, ...] = (
    "technology",
    "clinical_practice",
    "approach_to_juniors",
    "time_management",
    "approachability",
    "strengths",
    "areas_for_improvement",
)
DOMAIN_LABELS: dict[str, str] = {
    "technology": "Use of technology",
    "clinical_practice": "Clinical practice",
    "approach_to_juniors": "Approach to juniors",
    "time_management": "Time management",
    "approachability": "Approachability",
    "strengths": "Strengths",
    "areas_for_improvement": "Areas for improvement",
}
ItemKind = Literal["domain", "ordinal", "yesno", "category", "text"]
ITEM_KINDS: tuple[str, ...] = ("domain", "ordinal", "yesno", "category", "text")
YES_NO = {"yes": True, "no": False, "y": True, "n": False, "true": True, "false": False}
MISSING = np.iinfo(np.int32).min
"""Stands for "no whole number" in an int32 value array."""

IntArray = npt.NDArray[np.int64]
I32Array = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
ObjArray = npt.NDArray[np.object_]

_INT_PATTERN = r"^\s*[+-]?\d{1,9}\s*$"


@dataclass(frozen=True, slots=True)
class Item:
    """An item of the questionnaires as the analysis sees it.

    ``scale`` is the grid a domain item belongs to (``confidence`` for
    ``confidence.clinical_practice``) or the item's own name for any other item; ``domain``
    is ``None`` except for grid items. ``low``/``high`` bound whole-number answers when known.
    """

    name: str
    kind: ItemKind
    scale: str
    domain: str | None
    low: int | None
    high: int | None
    label: str


@dataclass(slots=True)
class Participants:
    """Participants sorted by role (mentors first), with demographics as arrays.

    ``role`` holds indexes into :data:`ROLES`; numeric columns hold NaN where blank;
    ``previous_mentor`` holds 1 (yes), 0 (no) or -1 (blank).
    """

    ids: ObjArray
    role: npt.NDArray[np.int8]
    withdrawn: BoolArray
    sex: ObjArray
    age: FloatArray
    years_as_consultant: FloatArray
    previous_mentor: npt.NDArray[np.int8]
    has_column: dict[str, bool]

    def role_slice(self, role: int) -> slice:
        """Return the slice of participant indexes holding ``role`` (possibly empty)."""
        idx = np.flatnonzero(self.role == role)
        if idx.size == 0:
            return slice(0, 0)
        return slice(int(idx[0]), int(idx[-1]) + 1)


@dataclass(slots=True)
class Responses:
    """One entry per answer row, as integer codes.

    ``participant`` indexes :class:`Participants`; ``timepoint`` indexes
    ``Study.timepoints``; ``item`` indexes ``Study.items``; ``value`` is the whole-number
    answer or :data:`MISSING`; ``text`` indexes ``texts`` (the distinct raw answers).
    """

    participant: I32Array
    timepoint: I32Array
    item: I32Array
    value: I32Array
    text: I32Array
    texts: ObjArray


@dataclass(slots=True)
class Study:
    """Everything read from a study data folder, validated and encoded."""

    folder: Path
    participants: Participants
    timepoints: list[str]
    timepoint_labels: dict[str, str]
    items: list[Item]
    responses: Responses
    session_mentor: I32Array = field(default_factory=lambda: np.empty(0, np.int32))
    session_mentee: I32Array = field(default_factory=lambda: np.empty(0, np.int32))
    session_minutes: FloatArray = field(default_factory=lambda: np.empty(0, np.float64))
    willing_mentor: I32Array = field(default_factory=lambda: np.empty(0, np.int32))
    willing_mentee: I32Array = field(default_factory=lambda: np.empty(0, np.int32))
    willing: BoolArray = field(default_factory=lambda: np.empty(0, np.bool_))
    code_participant: I32Array = field(default_factory=lambda: np.empty(0, np.int32))
    code_timepoint: I32Array = field(default_factory=lambda: np.empty(0, np.int32))
    code_index: I32Array = field(default_factory=lambda: np.empty(0, np.int32))
    codes: list[str] = field(default_factory=list)
    code_labels: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- CSV helpers


def _header(path: Path, log: ProblemLog, required: Sequence[str]) -> list[str] | None:
    """Return the header of ``path``; record a problem per missing required column."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), None)
    except UnicodeDecodeError:
        log.add(path.name, None, None, "is not UTF-8 text; save it as CSV UTF-8", "encoding")
        return None
    if header is None:
        log.add(path.name, None, None, "is empty; it needs a header row", "empty")
        return None
    header = [h.strip() for h in header]
    missing = [c for c in required if c not in header]
    for column in missing:
        log.add(path.name, 1, column, "required column is missing from the header", "column")
    return None if missing else header


def _read(
    folder: Path,
    name: str,
    log: ProblemLog,
    required: Sequence[str],
    optional: Sequence[str] = (),
    *,
    must_exist: bool = False,
    dictionary: bool = False,
) -> pa.Table | None:
    """Return the table in ``folder/name`` with the known columns as strings.

    Returns ``None`` (with problems recorded) when the file or a required column is
    missing, or the file cannot be parsed; ``None`` without a problem when an optional
    file is absent. With ``dictionary`` the columns are dictionary-encoded while parsing.
    """
    path = folder / name
    if not path.is_file():
        if must_exist:
            log.add(name, None, None, f"is missing from {folder}", "file")
        return None
    header = _header(path, log, required)
    if header is None:
        return None
    wanted = [c for c in (*required, *optional) if c in header]
    kind: pa.DataType = pa.dictionary(pa.int32(), pa.string()) if dictionary else pa.string()
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                include_columns=wanted,
                column_types=dict.fromkeys(wanted, kind),
                strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        log.add(name, None, None, f"cannot be read as CSV: {exc}", "parse")
        return None
    if dictionary:
        table = table.unify_dictionaries().combine_chunks()
    return table


def _strings(table: pa.Table, column: str) -> ObjArray:
    """Return a column as a NumPy array of stripped Python strings ('' if the column is absent)."""
    if column not in table.column_names:
        return np.full(table.num_rows, "", dtype=object)
    stripped = pc.utf8_trim_whitespace(table.column(column))
    return np.asarray(stripped.to_numpy(zero_copy_only=False), dtype=object)


def _encoded(table: pa.Table, column: str) -> tuple[I32Array, pa.Array]:
    """Return (indices, dictionary) of a dictionary-encoded column, stripped of spaces."""
    chunk = table.column(column).chunk(0) if table.num_rows else None
    if chunk is None:
        return np.empty(0, np.int32), pa.array([], pa.string())
    indices = chunk.indices.to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
    return indices, pc.utf8_trim_whitespace(chunk.dictionary)


def _numbers(values: ObjArray) -> tuple[FloatArray, BoolArray]:
    """Return (numbers, bad) for strings: NaN where blank; ``bad`` marks non-numbers."""
    arr = pa.array(values, pa.string())
    numeric = pc.match_substring_regex(arr, r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
    blank = np.asarray(pc.equal(arr, "").to_numpy(zero_copy_only=False), dtype=bool)
    ok = np.asarray(numeric.to_numpy(zero_copy_only=False), dtype=bool)
    out = np.full(len(values), np.nan)
    if ok.any():
        out[ok] = pc.cast(arr.filter(pa.array(ok)), pa.float64()).to_numpy()
    return out, ~(ok | blank)


def _report_rows(
    log: ProblemLog,
    file: str,
    bad: BoolArray,
    column: str | None,
    message: Callable[[int], str],
    kind: str,
) -> None:
    """Record a problem for every row flagged in ``bad`` (row index 0 is file row 2)."""
    rows = np.flatnonzero(bad)
    for i in rows[: log.limit]:
        log.add(file, int(i) + 2, column, message(int(i)), kind)
    # Beyond the limit, problems are only counted: one message per bad row of millions
    # would bury the first few, which usually explain the rest.
    log.more += max(int(rows.size) - log.limit, 0)


# --------------------------------------------------------------------------- participants


def _read_participants(folder: Path, log: ProblemLog) -> Participants | None:
    """Return participants sorted by role, or ``None`` if the file is unusable."""
    name = "participants.csv"
    optional = ("sex", "age", "years_as_consultant", "previous_mentor", "status")
    table = _read(folder, name, log, ("participant_id", "role"), optional, must_exist=True)
    if table is None:
        return None
    ids = _strings(table, "participant_id")
    roles = _strings(table, "role")
    role_code = np.full(len(ids), -1, np.int8)
    for i, role in enumerate(ROLES):
        role_code[roles == role] = i
    _report_rows(
        log,
        name,
        role_code < 0,
        "role",
        lambda i: f"unknown role '{roles[i]}'; use mentor or mentee",
        "role",
    )
    _report_rows(
        log, name, ids == "", "participant_id", lambda i: "participant_id is empty", "blank"
    )
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    dup = np.zeros(len(ids), bool)
    if len(ids) > 1:
        same = sorted_ids[1:] == sorted_ids[:-1]
        dup[order[1:][same]] = True
    _report_rows(
        log,
        name,
        dup,
        "participant_id",
        lambda i: f"participant '{ids[i]}' appears more than once",
        "duplicate",
    )
    status = _strings(table, "status")
    bad_status = ~np.isin(status, np.array(["active", "withdrawn", ""], dtype=object))
    _report_rows(
        log,
        name,
        bad_status,
        "status",
        lambda i: f"unknown status '{status[i]}'; use active or withdrawn",
        "status",
    )
    columns: dict[str, FloatArray] = {}
    for column in ("age", "years_as_consultant"):
        numbers, bad = _numbers(_strings(table, column))
        columns[column] = numbers
        raw = _strings(table, column)
        _report_rows(
            log,
            name,
            bad,
            column,
            lambda i, raw=raw: f"'{raw[i]}' is not a number",  # type: ignore[misc]
            column,
        )
    prev = _strings(table, "previous_mentor")
    prev_code = np.full(len(ids), -1, np.int8)
    lowered = np.asarray(pc.utf8_lower(pa.array(prev, pa.string())).to_numpy(False), dtype=object)
    for text, flag in YES_NO.items():
        prev_code[lowered == text] = int(flag)
    _report_rows(
        log,
        name,
        (prev_code < 0) & (prev != ""),
        "previous_mentor",
        lambda i: f"'{prev[i]}' is not yes or no",
        "previous_mentor",
    )
    by_role = np.argsort(role_code, kind="stable")
    return Participants(
        ids=ids[by_role],
        role=role_code[by_role],
        withdrawn=(status == "withdrawn")[by_role],
        sex=_strings(table, "sex")[by_role],
        age=columns["age"][by_role],
        years_as_consultant=columns["years_as_consultant"][by_role],
        previous_mentor=prev_code[by_role],
        has_column={c: c in table.column_names for c in optional},
    )


def _lookup(ids: ObjArray, values: pa.Array | ObjArray) -> I32Array:
    """Return the index in ``ids`` of every value, or -1 where it is not there."""
    found = pc.index_in(pa.array(values, pa.string()), value_set=pa.array(ids, pa.string()))
    return np.asarray(found.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int32)


# --------------------------------------------------------------------------- items


def _read_item_overrides(folder: Path, log: ProblemLog) -> dict[str, Item]:
    """Return the items declared in the optional ``items.csv``, keyed by name."""
    name = "items.csv"
    table = _read(folder, name, log, ("item", "type"), ("min", "max", "label"))
    if table is None:
        return {}
    out: dict[str, Item] = {}
    items, kinds, labels = (_strings(table, c) for c in ("item", "type", "label"))
    lows, bad_low = _numbers(_strings(table, "min"))
    highs, bad_high = _numbers(_strings(table, "max"))
    for i, (item, kind) in enumerate(zip(items, kinds, strict=True)):
        if kind not in ITEM_KINDS:
            log.add(
                name, i + 2, "type", f"unknown type '{kind}'; use {', '.join(ITEM_KINDS)}", "type"
            )
            continue
        if bad_low[i] or bad_high[i]:
            log.add(name, i + 2, "min" if bad_low[i] else "max", "is not a number", "range")
            continue
        scale, _, domain = item.partition(".")
        is_domain = kind == "domain" or (kind == "ordinal" and domain in DOMAINS)
        low = None if np.isnan(lows[i]) else int(lows[i])
        high = None if np.isnan(highs[i]) else int(highs[i])
        if is_domain:
            low, high = (1 if low is None else low), (5 if high is None else high)
        out[item] = Item(
            name=item,
            kind="domain" if is_domain else kind,
            scale=scale if is_domain else item,
            domain=domain if is_domain else None,
            low=low,
            high=high,
            label=labels[i] or item,
        )
    return out


def _infer_item(name: str, int_share: float, values: set[str], distinct: int) -> Item:
    """Return the item ``name`` with its kind inferred from its name and answers.

    ``<scale>.<domain>`` is a 1-5 grid answer; an item most of whose answers are whole
    numbers is ordinal (its other answers are then errors); yes/no answers make a yes/no
    item; a name ending in ``_text`` or more than 20 distinct answers make free text; the
    rest are categories.
    """
    scale, dot, domain = name.partition(".")
    if dot and domain in DOMAINS:
        return Item(name, "domain", scale, domain, 1, 5, DOMAIN_LABELS[domain])
    label = name.replace("_", " ").capitalize()
    if int_share >= 0.5:
        return Item(name, "ordinal", name, None, None, None, label)
    if values and {v.lower() for v in values} <= set(YES_NO):
        return Item(name, "yesno", name, None, None, None, label)
    if name.endswith("_text") or distinct > 20:
        return Item(name, "text", name, None, None, None, label)
    return Item(name, "category", name, None, None, None, label)


# --------------------------------------------------------------------------- responses


def _read_timepoints(folder: Path, log: ProblemLog) -> tuple[list[str], dict[str, str]] | None:
    """Return the time points of ``timepoints.csv`` in order with their labels, or ``None``."""
    name = "timepoints.csv"
    table = _read(folder, name, log, ("timepoint",), ("label",))
    if table is None:
        return None
    names = [str(x) for x in _strings(table, "timepoint")]
    labels = [str(x) for x in _strings(table, "label")]
    seen: set[str] = set()
    for i, tp in enumerate(names):
        if tp in seen or not tp:
            log.add(name, i + 2, "timepoint", f"time point '{tp}' is blank or repeated", "tp")
        seen.add(tp)
    return names, {tp: (label or tp) for tp, label in zip(names, labels, strict=True)}


def _first_appearance(codes: I32Array, size: int) -> IntArray:
    """Return, for each code in ``range(size)``, the first row it appears in (or len+1)."""
    first = np.full(size, codes.size + 1, dtype=np.int64)
    np.minimum.at(first, codes, np.arange(codes.size, dtype=np.int64))
    return first


def _key_counts(keys: IntArray, space: int) -> tuple[Callable[[IntArray], IntArray], IntArray]:
    """Return (count_of, duplicate rows) for integer keys below ``space``.

    Counting with ``bincount`` is linear; when the key space is much larger than the
    number of keys, sorted keys are searched instead.
    """
    if space <= max(4 * keys.size, 1 << 20):
        counts = np.bincount(keys, minlength=space)

        def count_of(k: IntArray) -> IntArray:
            return np.asarray(counts[k], dtype=np.int64)

        return count_of, np.flatnonzero(counts[keys] > 1)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]

    def count_sorted(k: IntArray) -> IntArray:
        left = np.searchsorted(sorted_keys, k, "left")
        right = np.searchsorted(sorted_keys, k, "right")
        return np.asarray(right - left, dtype=np.int64)

    same = np.zeros(keys.size, bool)
    if keys.size > 1:
        eq = sorted_keys[1:] == sorted_keys[:-1]
        same[order[1:][eq]] = True
        same[order[:-1][eq]] = True
    return count_sorted, np.flatnonzero(same)


@dataclass(slots=True)
class _Answers:
    """Intermediate: encoded responses plus what the codes check needs."""

    responses: Responses
    items: list[Item]
    timepoints: list[str]
    labels: dict[str, str]
    count_of: Callable[[IntArray], IntArray]


def _read_responses(folder: Path, log: ProblemLog, people: Participants) -> _Answers | None:
    """Return the encoded answers of ``responses.csv``, recording every problem found."""
    name = "responses.csv"
    columns = ("participant_id", "role", "timepoint", "item", "value")
    table = _read(folder, name, log, columns, must_exist=True, dictionary=True)
    if table is None:
        return None
    pid_idx, pid_dict = _encoded(table, "participant_id")
    role_idx, role_dict = _encoded(table, "role")
    tp_idx, tp_dict = _encoded(table, "timepoint")
    item_idx, item_dict = _encoded(table, "item")
    val_idx, val_dict = _encoded(table, "value")

    participant = _lookup(people.ids, pid_dict)[pid_idx] if pid_idx.size else pid_idx
    pid_names = np.asarray(pid_dict.to_numpy(zero_copy_only=False), dtype=object)
    _report_rows(
        log,
        name,
        participant < 0,
        "participant_id",
        lambda i: (
            f"answer from unknown participant '{pid_names[pid_idx[i]]}' (not in participants.csv)"
        ),
        "unknown participant",
    )
    role_names = [str(r) for r in role_dict.to_pylist()]
    role_map = np.array([ROLES.index(r) if r in ROLES else -1 for r in role_names], np.int8)
    row_role = role_map[role_idx] if role_idx.size else role_idx.astype(np.int8)
    _report_rows(
        log,
        name,
        row_role < 0,
        "role",
        lambda i: f"unknown role '{role_names[role_idx[i]]}'; use mentor or mentee",
        "role",
    )
    known = participant >= 0
    wrong_role = np.zeros(participant.size, bool)
    wrong_role[known] = (row_role[known] >= 0) & (
        people.role[participant[known]] != row_role[known]
    )
    _report_rows(
        log,
        name,
        wrong_role,
        "role",
        lambda i: (
            f"participant '{pid_names[pid_idx[i]]}' is a "
            f"{ROLES[people.role[participant[i]]]} in participants.csv, not a "
            f"{role_names[role_idx[i]]}"
        ),
        "role mismatch",
    )

    # Time points: the order of timepoints.csv, or else of first appearance.
    tp_names = [str(t) for t in tp_dict.to_pylist()]
    declared = _read_timepoints(folder, log)
    if declared is not None:
        timepoints, labels = declared
        position = {tp: i for i, tp in enumerate(timepoints)}
        tp_map = np.array([position.get(t, -1) for t in tp_names], np.int32)
    else:
        first = _first_appearance(tp_idx, len(tp_names))
        order = [int(i) for i in np.argsort(first, kind="stable") if tp_names[i]]
        timepoints = [tp_names[i] for i in order]
        labels = {tp: tp for tp in timepoints}
        tp_map = np.full(len(tp_names), -1, np.int32)
        tp_map[order] = np.arange(len(order), dtype=np.int32)
    timepoint = tp_map[tp_idx] if tp_idx.size else tp_idx
    _report_rows(
        log,
        name,
        timepoint < 0,
        "timepoint",
        lambda i: (
            f"time point '{tp_names[tp_idx[i]]}' is not listed in timepoints.csv"
            if tp_names[tp_idx[i]]
            else "timepoint is empty"
        ),
        "timepoint",
    )

    # Values: whole numbers are recognised once per distinct answer, not once per row.
    is_int = np.asarray(
        pc.match_substring_regex(val_dict, _INT_PATTERN).to_numpy(zero_copy_only=False), bool
    )
    dict_value = np.full(len(val_dict), MISSING, np.int32)
    if is_int.any():
        ints = pc.cast(pc.utf8_trim_whitespace(val_dict.filter(pa.array(is_int))), pa.int32())
        dict_value[is_int] = ints.to_numpy()
    value = dict_value[val_idx] if val_idx.size else val_idx
    texts = np.asarray(val_dict.to_numpy(zero_copy_only=False), dtype=object)

    items = _classify_items(folder, log, item_dict, item_idx, val_idx, is_int, texts)
    _check_values(log, name, items, item_idx, value, val_idx, texts)

    # Duplicates: one answer per participant, time point and item.
    ok = (participant >= 0) & (timepoint >= 0)
    n_tp, n_items = max(len(timepoints), 1), max(len(items), 1)
    keys = (participant.astype(np.int64) * n_tp + timepoint) * n_items + item_idx
    keys = np.where(ok, keys, -1)
    valid = np.flatnonzero(ok)
    count_of, dup_local = _key_counts(keys[valid], len(people.ids) * n_tp * n_items)
    dup_rows = valid[dup_local]
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
            f"duplicate answer: '{pid_names[pid_idx[i]]}' already answered "
            f"'{items[item_idx[i]].name}' at '{timepoints[timepoint[i]]}' in row "
            f"{first_row[key] + 2}",
            "duplicate",
        )
    responses = Responses(
        participant=participant,
        timepoint=timepoint,
        item=item_idx,
        value=value,
        text=val_idx,
        texts=texts,
    )

    def answered(k: IntArray) -> IntArray:
        return count_of(k)

    return _Answers(responses, items, timepoints, labels, answered)


def _classify_items(
    folder: Path,
    log: ProblemLog,
    item_dict: pa.Array,
    item_idx: I32Array,
    val_idx: I32Array,
    is_int: BoolArray,
    texts: ObjArray,
) -> list[Item]:
    """Return one :class:`Item` per distinct item name, declared or inferred."""
    names = [str(x) for x in item_dict.to_pylist()]
    declared = _read_item_overrides(folder, log)
    n_items = len(names)
    per_item = np.bincount(item_idx, minlength=n_items)
    int_per_item = np.bincount(item_idx, weights=is_int[val_idx], minlength=n_items)
    items: list[Item] = []
    # Only answers that are not whole numbers are grouped by text; grids never are.
    textual = np.flatnonzero(~is_int[val_idx]) if val_idx.size else val_idx
    pairs = np.unique(item_idx[textual].astype(np.int64) * len(texts) + val_idx[textual])
    values_of: dict[int, set[str]] = {}
    for pair in pairs[:200_000]:
        it, tx = divmod(int(pair), len(texts))
        values_of.setdefault(it, set()).add(str(texts[tx]))
    for j, item_name in enumerate(names):
        if item_name in declared:
            items.append(declared[item_name])
            continue
        share = float(int_per_item[j] / per_item[j]) if per_item[j] else 0.0
        values = {v for v in values_of.get(j, set()) if v}
        items.append(_infer_item(item_name, share, values, len(values)))
    for j, item in enumerate(items):
        _scale, dot, domain = item.name.partition(".")
        if item.kind != "domain" and dot and item.name not in declared:
            row = int(np.argmax(item_idx == j)) + 2
            log.add(
                "responses.csv",
                row,
                "item",
                f"unknown domain '{domain}' in item '{item.name}'; the domains are "
                f"{', '.join(DOMAINS)} (or declare the item in items.csv)",
                "item",
            )
    return items


def _check_values(
    log: ProblemLog,
    name: str,
    items: list[Item],
    item_idx: I32Array,
    value: I32Array,
    val_idx: I32Array,
    texts: ObjArray,
) -> None:
    """Record a problem for every answer that is not a whole number in its item's range."""
    numeric = np.array([it.kind in ("domain", "ordinal") for it in items], bool)
    low = np.array([it.low if it.low is not None else MISSING for it in items], np.int64)
    high = np.array(
        [it.high if it.high is not None else np.iinfo(np.int32).max for it in items], np.int64
    )
    if not items:
        return
    row_numeric = numeric[item_idx]
    not_int = row_numeric & (value == MISSING)
    out_of_range = row_numeric & ~not_int & ((value < low[item_idx]) | (value > high[item_idx]))

    def describe(i: int) -> str:
        it = items[item_idx[i]]
        shown = texts[val_idx[i]]
        span = f" from {it.low} to {it.high}" if it.low is not None else ""
        if not shown:
            return f"no answer to '{it.name}'; give a whole number{span} or leave the row out"
        if value[i] == MISSING:
            return f"'{shown}' is not a whole number{span} ('{it.name}')"
        return f"{shown} is out of range for '{it.name}': give a whole number{span}"

    _report_rows(log, name, not_int, "value", describe, "not a number")
    _report_rows(log, name, out_of_range, "value", describe, "out of range")


# --------------------------------------------------------------------------- other files


def _read_sessions(folder: Path, log: ProblemLog, people: Participants, study: Study) -> None:
    """Fill ``study.session_*`` from ``sessions.csv`` if present."""
    name = "sessions.csv"
    table = _read(folder, name, log, ("mentor_id", "mentee_id", "duration_minutes"))
    if table is None:
        return
    mentor, mentee = _pair_columns(log, name, table, people)
    raw = _strings(table, "duration_minutes")
    minutes, bad = _numbers(raw)
    bad |= np.isnan(minutes) | (minutes <= 0)
    _report_rows(
        log,
        name,
        bad,
        "duration_minutes",
        lambda i: f"'{raw[i]}' is not a positive number of minutes",
        "duration",
    )
    study.session_mentor, study.session_mentee, study.session_minutes = mentor, mentee, minutes


def _pair_columns(
    log: ProblemLog, name: str, table: pa.Table, people: Participants
) -> tuple[I32Array, I32Array]:
    """Return the participant indexes of ``mentor_id`` and ``mentee_id``, checking roles."""
    out: list[I32Array] = []
    for column, role in (("mentor_id", 0), ("mentee_id", 1)):
        raw = _strings(table, column)
        idx = _lookup(people.ids, raw)
        _report_rows(
            log,
            name,
            idx < 0,
            column,
            lambda i, raw=raw: f"unknown participant '{raw[i]}' (not in participants.csv)",  # type: ignore[misc]
            f"unknown {column}",
        )
        wrong = (idx >= 0) & (people.role[np.maximum(idx, 0)] != role)
        _report_rows(
            log,
            name,
            wrong,
            column,
            lambda i, raw=raw, role=role: f"'{raw[i]}' is not a {ROLES[role]}",  # type: ignore[misc]
            f"role {column}",
        )
        out.append(idx)
    return out[0], out[1]


def _read_willingness(folder: Path, log: ProblemLog, people: Participants, study: Study) -> None:
    """Fill ``study.willing_*`` from ``willingness.csv`` if present."""
    name = "willingness.csv"
    table = _read(folder, name, log, ("mentor_id", "mentee_id", "willing"), ("own_supervisor",))
    if table is None:
        return
    mentor, mentee = _pair_columns(log, name, table, people)
    raw = _strings(table, "willing")
    lowered = np.asarray(pc.utf8_lower(pa.array(raw, pa.string())).to_numpy(False), dtype=object)
    known = np.isin(lowered, np.array(list(YES_NO), dtype=object))
    _report_rows(log, name, ~known, "willing", lambda i: f"'{raw[i]}' is not yes or no", "willing")
    willing = np.isin(lowered, np.array([k for k, v in YES_NO.items() if v], dtype=object))
    study.willing_mentor, study.willing_mentee, study.willing = mentor, mentee, willing


def _read_codes(folder: Path, log: ProblemLog, answers: _Answers, study: Study) -> None:
    """Fill ``study.code*`` from ``codes.csv`` and ``codebook.csv`` if present."""
    book = _read(folder, "codebook.csv", log, ("code",), ("label", "parent", "description"))
    if book is not None:
        for code, label in zip(_strings(book, "code"), _strings(book, "label"), strict=True):
            study.code_labels[str(code)] = str(label) or str(code)
    name = "codes.csv"
    table = _read(folder, name, log, ("participant_id", "role", "timepoint", "item", "code"))
    if table is None:
        return
    people = study.participants
    raw_pid, raw_role, raw_tp, raw_item, raw_code = (
        _strings(table, c) for c in ("participant_id", "role", "timepoint", "item", "code")
    )
    pidx = _lookup(people.ids, raw_pid)
    _report_rows(
        log,
        name,
        pidx < 0,
        "participant_id",
        lambda i: f"unknown participant '{raw_pid[i]}' (not in participants.csv)",
        "unknown participant",
    )
    role_ok = np.isin(raw_role, np.array(ROLES, dtype=object))
    _report_rows(log, name, ~role_ok, "role", lambda i: f"unknown role '{raw_role[i]}'", "role")
    tpx = _lookup(np.array(answers.timepoints, dtype=object), raw_tp)
    itx = _lookup(np.array([it.name for it in answers.items], dtype=object), raw_item)
    n_tp, n_items = max(len(answers.timepoints), 1), max(len(answers.items), 1)
    keys = (pidx.astype(np.int64) * n_tp + tpx) * n_items + itx
    known = (pidx >= 0) & (tpx >= 0) & (itx >= 0)
    exists = np.zeros(len(pidx), bool)
    exists[known] = answers.count_of(keys[known]) > 0
    _report_rows(
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
    _report_rows(log, name, raw_code == "", "code", lambda i: "code is empty", "blank code")
    if study.code_labels:
        unknown = ~np.isin(raw_code, np.array(list(study.code_labels), dtype=object))
        _report_rows(
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
    study.code_index = _lookup(np.array(study.codes, dtype=object), raw_code)


def read_study(folder: str | Path, *, problem_limit: int = 20) -> Study:
    """Return the validated, encoded contents of the study data folder ``folder``.

    Raises :class:`~revmentor.analysis.problems.StudyDataError` listing every problem
    (at most ``problem_limit`` of each kind per file, the rest counted) if anything is
    wrong: a missing file or required column, an unknown role, a value that is not a
    whole number in range, a duplicate answer, an answer or code from an unknown
    participant, a code applied to an answer that does not exist. Optional files
    (``timepoints.csv``, ``items.csv``, ``sessions.csv``, ``willingness.csv``,
    ``codes.csv``, ``codebook.csv``) may be absent.
    """
    root = Path(folder)
    log = ProblemLog(problem_limit)
    if not root.is_dir():
        log.add(str(root), None, None, "is not a folder", "folder")
        log.raise_if_any()
    people = _read_participants(root, log)
    if people is None:
        _read_responses_header_only(root, log)
        log.raise_if_any()
        raise AssertionError("unreachable")  # pragma: no cover
    answers = _read_responses(root, log, people)
    if answers is None:
        log.raise_if_any()
        raise AssertionError("unreachable")  # pragma: no cover
    study = Study(
        folder=root,
        participants=people,
        timepoints=answers.timepoints,
        timepoint_labels=answers.labels,
        items=answers.items,
        responses=answers.responses,
    )
    _read_sessions(root, log, people, study)
    _read_willingness(root, log, people, study)
    _read_codes(root, log, answers, study)
    study.files = sorted(p.name for p in root.glob("*.csv"))
    log.raise_if_any()
    return study


def _read_responses_header_only(folder: Path, log: ProblemLog) -> None:
    """Check that ``responses.csv`` exists and has its columns, for a fuller first report."""
    path = folder / "responses.csv"
    if not path.is_file():
        log.add("responses.csv", None, None, f"is missing from {folder}", "file")
        return
    _header(path, log, ("participant_id", "role", "timepoint", "item", "value"))


__all__ = [
    "DOMAINS",
    "DOMAIN_LABELS",
    "MISSING",
    "ROLES",
    "Item",
    "Participants",
    "Responses",
    "Study",
    "read_study",
]
