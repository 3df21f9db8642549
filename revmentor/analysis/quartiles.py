"""Median and quartiles as SPSS EXPLORE computes them.

Three definitions, named in every report:

- ``tukey``: Tukey's hinges, SPSS's default "Tukey's Hinges" row. The hinges are the
  medians of the lower and upper halves, each half including the median when n is odd.
- ``haverage``: SPSS's "Weighted Average" (HAVERAGE), Hyndman and Fan type 6: the value
  at position (n + 1)p, clamped to the sample, i.e. NumPy's ``method="weibull"``.
- ``linear``: Hyndman and Fan type 7, the value at position 1 + (n - 1)p, i.e. NumPy's
  default ``method="linear"``.

The median is the same under all three. Every function works from order statistics, so
the same code serves a sorted sample and a table of counts (a million Likert answers are
five counts, not a million numbers to sort).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

QuartileMethod = Literal["tukey", "haverage", "linear"]
METHODS: tuple[QuartileMethod, ...] = ("tukey", "haverage", "linear")
METHOD_LABELS: dict[str, str] = {
    "tukey": "Tukey's hinges (SPSS EXPLORE default)",
    "haverage": "weighted average, SPSS HAVERAGE (Hyndman-Fan type 6)",
    "linear": "linear interpolation (Hyndman-Fan type 7)",
}
_COUNTING_RANGE = 4096
"""Whole-number samples spanning at most this many values are counted, not sorted."""


@dataclass(frozen=True, slots=True)
class Quartiles:
    """n, median and quartiles of one sample; the statistics are ``None`` when n is 0."""

    n: int
    median: float | None
    q1: float | None
    q3: float | None


def positions(n: int, method: QuartileMethod) -> tuple[float, float, float]:
    """Return the 1-based (q1, median, q3) positions in a sorted sample of size ``n`` >= 1.

    A fractional position interpolates between its neighbours; positions are clamped to
    [1, n].
    """
    median = (n + 1) / 2
    if method == "tukey":
        depth = (math.floor(median) + 1) / 2
        q1, q3 = depth, n + 1 - depth
    elif method == "haverage":
        q1, q3 = (n + 1) * 0.25, (n + 1) * 0.75
    elif method == "linear":
        q1, q3 = 1 + (n - 1) * 0.25, 1 + (n - 1) * 0.75
    else:  # pragma: no cover - guarded by the type
        raise ValueError(f"unknown quartile method {method!r}")
    return min(max(q1, 1.0), n), median, min(max(q3, 1.0), n)


def _at(order_stat: Callable[[int], float], n: int, position: float) -> float:
    """Return the value at a fractional 1-based ``position``, interpolating linearly."""
    low = math.floor(position)
    frac = position - low
    lo_value = order_stat(low)
    if frac == 0 or low >= n:
        return lo_value
    return lo_value + frac * (order_stat(low + 1) - lo_value)


def from_order_statistics(
    order_stat: Callable[[int], float], n: int, method: QuartileMethod
) -> Quartiles:
    """Return the quartiles of a sample of size ``n`` given its k-th smallest value (1-based)."""
    if n == 0:
        return Quartiles(0, None, None, None)
    q1, median, q3 = positions(n, method)
    return Quartiles(n, _at(order_stat, n, median), _at(order_stat, n, q1), _at(order_stat, n, q3))


def from_counts(
    levels: npt.NDArray[np.float64] | npt.NDArray[np.int64],
    counts: npt.NDArray[np.int64],
    method: QuartileMethod,
) -> Quartiles:
    """Return the quartiles of a sample given as ascending ``levels`` and their ``counts``.

    Levels with a zero count are ignored; all counts zero gives n = 0.
    """
    cumulative = np.cumsum(counts)
    n = int(cumulative[-1]) if cumulative.size else 0

    def order_stat(k: int) -> float:
        return float(levels[int(np.searchsorted(cumulative, k, side="left"))])

    return from_order_statistics(order_stat, n, method)


def quartiles(values: npt.ArrayLike, method: QuartileMethod = "tukey") -> Quartiles:
    """Return n, median, q1 and q3 of ``values`` (NaN values are left out).

    Whole-number samples with a small range are counted in linear time; anything else is
    sorted. An empty sample gives ``Quartiles(0, None, None, None)``.
    """
    arr = np.asarray(values)
    if arr.dtype.kind == "f":
        arr = arr[~np.isnan(arr)]
    if arr.size == 0:
        return Quartiles(0, None, None, None)
    if arr.dtype.kind in "iu":
        low, high = int(arr.min()), int(arr.max())
        if high - low <= _COUNTING_RANGE:
            counts = np.bincount(arr.astype(np.int64) - low)
            levels = np.arange(low, high + 1, dtype=np.int64)
            return from_counts(levels, counts, method)
    ordered = np.sort(arr.astype(np.float64))

    def order_stat(k: int) -> float:
        return float(ordered[k - 1])

    return from_order_statistics(order_stat, int(ordered.size), method)
