"""Helpers shared by the allocator tests (no database needed)."""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations

import pytest

from revmentor.allocator import Problem


def all_best_allocations(problem: Problem) -> set[frozenset[tuple[str, str]]]:
    """Brute force: every allocation with the most pairs (and, under avoid, least cost)."""
    mentees_cap = dict(zip(problem.mentees, problem.capacity, strict=True))
    gone = {p for p, w in zip(problem.mentors, problem.mentor_withdrawn, strict=True) if w}
    gone |= {p for p, w in zip(problem.mentees, problem.mentee_withdrawn, strict=True) if w}
    edges = []
    for u, v, f in zip(
        problem.edge_mentor.tolist(),
        problem.edge_mentee.tolist(),
        problem.edge_own_supervisor.tolist(),
        strict=True,
    ):
        m, e = problem.mentors[u], problem.mentees[v]
        if m in gone or e in gone or (f and problem.rule == "forbid"):
            continue
        edges.append((m, e, 1 if f and problem.rule == "avoid" else 0))
    best: dict[tuple[int, int], set[frozenset[tuple[str, str]]]] = {}
    for k in range(len(edges) + 1):
        for subset in combinations(edges, k):
            mentors = [m for m, _, _ in subset]
            if len(set(mentors)) != len(mentors):
                continue
            loads: dict[str, int] = {}
            for _, e, _ in subset:
                loads[e] = loads.get(e, 0) + 1
            if any(loads[e] > mentees_cap[e] for e in loads):
                continue
            key = (k, -sum(c for _, _, c in subset))
            best.setdefault(key, set()).add(frozenset((m, e) for m, e, _ in subset))
    return best[max(best)]


@pytest.fixture
def best_allocations() -> Callable[[Problem], set[frozenset[tuple[str, str]]]]:
    """The brute-force enumerator of best allocations, for small problems."""
    return all_best_allocations
