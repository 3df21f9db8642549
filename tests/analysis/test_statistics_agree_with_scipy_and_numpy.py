"""Property tests: the statistics agree with direct SciPy/NumPy calls on random data.

Samples are drawn from small integer ranges so that ties and zero differences are
frequent, as they are in Likert answers, and from floats for the general path.
"""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from revmentor.analysis import analyse, read_study
from revmentor.analysis.quartiles import quartiles
from revmentor.analysis.wilcoxon import signed_rank

likert_pairs = st.integers(1, 40).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(1, 5), min_size=n, max_size=n),
        st.lists(st.integers(1, 5), min_size=n, max_size=n),
    )
)
wide_pairs = st.integers(1, 60).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(-1000, 1000), min_size=n, max_size=n),
        st.lists(st.integers(-1000, 1000), min_size=n, max_size=n),
    )
)
samples = st.one_of(
    st.lists(st.integers(1, 5), min_size=1, max_size=80),
    st.lists(st.integers(-(10**6), 10**6), min_size=1, max_size=80),
    st.lists(st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False), min_size=1, max_size=80),
)


@given(st.one_of(likert_pairs, wide_pairs))
def test_asymptotic_p_and_z_equal_scipy(pair: tuple[list[int], list[int]]) -> None:
    a, b = np.array(pair[0]), np.array(pair[1])
    ours = signed_rank(a, b)
    if not np.any(a != b):
        assert ours.z is None and ours.p_asymptotic is None
        return
    ref = scipy.stats.wilcoxon(b, a, zero_method="wilcox", correction=False, method="asymptotic")
    assert ours.p_asymptotic == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-15)
    assert ours.z == pytest.approx(ref.zstatistic, rel=1e-9, abs=1e-12)
    assert ours.n_nonzero == int(np.count_nonzero(b - a))
    assert ours.effect_r == pytest.approx(abs(ref.zstatistic) / np.sqrt(ours.n_nonzero))


def brute_force_exact_p(a: np.ndarray, b: np.ndarray) -> float:
    """Enumerate all 2^n sign assignments of the average ranks of the non-zero differences."""
    d = (b - a)[b != a]
    ranks = scipy.stats.rankdata(np.abs(d))
    observed = ranks[d > 0].sum()
    mean = ranks.sum() / 2
    hits = 0
    for signs in itertools.product((0, 1), repeat=d.size):
        total = float(np.dot(signs, ranks))
        hits += abs(total - mean) >= abs(observed - mean) - 1e-9
    return hits / 2**d.size


@settings(max_examples=60)
@given(
    st.integers(1, 11).flatmap(
        lambda n: st.tuples(
            st.lists(st.integers(1, 5), min_size=n, max_size=n),
            st.lists(st.integers(1, 5), min_size=n, max_size=n),
        )
    )
)
def test_exact_p_equals_enumeration_of_all_sign_assignments_with_ties(
    pair: tuple[list[int], list[int]],
) -> None:
    a, b = np.array(pair[0]), np.array(pair[1])
    ours = signed_rank(a, b)
    if not np.any(a != b):
        assert ours.p_exact is None
        return
    assert ours.p_exact == pytest.approx(brute_force_exact_p(a, b), abs=1e-12)


@given(st.lists(st.integers(1, 25), min_size=1, max_size=25, unique=True), st.randoms())
def test_exact_p_without_ties_equals_scipy_exact(magnitudes: list[int], rnd: object) -> None:
    signs = np.array([1 if rnd.random() < 0.5 else -1 for _ in magnitudes])  # type: ignore[attr-defined]
    d = np.array(magnitudes) * signs
    ours = signed_rank(np.zeros(d.size, dtype=np.int64), d)
    ref = scipy.stats.wilcoxon(d, method="exact")
    assert ours.p_exact == pytest.approx(ref.pvalue, rel=1e-9)


