"""Pool the study data folders of several schemes into one folder (bytes in, bytes out).

Research IDs are drawn at random for each scheme (``Participant.research_id``), so two
schemes almost never share one (an ID two folders share is refused), and the folders'
rows can be put one after another: each file of the pooled folder holds the rows of
every scheme's file, in the order the folders are given.
``participants.csv`` gains a ``scheme`` column holding the folder's label (a label, never
a name of a person); the other files need none, as every row of them names research IDs
found in ``participants.csv``. ``timepoints.csv`` is merged so that every scheme's order
is kept; schemes whose orders contradict each other cannot be pooled. ``codebook.csv``
lists each code once: a code of the same name in two schemes is one theme.

Nothing here touches the database: :func:`revmentor.research.export.pooled_folder`
feeds it the folders that ``study_folder`` builds.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from itertools import pairwise

from revmentor.instruments.studyfolder import TIMEPOINTS_COLUMNS

SCHEME_COLUMN = "scheme"
PARTICIPANTS = "participants.csv"
TIMEPOINTS = "timepoints.csv"
CODEBOOK = "codebook.csv"


class PoolingError(ValueError):
    """The folders cannot be pooled; the message says why, in words for the user."""


def _rows(content: bytes) -> list[list[str]]:
    """Return the rows of a CSV file, header first (``[]`` for an empty file)."""
    return list(csv.reader(io.StringIO(content.decode("utf-8"), newline="")))


def _csv(rows: Sequence[Sequence[str]]) -> bytes:
    """Return ``rows`` (header first) as CSV bytes, written as the study folder writes."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def _header(content: bytes) -> tuple[bytes, bytes]:
    """Split a CSV file into its header line and the rest (the header holds no newline)."""
    header, _newline, body = content.partition(b"\n")
    if body and not body.endswith(b"\n"):
        body += b"\n"
    return header, body


def _concatenate(name: str, contents: Mapping[str, bytes], names: Mapping[str, str]) -> bytes:
    """Return the rows of every folder's ``name`` after one header.

    The bytes of each row are kept as written (a quoted free-text answer may span lines).
    Raises PoolingError when two folders' files have different columns.
    """
    first_label, header = "", b""
    parts: list[bytes] = []
    for label, content in contents.items():
        head, body = _header(content)
        if not parts:
            first_label, header = label, head
        elif head != header:
            raise PoolingError(
                f"The {name} files of {names[first_label]} and {names[label]} have "
                "different columns, so they cannot be put together."
            )
        parts.append(body)
    return header + b"\n" + b"".join(parts)


def _participants(contents: Mapping[str, bytes], names: Mapping[str, str]) -> bytes:
    """Return every folder's participants with a ``scheme`` column holding its label.

    Raises PoolingError for different columns, or for a research ID found in two
    folders (IDs are hashed per scheme: two schemes giving one ID is possible, if
    unlikely, and pooling them would merge two people).
    """
    header: list[str] | None = None
    rows: list[list[str]] = []
    seen: dict[str, str] = {}
    for label, content in contents.items():
        table = _rows(content)
        if not table:
            raise PoolingError(f"The {PARTICIPANTS} of {names[label]} is empty.")
        head, *body = table
        if header is None:
            header = head
        elif head != header:
            raise PoolingError(
                f"The participants of {names[label]} have different columns from the "
                "first scheme's, so they cannot be put together."
            )
        for row in body:
            other = seen.setdefault(row[0], label)
            if other != label:
                raise PoolingError(
                    f"{names[other]} and {names[label]} gave the same research ID "
                    f"({row[0]}), so their people cannot be told apart when pooled."
                )
            rows.append([*row, label])
    return _csv([[*(header or []), SCHEME_COLUMN], *rows])


def _codebook(contents: Mapping[str, bytes], names: Mapping[str, str]) -> bytes:
    """Return every folder's codebook, each code once (its first folder's row).

    A code of the same name in two schemes is one theme in the pooled Table 1.
    """
    header: list[str] | None = None
    rows: dict[str, list[str]] = {}
    for label, content in contents.items():
        head, *body = _rows(content) or [[]]
        if header is None:
            header = head
        elif head != header:
            raise PoolingError(
                f"The codebook of {names[label]} has different columns from the first "
                "scheme's, so they cannot be put together."
            )
        for row in body:
            if row:
                rows.setdefault(row[0], row)
    return _csv([header or [], *rows.values()])


