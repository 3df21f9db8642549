"""Agreement between coders of free text: Cohen's kappa and Krippendorff's alpha.

Pure: no Django. The unit of Cohen's kappa is the answer: for one code, each coder
either applied it to an answer or did not. Krippendorff's alpha (nominal) is computed
by the ``krippendorff`` package over every answer x code unit and every coder.

Both are undefined when there is nothing to disagree about (every coder made the same
single choice for every unit, so agreement expected by chance is already total): the
functions return ``None`` then, and the caller says so in words.
"""

from __future__ import annotations

from collections.abc import Sequence

import krippendorff
import numpy as np
import numpy.typing as npt


def cohen_kappa(a: Sequence[bool], b: Sequence[bool]) -> float | None:
    """Return Cohen's kappa of two coders' yes/no decisions over the same units.

    ``kappa = (p_o - p_e) / (1 - p_e)`` with ``p_o`` the share of units they agree on
    and ``p_e`` the agreement expected from each coder's own rate of saying yes.
    ``None`` when ``p_e`` is 1 (both said the same one thing throughout) or there are no
    units. Raises ValueError when the two sequences differ in length.
    """
    if len(a) != len(b):
        raise ValueError(f"the coders rated {len(a)} and {len(b)} units: give the same units")
    if len(a) == 0:
        return None
    x = np.asarray(a, dtype=bool)
    y = np.asarray(b, dtype=bool)
    observed = float(np.mean(x == y))
    px, py = float(np.mean(x)), float(np.mean(y))
    expected = px * py + (1 - px) * (1 - py)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1 - expected)


def krippendorff_alpha(ratings: npt.ArrayLike) -> float | None:
    """Return Krippendorff's alpha (nominal) of ``ratings``: one row per coder, one column
    per unit, values 0/1 (``nan`` where a coder did not rate a unit).

    ``None`` when fewer than two coders, no unit rated by two of them, or every rating
    is the same value (alpha is undefined without variation).
    """
    data = np.asarray(ratings, dtype=float)
    if data.ndim != 2 or data.shape[0] < 2 or data.shape[1] == 0:
        return None
    paired = np.sum(~np.isnan(data), axis=0) >= 2
    values = data[:, paired]
    values = values[~np.isnan(values)]
    if values.size == 0 or np.unique(values).size < 2:
        return None
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
