"""Items: declared in ``items.csv`` or inferred from their names and answers; answer checks.

Every check works on distinct (item, answer) pairs, and visits rows only to say which
rows a problem already found is in.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from revmentor.analysis.problems import ProblemLog
from revmentor.analysis.reader.csvio import (
    column_strings,
    parse_numbers,
    read_table,
    report_rows,
    text_column,
)
from revmentor.analysis.reader.model import (
    DOMAIN_LABELS,
    DOMAINS,
    ITEM_KINDS,
    MISSING,
    YES_NO,
    BoolArray,
    I32Array,
    IntArray,
    Item,
    ObjArray,
)

INT_PATTERN = r"^\s*[+-]?\d{1,9}\s*$"


def read_item_overrides(folder: Path, log: ProblemLog) -> dict[str, Item]:
    """Return the items declared in the optional ``items.csv``, keyed by name."""
    name = "items.csv"
    table = read_table(folder, name, log, ("item", "type"), ("min", "max", "label"))
    if table is None:
        return {}
    out: dict[str, Item] = {}
    items, kinds = (column_strings(table, c) for c in ("item", "type"))
    labels = text_column(table, "label")
    lows, bad_low = parse_numbers(column_strings(table, "min"))
    highs, bad_high = parse_numbers(column_strings(table, "max"))
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


def infer_item(name: str, int_share: float, values: set[str], distinct: int) -> Item:
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


def item_value_pairs(
    item_idx: I32Array, val_idx: I32Array, n_values: int
) -> tuple[IntArray, IntArray, IntArray, Callable[[], IntArray]]:
    """Return the distinct (item, answer) pairs with their counts.

    Returns (items, answers, counts, pair_of_row) where ``pair_of_row()`` computes, only
    when called, each row's index into the pairs. Counting is linear unless the pair space
    is much larger than the number of rows (then the pairs are sorted).
    """
    pair = item_idx.astype(np.int64) * n_values + val_idx
    space = (int(item_idx.max()) + 1) * n_values if item_idx.size else 0
    if space <= max(4 * pair.size, 1 << 22):
        counts = np.bincount(pair, minlength=space)
        present = np.flatnonzero(counts)

        def pair_of_row() -> IntArray:
            lookup = np.zeros(space, np.int64)
            lookup[present] = np.arange(present.size)
            return np.asarray(lookup[pair], dtype=np.int64)

        return present // n_values, present % n_values, counts[present], pair_of_row
    present, inverse, counts = np.unique(pair, return_inverse=True, return_counts=True)
    return (
        present // n_values,
        present % n_values,
        counts,
        lambda: np.asarray(inverse.reshape(-1), dtype=np.int64),
    )


def classify_items(
    folder: Path,
    log: ProblemLog,
    names: list[str],
    pair_items: IntArray,
    pair_values: IntArray,
    pair_counts: IntArray,
    is_int: BoolArray,
    texts: ObjArray,
    item_idx: I32Array,
) -> list[Item]:
    """Return one :class:`Item` per distinct item name, declared or inferred."""
    declared = read_item_overrides(folder, log)
    n_items = len(names)
    per_item = np.bincount(pair_items, weights=pair_counts, minlength=n_items)
    int_pairs = is_int[pair_values]
    int_per_item = np.bincount(
        pair_items[int_pairs], weights=pair_counts[int_pairs], minlength=n_items
    )
    values_of: dict[int, set[str]] = {}
    textual = np.flatnonzero(~int_pairs)
    for it, tx in zip(
        pair_items[textual[:200_000]].tolist(), pair_values[textual[:200_000]].tolist(), strict=True
    ):
        values_of.setdefault(it, set()).add(str(texts[tx]))
    items: list[Item] = []
    for j, item_name in enumerate(names):
        if item_name in declared:
            items.append(declared[item_name])
            continue
        share = float(int_per_item[j] / per_item[j]) if per_item[j] else 0.0
        values = {v for v in values_of.get(j, set()) if v}
        items.append(infer_item(item_name, share, values, len(values)))
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


def check_values(
    log: ProblemLog,
    name: str,
    items: list[Item],
    pair_items: IntArray,
    pair_values: IntArray,
    dict_value: I32Array,
    texts: ObjArray,
    pair_of_row: Callable[[], IntArray],
    item_idx: I32Array,
    val_idx: I32Array,
) -> None:
    """Record a problem for every answer that is not a whole number in its item's range.

    Each distinct (item, answer) pair is judged once; rows are visited only when some
    pair is bad, to say which rows.
    """
    if not items:
        return
    numeric = np.array([it.kind in ("domain", "ordinal") for it in items], bool)
    low = np.array([it.low if it.low is not None else MISSING for it in items], np.int64)
    high = np.array(
        [it.high if it.high is not None else np.iinfo(np.int32).max for it in items], np.int64
    )
    v = dict_value[pair_values]
    pair_numeric = numeric[pair_items]
    not_int = pair_numeric & (v == MISSING)
    out_of_range = pair_numeric & ~not_int & ((v < low[pair_items]) | (v > high[pair_items]))
    if not (not_int.any() or out_of_range.any()):
        return
    row_pair = pair_of_row()

    def describe(i: int) -> str:
        it = items[item_idx[i]]
        shown = texts[val_idx[i]]
        span = f" from {it.low} to {it.high}" if it.low is not None else ""
        if not shown:
            return f"no answer to '{it.name}'; give a whole number{span} or leave the row out"
        if dict_value[val_idx[i]] == MISSING:
            return f"'{shown}' is not a whole number{span} ('{it.name}')"
        return f"{shown} is out of range for '{it.name}': give a whole number{span}"

    report_rows(log, name, not_int[row_pair], "value", describe, "not a number")
    report_rows(log, name, out_of_range[row_pair], "value", describe, "out of range")
