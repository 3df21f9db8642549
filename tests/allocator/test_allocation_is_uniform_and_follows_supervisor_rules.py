"""Every best allocation is equally likely; the own-supervisor rules are obeyed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from scipy.stats import chisquare

from revmentor.allocator import OwnSupervisorRule, Problem, allocate

BestAllocations = Callable[[Problem], set[frozenset[tuple[str, str]]]]
SEEDS = range(3000)  # a fixed list, so the test is deterministic


def _draws(problem: Problem) -> Counter[frozenset[tuple[str, str]]]:
    return Counter(
        frozenset((p.mentor_id, p.mentee_id) for p in allocate(problem, seed).pairs)
        for seed in SEEDS
    )


def _assert_uniform(problem: Problem, best_allocations: BestAllocations) -> None:
    best = best_allocations(problem)
    counts = _draws(problem)
    assert set(counts) == best  # only best allocations, and every one of them
    if len(best) == 1:
        return
    result = chisquare([counts[a] for a in sorted(best, key=sorted)])
    assert result.pvalue > 0.001


# Four mentors, four mentees; M4 is willing only to mentor E4, E1 is popular.
WILLING = [
    ("M1", "E1"),
    ("M1", "E2"),
    ("M1", "E3"),
    ("M2", "E1"),
    ("M2", "E2"),
    ("M3", "E1"),
    ("M3", "E3"),
    ("M3", "E4"),
    ("M4", "E4"),
    ("M5", "E1"),
]
MENTORS = ["M1", "M2", "M3", "M4", "M5"]
MENTEES = ["E1", "E2", "E3", "E4"]


def test_each_maximum_allocation_is_equally_likely(best_allocations: BestAllocations) -> None:
    problem = Problem.build(MENTORS, MENTEES, WILLING)
    assert len(best_allocations(problem)) > 3
    _assert_uniform(problem, best_allocations)


def test_each_maximum_allocation_is_equally_likely_with_capacity(
    best_allocations: BestAllocations,
) -> None:
    problem = Problem.build(MENTORS, MENTEES[:3], [*WILLING[:7], ("M5", "E1")], capacity=2)
    _assert_uniform(problem, best_allocations)


SUPERVISORS = [("M1", "E1"), ("M2", "E2"), ("M3", "E3"), ("M4", "E4")]


def test_allow_treats_own_supervisor_pairs_like_any_other(
    best_allocations: BestAllocations,
) -> None:
    problem = Problem.build(MENTORS, MENTEES, WILLING, own_supervisor=SUPERVISORS, rule="allow")
    _assert_uniform(problem, best_allocations)
    assert any(allocate(problem, seed).own_supervisor_pairs > 0 for seed in range(50))


def test_forbid_never_pairs_a_mentor_with_their_own_supervisor(
    best_allocations: BestAllocations,
) -> None:
    problem = Problem.build(MENTORS, MENTEES, WILLING, own_supervisor=SUPERVISORS, rule="forbid")
    _assert_uniform(problem, best_allocations)
    for seed in range(200):
        pairs = {(p.mentor_id, p.mentee_id) for p in allocate(problem, seed).pairs}
        assert not pairs & set(SUPERVISORS)


def test_forbid_gives_the_reason_when_only_the_supervisor_was_willing() -> None:
    problem = Problem.build(
        ["M1", "M2"],
        ["E1"],
        [("M1", "E1"), ("M2", "E1")],
        own_supervisor=[("M1", "E1")],
        rule=OwnSupervisorRule.FORBID,
    )
    result = allocate(problem, 3)
    assert [(p.mentor_id, p.mentee_id) for p in result.pairs] == [("M2", "E1")]
    assert result.unmatched[0].reason == "only_own_supervisor"


def test_avoid_keeps_the_most_pairs_with_fewest_supervisor_pairs(
    best_allocations: BestAllocations,
) -> None:
    problem = Problem.build(MENTORS, MENTEES, WILLING, own_supervisor=SUPERVISORS, rule="avoid")
    allowed = Problem.build(MENTORS, MENTEES, WILLING)
    most = len(next(iter(best_allocations(allowed))))
    least = min(len(a & set(SUPERVISORS)) for a in best_allocations(allowed) if len(a) == most)
    _assert_uniform(problem, best_allocations)
    for seed in range(100):
        result = allocate(problem, seed)
        assert len(result.pairs) == most
        assert result.own_supervisor_pairs == least


def test_avoid_still_pairs_a_supervisor_when_that_is_the_only_way_to_pair_more() -> None:
    problem = Problem.build(
        ["M1", "M2"],
        ["E1", "E2"],
        [("M1", "E1"), ("M2", "E1"), ("M2", "E2")],
        own_supervisor=[("M1", "E1")],
        rule="avoid",
    )
    for seed in range(20):
        result = allocate(problem, seed)
        assert {(p.mentor_id, p.mentee_id) for p in result.pairs} == {("M1", "E1"), ("M2", "E2")}


def test_cohort_of_fifteen_a_side_is_sampled_exactly() -> None:
    mentors = [f"M{i:02d}" for i in range(15)]
    mentees = [f"E{i:02d}" for i in range(15)]
    willing = [
        (a, b)
        for i, a in enumerate(mentors)
        for j, b in enumerate(mentees)
        if (i * 7 + j * 3) % 5 != 0
    ]
    result = allocate(Problem.build(mentors, mentees, willing), 99)
    assert result.exact
    assert len(result.pairs) == 15
