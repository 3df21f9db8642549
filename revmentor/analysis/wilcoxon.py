"""The Wilcoxon signed-rank test for paired samples, as SPSS 25 reports it.

SPSS's "Asymp. Sig. (2-tailed)" drops zero differences, gives tied absolute differences
their average rank, uses the tie-corrected variance and no continuity correction; its Z is
computed from the smaller of the two rank sums, so it is never positive. This equals
``scipy.stats.wilcoxon(b, a, zero_method="wilcox", correction=False,
method="asymptotic")``.

The exact p is computed here over all 2^n sign assignments of the actual (average) ranks,
so it is exact with ties too: doubled average ranks are whole numbers, and the
distribution of their signed sum is built by dynamic programming in O(n^3) time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

EXACT_MAX_N = 400
"""The exact p is computed up to this many non-zero differences (O(n^3) work)."""
_COUNTING_RANGE = 1 << 16


@dataclass(frozen=True, slots=True)
class SignedRank:
    """The result of one signed-rank test.

    ``z``, ``p_asymptotic`` and ``effect_r`` are ``None`` when every difference is zero;
    ``p_exact`` is ``None`` too when there are more than :data:`EXACT_MAX_N` non-zero
    differences, where the normal approximation is accurate anyway.
    """

    n_pairs: int
    n_nonzero: int
    sum_positive_ranks: float
    sum_negative_ranks: float
    z: float | None
    p_asymptotic: float | None
    p_exact: float | None
    effect_r: float | None


def tie_table(
    magnitudes: npt.NDArray[np.int64] | npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.intp]]:
    """Return (distinct ascending values, their counts, each element's group index).

    Non-negative whole numbers of modest size are counted in linear time; other values
    are sorted.
    """
    if magnitudes.dtype.kind in "iu" and magnitudes.size:
        top = int(magnitudes.max())
        if top <= _COUNTING_RANGE:
            counts = np.bincount(magnitudes.astype(np.intp), minlength=top + 1)
            present = np.flatnonzero(counts)
            group_of_value = np.zeros(top + 1, np.intp)
            group_of_value[present] = np.arange(present.size)
            return (
                present.astype(np.float64),
                counts[present].astype(np.int64),
                group_of_value[magnitudes.astype(np.intp)],
            )
    values, inverse, counts = np.unique(magnitudes, return_inverse=True, return_counts=True)
    return values.astype(np.float64), counts.astype(np.int64), inverse.reshape(-1)


def exact_two_sided_p(doubled_ranks: npt.NDArray[np.int64], doubled_t_plus: int) -> float:
    """Return the exact two-sided p of a signed-rank sum.

    ``doubled_ranks`` are twice the (average) ranks of the non-zero differences, so whole
    numbers; ``doubled_t_plus`` is twice the observed sum of positive ranks. Under the null
    hypothesis each sign is + or - with probability 1/2 independently; the p is the
    probability of a sum at least as far from its mean as the one observed.
    """
    total = int(doubled_ranks.sum())
    prob = np.zeros(total + 1)
    prob[0] = 1.0
    reach = 0
    for r in doubled_ranks.tolist():
        # Probabilities, not counts: 2^n overflows, halving each step never does.
        upper = prob[: reach + 1].copy()
        prob[: reach + 1] *= 0.5
        prob[r : r + reach + 1] += 0.5 * upper
        reach += r
    sums = np.arange(total + 1)
    observed = abs(2 * doubled_t_plus - total)
    p = float(prob[np.abs(2 * sums - total) >= observed].sum())
    return min(p, 1.0)


def signed_rank(
    a: npt.ArrayLike, b: npt.ArrayLike, *, exact_max_n: int = EXACT_MAX_N
) -> SignedRank:
    """Return the Wilcoxon signed-rank test of paired samples ``a`` (before), ``b`` (after).

    The differences are ``b - a``. Zero differences are dropped (SPSS, Wilcoxon's method);
    ``effect_r`` is |Z| / sqrt(n_nonzero). With no non-zero difference the test statistics
    are ``None``. Raises ``ValueError`` when the samples differ in length.
    """
    before, after = np.asarray(a), np.asarray(b)
    if before.shape != after.shape:
        raise ValueError("paired samples must have the same length")
    diff = after - before
    nonzero = diff[diff != 0]
    n = int(nonzero.size)
    if n == 0:
        return SignedRank(int(diff.size), 0, 0.0, 0.0, None, None, None, None)
    levels, counts, group = tie_table(np.abs(nonzero))
    # Average rank of each tie group: ranks below it plus the middle of its own run.
    below = np.cumsum(counts) - counts
    doubled_rank = 2 * below + counts + 1
    positive = nonzero > 0
    doubled_pos = np.bincount(group[positive], minlength=levels.size)
    t_plus2 = int((doubled_rank * doubled_pos).sum())
    t_plus = t_plus2 / 2
    t_minus = n * (n + 1) / 2 - t_plus
    ties = float((counts.astype(np.float64) ** 3 - counts).sum())
    variance = n * (n + 1) * (2 * n + 1) / 24 - ties / 48
    z = (min(t_plus, t_minus) - n * (n + 1) / 4) / math.sqrt(variance)
    # 2 * (1 - Phi(|z|)) = erfc(|z| / sqrt 2), accurate far into the tail.
    p_asym = min(math.erfc(abs(z) / math.sqrt(2)), 1.0)
    p_exact = None
    if n <= exact_max_n:
        p_exact = exact_two_sided_p(np.repeat(doubled_rank, counts), t_plus2)
    return SignedRank(
        n_pairs=int(diff.size),
        n_nonzero=n,
        sum_positive_ranks=t_plus,
        sum_negative_ranks=t_minus,
        z=float(z),
        p_asymptotic=p_asym,
        p_exact=p_exact,
        effect_r=abs(z) / math.sqrt(n),
    )