def test_exact_p_is_computed_for_at_least_twenty_tied_differences() -> None:
    a = np.zeros(24, dtype=np.int64)
    b = np.array([1, 1, 1, 2, 2, 2, 3, 3, -1, -2, 4, 4, 4, 4, 5, 1, 2, 3, 6, 6, -6, 1, 2, 7])
    result = signed_rank(a, b)
    assert result.n_nonzero == 24
    assert result.p_exact is not None
    assert 0 < result.p_exact <= 1
    # The exact and asymptotic p agree closely at this size, as theory says they should.
    assert result.p_exact == pytest.approx(result.p_asymptotic, abs=0.01)


@given(samples)
def test_haverage_and_linear_quartiles_equal_numpy(values: list[float]) -> None:
    arr = np.array(values)
    for method, numpy_method in (("haverage", "weibull"), ("linear", "linear")):
        q = quartiles(arr, method)  # type: ignore[arg-type]
        expected = np.percentile(arr.astype(float), [25, 50, 75], method=numpy_method)
        assert [q.q1, q.median, q.q3] == pytest.approx(list(expected), rel=1e-12, abs=1e-9)
        assert q.n == arr.size


def tukey_hinges(values: np.ndarray) -> tuple[float, float]:
    """Tukey's hinges by definition: medians of the halves, each including an odd median."""
    s = np.sort(values.astype(float))
    half = (s.size + 1) // 2
    return float(np.median(s[:half])), float(np.median(s[s.size - half :]))


@given(samples)
def test_tukey_hinges_are_the_medians_of_the_halves(values: list[float]) -> None:
    arr = np.array(values)
    q = quartiles(arr, "tukey")
    lower, upper = tukey_hinges(arr)
    assert (q.q1, q.q3) == pytest.approx((lower, upper), rel=1e-12, abs=1e-9)
    assert q.median == pytest.approx(float(np.median(arr)), rel=1e-12, abs=1e-9)


def test_empty_sample_has_no_quartiles() -> None:
    q = quartiles(np.array([], dtype=np.int64))
    assert (q.n, q.median, q.q1, q.q3) == (0, None, None, None)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.one_of(st.none(), st.integers(1, 5)), st.one_of(st.none(), st.integers(1, 5))),
        min_size=1,
        max_size=30,
    )
)
def test_folder_pipeline_agrees_with_scipy_on_paired_answers(
    tmp_path_factory: pytest.TempPathFactory, answers: list[tuple[int | None, int | None]]
) -> None:
    folder = tmp_path_factory.mktemp("random")
    with (folder / "participants.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["participant_id", "role"])
        w.writerows((f"P{i}", "mentor") for i in range(len(answers)))
    (folder / "timepoints.csv").write_text("timepoint,label\nbefore,Before\nafter,After\n")
    with (folder / "responses.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["participant_id", "role", "timepoint", "item", "value"])
        for i, (before, after) in enumerate(answers):
            if before is not None:
                w.writerow([f"P{i}", "mentor", "before", "understanding", before])
            if after is not None:
                w.writerow([f"P{i}", "mentor", "after", "understanding", after])
    if all(x is None and y is None for x, y in answers):
        return
    results = analyse(read_study(Path(folder)))
    paired = [(x, y) for x, y in answers if x is not None and y is not None]
    comparisons = results["comparisons"]
    if not paired:
        assert comparisons == []
        return
    [row] = comparisons
    a, b = np.array(paired).T
    assert row["n_pairs"] == len(paired)
    assert row["median_a"] == np.median(a) and row["median_b"] == np.median(b)
    if np.any(a != b):
        ref = scipy.stats.wilcoxon(
            b, a, zero_method="wilcox", correction=False, method="asymptotic"
        )
        assert row["p_asymptotic"] == pytest.approx(ref.pvalue, rel=1e-9)
    summaries = {s["timepoint"]: s for s in results["summaries"]}
    befores = [x for x, _ in answers if x is not None]
    if befores:
        assert summaries["before"]["n"] == len(befores)
        assert summaries["before"]["median"] == np.median(befores)
