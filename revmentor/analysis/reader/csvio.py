"""Reading CSV files with pyarrow, and turning arrow arrays into NumPy arrays cheaply.

A problem is reported with its file, row (the header is row 1) and column.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from revmentor.analysis.problems import ProblemLog
from revmentor.analysis.reader.model import BoolArray, FloatArray, I32Array, ObjArray
from revmentor.core.spreadsheet import QUOTE, from_csv_text

BLOCK_BYTES = 8 << 20


def read_header(path: Path, log: ProblemLog, required: Sequence[str]) -> list[str] | None:
    """Return the header of ``path``; record a problem per missing required column."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), None)
    except UnicodeDecodeError:
        log.add(path.name, None, None, "is not UTF-8 text; save it as CSV UTF-8", "encoding")
        return None
    except csv.Error as exc:  # a header cell longer than the csv module allows, say
        log.add(path.name, 1, None, f"cannot be read as CSV: {exc}", "parse")
        return None
    if header is None:
        log.add(path.name, None, None, "is empty; it needs a header row", "empty")
        return None
    header = [h.strip() for h in header]
    missing = [c for c in required if c not in header]
    for column in missing:
        log.add(path.name, 1, column, "required column is missing from the header", "column")
    return None if missing else header


def read_table(
    folder: Path,
    name: str,
    log: ProblemLog,
    required: Sequence[str],
    optional: Sequence[str] = (),
    *,
    must_exist: bool = False,
    dictionary: Sequence[str] = (),
) -> pa.Table | None:
    """Return the table in ``folder/name`` with the known columns as strings.

    Returns ``None`` (with problems recorded) when the file or a required column is
    missing, or the file cannot be parsed; ``None`` without a problem when an optional
    file is absent. The ``dictionary`` columns are dictionary-encoded while parsing and
    come back as one chunk each; the others may come back in several chunks.
    """
    path = folder / name
    if not path.is_file():
        if must_exist:
            log.add(name, None, None, f"is missing from {folder}", "file")
        return None
    header = read_header(path, log, required)
    if header is None:
        return None
    wanted = [c for c in (*required, *optional) if c in header]
    coded = pa.dictionary(pa.int32(), pa.string())
    convert = pacsv.ConvertOptions(
        include_columns=wanted,
        column_types={c: coded if c in dictionary else pa.string() for c in wanted},
        strings_can_be_null=False,
    )
    # Large blocks: few chunks, so little work merging the chunks' dictionaries.
    read = pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=BLOCK_BYTES)
    try:
        # Parallel parsing splits the file at newlines. A free-text answer with a newline
        # inside quotes that straddles a split makes pyarrow raise ("out of sync with
        # chunker"), never misread, so the fast path is tried first and the slower,
        # quote-aware one only when needed.
        table = pacsv.read_csv(path, read_options=read, convert_options=convert)
    except pa.ArrowInvalid:
        try:
            table = pacsv.read_csv(
                path,
                read_options=read,
                parse_options=pacsv.ParseOptions(newlines_in_values=True),
                convert_options=convert,
            )
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            log.add(name, None, None, f"cannot be read as CSV: {exc}", "parse")
            return None
    if dictionary:
        coded_part = table.select(list(dictionary)).unify_dictionaries().combine_chunks()
        for column in dictionary:
            table = table.set_column(
                table.column_names.index(column), column, coded_part.column(column)
            )
    return table


NUMPY_TYPES: dict[pa.DataType, type[np.generic]] = {
    pa.int8(): np.int8,
    pa.int32(): np.int32,
    pa.int64(): np.int64,
    pa.float64(): np.float64,
}


def as_numpy(values: pa.Array | pa.ChunkedArray) -> npt.NDArray[Any]:
    """Return a null-free arrow array of numbers or booleans as a NumPy array.

    Reads the arrow buffers directly: pyarrow's ``to_numpy`` imports pandas on first use,
    which costs a noticeable part of a whole run. Raises ``ValueError`` on nulls.
    """
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if values.null_count:
        raise ValueError("array has nulls")
    start, n = values.offset, len(values)
    data = values.buffers()[1]
    if pa.types.is_boolean(values.type):
        bits = np.frombuffer(data, np.uint8) if data is not None else np.empty(0, np.uint8)
        return np.unpackbits(bits, bitorder="little")[start : start + n].astype(bool)
    kind = NUMPY_TYPES[values.type]
    if data is None:
        return np.empty(0, kind)
    return np.frombuffer(data, kind, count=n, offset=start * np.dtype(kind).itemsize)