def merge_timepoints(
    orders: Mapping[str, Sequence[tuple[str, str]]], names: Mapping[str, str] | None = None
) -> list[tuple[str, str]]:
    """Return one chronological order of the time points of every folder, with labels.

    ``orders`` maps a folder's label to its time points ``(timepoint, label)`` in order.
    The result keeps each folder's order; a time point found in only some folders is put
    after what comes before it in those folders (ties: the one that comes earliest in
    its own folder first, then the first folder's). A time point's label is the first
    non-blank one given. Raises PoolingError naming the two folders (through ``names``,
    else their labels) and the two time points when one folder has a time point before
    another and a second folder after it, or naming the time points when three or more
    folders together go round in a circle.
    """
    shown = names or {label: label for label in orders}
    index = {label: {tp: i for i, (tp, _) in enumerate(order)} for label, order in orders.items()}
    labels: dict[str, str] = {}
    for order in orders.values():
        for tp, text in order:
            if not labels.get(tp):
                labels[tp] = text
    folders = list(orders)
    for i, a in enumerate(folders):
        for b in folders[i + 1 :]:
            common = [tp for tp, _ in orders[a] if tp in index[b]]
            for x, y in pairwise(common):
                if index[b][x] > index[b][y]:
                    raise PoolingError(
                        f"{shown[a]} has the time point '{labels[x] or x}' before "
                        f"'{labels[y] or y}', but {shown[b]} has it after, so their "
                        "answers cannot be put in one order. Pool schemes whose time "
                        "points come in the same order."
                    )
    after: dict[str, set[str]] = {tp: set() for tp in labels}
    waiting = dict.fromkeys(labels, 0)
    for order in orders.values():
        for (x, _), (y, _) in pairwise(order):
            if y not in after[x]:
                after[x].add(y)
                waiting[y] += 1
    first_seen = {tp: n for n, tp in enumerate(labels)}
    rank = {tp: min(ix[tp] for ix in index.values() if tp in ix) for tp in labels}
    ready = [tp for tp, n in waiting.items() if n == 0]
    merged: list[str] = []
    while ready:
        ready.sort(key=lambda tp: (rank[tp], first_seen[tp]))
        tp = ready.pop(0)
        merged.append(tp)
        for later in after[tp]:
            waiting[later] -= 1
            if waiting[later] == 0:
                ready.append(later)
    if len(merged) < len(labels):
        stuck = ", ".join(f"'{labels[tp] or tp}'" for tp in labels if tp not in merged)
        raise PoolingError(
            f"The schemes put the time points {stuck} in orders that contradict each "
            "other, so their answers cannot be put in one order."
        )
    return [(tp, labels[tp]) for tp in merged]


def pool_files(
    folders: Mapping[str, Mapping[str, bytes]], names: Mapping[str, str] | None = None
) -> dict[str, bytes]:
    """Return one study data folder holding the files of every folder in ``folders``.

    ``folders`` maps a folder's label (the pooled ``scheme`` column's value) to its files
    (``{file name: content}``); ``names`` gives the names to use in messages (default:
    the labels). Files are pooled in the order of the first folder's files, then any
    others; a file missing from a folder contributes no rows. ``participants.csv`` gains
    the ``scheme`` column, ``timepoints.csv`` is merged (:func:`merge_timepoints`),
    ``codebook.csv`` lists each code once (the first folder's row), the other files are
    concatenated under one header. Raises PoolingError when there is no
    folder, a folder has no ``participants.csv``, two folders' files have different
    columns, two folders share a research ID, or their time points' orders contradict.
    """
    if not folders:
        raise PoolingError("There are no schemes to pool.")
    shown = dict(names) if names is not None else {label: label for label in folders}
    for label, files in folders.items():
        if PARTICIPANTS not in files:
            raise PoolingError(f"The study data folder of {shown[label]} has no {PARTICIPANTS}.")
    file_names = list(dict.fromkeys(name for files in folders.values() for name in files))
    pooled: dict[str, bytes] = {}
    for name in file_names:
        contents = {label: files[name] for label, files in folders.items() if name in files}
        if name == PARTICIPANTS:
            pooled[name] = _participants(contents, shown)
        elif name == CODEBOOK:
            pooled[name] = _codebook(contents, shown)
        elif name == TIMEPOINTS:
            orders = {
                label: [(row[0], row[1] if len(row) > 1 else "") for row in _rows(c)[1:]]
                for label, c in contents.items()
            }
            pooled[name] = _csv([TIMEPOINTS_COLUMNS, *merge_timepoints(orders, shown)])
        else:
            pooled[name] = _concatenate(name, contents, shown)
    return pooled


__all__ = ["SCHEME_COLUMN", "PoolingError", "merge_timepoints", "pool_files"]
