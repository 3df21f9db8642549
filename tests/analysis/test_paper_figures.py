"""Every figure of Raju et al. (2022), Results section, reproduced from a study folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from revmentor.analysis import analyse, read_study

JSON = dict[str, Any]


@pytest.fixture(scope="module")
def results(paper_study: Path) -> JSON:
    return analyse(read_study(paper_study))


def summary(results: JSON, role: str, scale: str, item: str, timepoint: str) -> JSON:
    [row] = [
        s
        for s in results["summaries"]
        if (s["role"], s["scale"], s["item"], s["timepoint"]) == (role, scale, item, timepoint)
    ]
    return row


def comparison(results: JSON, role: str, scale: str, item: str, a: str, b: str) -> JSON:
    [row] = [
        c
        for c in results["comparisons"]
        if (c["role"], c["scale"], c["item"], c["timepoint_a"], c["timepoint_b"])
        == (role, scale, item, a, b)
    ]
    return row


@pytest.mark.parametrize(
    ("scale", "item", "median", "q1", "q3"),
    [
        ("confidence", "total", 21.5, 20.0, 25.0),
        ("importance", "total", 30.5, 27.0, 32.0),
        ("ability", "total", 23.0, 19.0, 24.0),
        ("understanding", "understanding", 2.0, 2.0, 3.0),
    ],
)
def test_mentors_before_phase_1_match_the_paper(
    results: JSON, scale: str, item: str, median: float, q1: float, q3: float
) -> None:
    row = summary(results, "mentor", scale, item, "pre_phase1")
    assert (row["n"], row["median"], row["q1"], row["q3"]) == (6, median, q1, q3)


def test_mentor_confidence_rises_from_23_to_29_with_p_0_043(results: JSON) -> None:
    row = comparison(results, "mentor", "confidence", "total", "pre_phase1", "post_session")
    assert (row["n_pairs"], row["n_nonzero"]) == (5, 5)
    assert (row["median_a"], row["median_b"]) == (23.0, 29.0)
    assert round(row["p_asymptotic"], 3) == 0.043
    assert row["z"] == pytest.approx(-2.023, abs=5e-4)
    # With five people the smallest possible exact two-sided p is 2/32.
    assert row["p_exact"] == pytest.approx(0.0625)
    assert row["effect_r"] == pytest.approx(2.0226 / 5**0.5, abs=1e-4)


@pytest.mark.parametrize(
    ("domain", "median_a", "median_b"),
    [("clinical_practice", 3.0, 4.0), ("areas_for_improvement", 3.0, 5.0)],
)
def test_mentor_confidence_domains_match_the_paper_with_p_0_041(
    results: JSON, domain: str, median_a: float, median_b: float
) -> None:
    row = comparison(results, "mentor", "confidence", domain, "pre_phase1", "post_session")
    assert (row["median_a"], row["median_b"]) == (median_a, median_b)
    assert round(row["p_asymptotic"], 3) == 0.041


def test_mentor_understanding_rises_from_2_to_4_with_p_0_07(results: JSON) -> None:
    row = comparison(
        results, "mentor", "understanding", "understanding", "pre_phase1", "post_session"
    )
    assert (row["median_a"], row["median_b"]) == (2.0, 4.0)
    assert round(row["p_asymptotic"], 2) == 0.07


def test_mentee_importance_rises_from_23_to_29_with_p_0_08(results: JSON) -> None:
    row = comparison(results, "mentee", "importance", "total", "pre_session", "post_session")
    assert (row["median_a"], row["median_b"]) == (23.0, 29.0)
    assert round(row["p_asymptotic"], 2) == 0.08


def test_mentee_awareness_does_not_reach_significance_p_0_07(results: JSON) -> None:
    row = comparison(results, "mentee", "awareness", "total", "pre_session", "post_session")
    assert round(row["p_asymptotic"], 2) == 0.07


def test_sessions_last_45_minutes_iqr_30_to_50_one_of_180(results: JSON) -> None:
    assert results["sessions"] == {
        "n": 5,
        "median": 45.0,
        "q1": 30.0,
        "q3": 50.0,
        "min": 30.0,
        "max": 180.0,
    }


def test_only_tukeys_hinges_give_the_papers_session_iqr(paper_study: Path) -> None:
    weighted = analyse(read_study(paper_study), method="haverage")["sessions"]
    assert (weighted["q1"], weighted["q3"]) == (30.0, 115.0)


def test_table_1_counts_distinct_participants_per_role_and_stage(results: JSON) -> None:
    table = {t["label"]: t["counts"] for t in results["themes"]}
    m1, m2, e4, e5 = (
        "mentor/pre_phase1",
        "mentor/post_session",
        "mentee/pre_session",
        "mentee/post_session",
    )
    assert table == {
        "Hierarchy or power gradient concerns": {m1: 1, m2: 1, e4: 1, e5: 1},
        "Selection bias": {m1: 3, e5: 1},
        "Offending consultants": {m1: 3, m2: 3},
        "No change to practice": {m1: 1, m2: 1},
        "Not having enough time to do it properly": {e4: 1},
        "Collaborative approach to feedback more useful": {m2: 2},
        "Refreshing idea": {m1: 1, m2: 1, e4: 1, e5: 1},
    }


def test_participants_match_the_paper(results: JSON) -> None:
    mentors, mentees = results["participants"]
    assert (mentors["n"], mentors["active"], mentors["withdrawn"]) == (6, 5, 1)
    assert mentors["sex"]["male"] == {"n": 4, "percent": 66.7}
    assert mentors["age"] == {"min": 31.0, "max": 40.0}
    assert mentors["previous_mentor"] == {"yes": 3, "answered": 6, "percent": 50.0}
    assert mentees["n"] == 5
    assert mentees["sex"]["male"] == {"n": 4, "percent": 80.0}
    assert mentees["age"] == {"min": 35.0, "max": 65.0}
    assert mentees["years_as_consultant"] == {"min": 5.0, "max": 20.0}
    assert mentees["previous_mentor"]["yes"] == 4


def test_three_of_six_mentors_are_willing_to_mentor_all(results: JSON) -> None:
    w = results["willingness"]
    assert (w["willing_all"], w["n_mentors"], w["n_mentees"]) == (3, 6, 5)
    assert w["summary"] == "3 of 6 mentors willing to mentor all 5 mentees"
    assert w["distribution"] == {"3": 2, "4": 1, "5": 3}


def test_concerns_are_counted_as_in_the_paper(results: JSON) -> None:
    answers = {(a["role"], a["timepoint"], a["item"]): a for a in results["answers"]}
    assert answers["mentor", "pre_phase1", "concerns"]["yes"] == 4
    assert answers["mentee", "pre_session", "concerns"]["percent_yes"] == 40.0
    assert answers["mentee", "post_session", "concerns_now"]["counts"] == {
        "lesser": 4,
        "none": 1,
    }


def test_the_headline_result_carries_a_small_n_warning(results: JSON) -> None:
    [warning] = [
        w
        for w in results["warnings"]
        if w["kind"] == "small_n" and (w["scale"], w["item"]) == ("confidence", "total")
    ]
    assert (
        "n = 5: the normal approximation is unreliable; the exact p is 0.0625"
        in (warning["message"])
    )
    assert "below 0.05, the exact p is not" in warning["message"]


def test_comparisons_run_only_where_the_same_people_answered_twice(results: JSON) -> None:
    pairs = {
        (c["role"], c["scale"], c["timepoint_a"], c["timepoint_b"]) for c in results["comparisons"]
    }
    assert ("mentor", "importance", "pre_phase1", "post_session") not in pairs
    assert all(c["timepoint_a"] != c["timepoint_b"] for c in results["comparisons"])
    order = [t["timepoint"] for t in results["timepoints"]]
    assert all(
        order.index(c["timepoint_a"]) < order.index(c["timepoint_b"])
        for c in results["comparisons"]
    )