def as_objects(strings: pa.Array | pa.ChunkedArray) -> ObjArray:
    """Return arrow strings as a NumPy object array.

    Through Python lists: pyarrow's own ``to_numpy`` for strings imports pandas, which
    costs more than the conversion.
    """
    out = np.empty(len(strings), dtype=object)
    out[:] = strings.to_pylist()
    return out


def column_strings(table: pa.Table, column: str) -> ObjArray:
    """Return a column as a NumPy array of stripped Python strings ('' if the column is absent)."""
    if column not in table.column_names:
        return np.full(table.num_rows, "", dtype=object)
    stripped = pc.utf8_trim_whitespace(table.column(column))
    return as_objects(stripped)


def unquoted(strings: pa.Array) -> pa.Array:
    """Return free text as typed: without the apostrophe the study folder's writers put
    before text a spreadsheet would run as a formula (``'=1+1`` is read as ``=1+1``).

    Only that one apostrophe is removed (:func:`revmentor.core.spreadsheet.from_csv_text`),
    so ``'hello`` stays as it is. Cheap when no text starts with an apostrophe.
    """
    marked = pc.starts_with(strings, QUOTE)
    if not pc.any(marked).as_py():
        return strings
    return pa.array([from_csv_text(s) for s in strings.to_pylist()], pa.string())


def text_column(table: pa.Table, column: str) -> ObjArray:
    """Return a free-text column as stripped strings as typed (see :func:`unquoted`)."""
    if column not in table.column_names:
        return np.full(table.num_rows, "", dtype=object)
    stripped = pc.utf8_trim_whitespace(table.column(column).combine_chunks())
    return as_objects(unquoted(stripped))


def dictionary_column(table: pa.Table, column: str) -> tuple[I32Array, pa.Array]:
    """Return (indices, dictionary) of a dictionary-encoded column, stripped of spaces."""
    chunk = table.column(column).chunk(0) if table.num_rows else None
    if chunk is None:
        return np.empty(0, np.int32), pa.array([], pa.string())
    indices = as_numpy(chunk.indices).astype(np.int32, copy=False)
    return indices, pc.utf8_trim_whitespace(chunk.dictionary)


def parse_numbers(values: ObjArray | pa.Array) -> tuple[FloatArray, BoolArray]:
    """Return (numbers, bad) for strings: NaN where blank; ``bad`` marks non-numbers."""
    arr = values if isinstance(values, pa.Array) else pa.array(values, pa.string())
    numeric = pc.match_substring_regex(arr, r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
    blank = as_numpy(pc.equal(arr, ""))
    ok = as_numpy(numeric)
    out = np.full(len(values), np.nan)
    if ok.any():
        out[ok] = as_numpy(pc.cast(arr.filter(pa.array(ok)), pa.float64()))
    return out, ~(ok | blank)


def report_rows(
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


def trimmed_column(table: pa.Table, column: str) -> pa.Array:
    """Return a column as one trimmed arrow string array ('' everywhere if it is absent)."""
    if column not in table.column_names:
        return pa.array([""] * table.num_rows, pa.string())
    return pc.utf8_trim_whitespace(table.column(column).combine_chunks())


def choice_codes(values: pa.Array, choices: Sequence[str]) -> npt.NDArray[np.int8]:
    """Return the index of each value in ``choices``, or -1 where it is none of them."""
    found = pc.index_in(values, value_set=pa.array(list(choices), pa.string()))
    return as_numpy(pc.cast(found.fill_null(-1), pa.int8()))


def lookup_ids(ids: ObjArray, values: pa.Array | ObjArray) -> I32Array:
    """Return the index in ``ids`` of every value, or -1 where it is not there."""
    found = pc.index_in(pa.array(values, pa.string()), value_set=pa.array(ids, pa.string()))
    return as_numpy(pc.cast(found.fill_null(-1), pa.int32())).copy()
