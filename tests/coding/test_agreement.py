"""Cohen's kappa and Krippendorff's alpha against examples worked by hand."""

from __future__ import annotations

import math

import pytest

from revmentor.analysis.agreement import cohen_kappa, krippendorff_alpha

# Ten answers; two coders decide whether one code applies.
A = [1, 1, 0, 0, 1, 0, 0, 0, 1, 0]
B = [1, 0, 0, 0, 1, 0, 1, 0, 1, 0]


def test_kappa_worked_by_hand() -> None:
    # They agree on 8 of 10: p_o = 0.8. Each says yes 4 times in 10:
    # p_e = 0.4 * 0.4 + 0.6 * 0.6 = 0.52. kappa = (0.8 - 0.52) / (1 - 0.52) = 7 / 12.
    assert cohen_kappa([bool(x) for x in A], [bool(x) for x in B]) == pytest.approx(7 / 12)


def test_alpha_worked_by_hand() -> None:
    # 20 values: eight 1s, twelve 0s. Two units disagree, each adding one 0-1 and one
    # 1-0 pair to the coincidence matrix: o_01 + o_10 = 4. Nominal alpha =
    # 1 - (n - 1) * 4 / (2 * n_0 * n_1) = 1 - 19 * 4 / (2 * 12 * 8) = 1 - 76 / 192.
    assert krippendorff_alpha([A, B]) == pytest.approx(1 - 76 / 192)


def test_perfect_agreement() -> None:
    assert cohen_kappa([True, False, True], [True, False, True]) == pytest.approx(1.0)
    assert krippendorff_alpha([[1, 0, 1], [1, 0, 1]]) == pytest.approx(1.0)


def test_agreement_worse_than_chance_is_negative() -> None:
    assert cohen_kappa([True, False], [False, True]) == pytest.approx(-1.0)


def test_undefined_without_variation() -> None:
    # Nobody ever applied the code: chance already explains everything.
    assert cohen_kappa([False] * 5, [False] * 5) is None
    assert krippendorff_alpha([[0] * 5, [0] * 5]) is None
    assert cohen_kappa([], []) is None
    assert krippendorff_alpha([[1, 0, 1]]) is None


def test_alpha_with_a_missing_rating() -> None:
    # A third coder who skipped the last unit: alpha still uses the units rated twice.
    nan = math.nan
    found = krippendorff_alpha([[1, 0, 1, 0], [1, 0, 1, 1], [1, 0, 1, nan]])
    assert found is not None and -1 <= found < 1


def test_lengths_must_match() -> None:
    with pytest.raises(ValueError, match="same units"):
        cohen_kappa([True], [True, False])
