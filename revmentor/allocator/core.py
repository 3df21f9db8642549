"""The allocation: most pairs, only willing pairs, uniformly random among the best.

:func:`allocate` splits the willing pairs into connected groups (people linked by chains
of willing pairs). Allocations factorise over groups: an allocation is best overall
exactly when it is best in every group, so drawing each group's part independently and
uniformly gives a uniform draw overall. Each group is drawn exactly (:mod:`.exact`) when
its count is cheap enough, which always holds with at most ``EXACT_SIDE`` people on
either side, and otherwise by the randomised method of :mod:`.chain`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from revmentor.allocator.chain import maximum_size, sample_chain
from revmentor.allocator.exact import sample_exact, work_estimate
from revmentor.allocator.problem import (
    ALGORITHM_VERSION,
    OwnSupervisorRule,
    Pair,
    Problem,
    Reason,
    Role,
    Unmatched,
)
from revmentor.allocator.rng import Stream

# Groups whose counting programme visits at most this many (state, choice) pairs are
# sampled exactly (a second or so at worst). With capacity 1 that includes every group
# with at most EXACT_SIDE people on each side: 16 * 17 * 2**16 < 2**25.
EXACT_WORK_LIMIT = 1 << 25
EXACT_SIDE = 16


@dataclass(frozen=True)
class Allocation:
    """The result of :func:`allocate`, with everything needed to re-run and check it."""

    pairs: tuple[Pair, ...]
    unmatched: tuple[Unmatched, ...]
    seed: int
    algorithm: str
    inputs_sha256: str
    exact: bool
    own_supervisor_pairs: int

    def to_json(self) -> dict[str, Any]:
        """Return the result as JSON-ready data (the ``revmentor allocate --json`` shape)."""
        return {
            "pairs": [{"mentor_id": p.mentor_id, "mentee_id": p.mentee_id} for p in self.pairs],
            "unmatched": [
                {"participant_id": u.participant_id, "role": u.role.value, "reason": u.reason.value}
                for u in self.unmatched
            ],
            "seed": self.seed,
            "algorithm": self.algorithm,
            "inputs_sha256": self.inputs_sha256,
            "exact": self.exact,
            "own_supervisor_pairs": self.own_supervisor_pairs,
        }


def allocate(problem: Problem, seed: int) -> Allocation:
    """Return the allocation for ``problem`` drawn with ``seed`` (a non-negative integer).

    The pairs are as many as possible using only willing pairs among people who have not
    withdrawn, with each mentee taking at most her capacity and each mentor at most one
    mentee. Under the *forbid* rule own-supervisor pairs are never used; under *avoid*,
    the result has the fewest own-supervisor pairs any maximum allocation can have. The
    draw is uniform among all allocations meeting those conditions: exactly when every
    group is small enough to count (``exact`` in the result), approximately otherwise.
    The same problem and seed always give the same result. With no willing pairs the
    result simply has no pairs. Raises ``ValueError`` for a negative seed.
    """
    stream = Stream(seed)
    n, m = len(problem.mentors), len(problem.mentees)
    mentor_active = ~np.asarray(problem.mentor_withdrawn, dtype=np.bool_)
    mentee_active = ~np.asarray(problem.mentee_withdrawn, dtype=np.bool_)
    eu, ev, flag = problem.edge_mentor, problem.edge_mentee, problem.edge_own_supervisor
    keep = mentor_active[eu] & mentee_active[ev] if len(eu) else np.zeros(0, dtype=np.bool_)
    had_edge_u = np.zeros(n, dtype=np.bool_)
    had_edge_v = np.zeros(m, dtype=np.bool_)
    had_edge_u[eu[keep]] = True
    had_edge_v[ev[keep]] = True
    if problem.rule is OwnSupervisorRule.FORBID:
        keep &= ~flag
    eu, ev = eu[keep], ev[keep]
    cost = (flag[keep] & (problem.rule is OwnSupervisorRule.AVOID)).astype(np.int64)

    mate = np.full(n, -1, dtype=np.int64)
    exact = True
    if len(eu):
        graph = coo_matrix((np.ones(len(eu), dtype=np.int8), (eu, n + ev)), shape=(n + m, n + m))
        _, labels = connected_components(graph, directed=False)
        # Relabel groups by their smallest member so the order never depends on scipy.
        first = np.full(int(labels.max()) + 1, n + m, dtype=np.int64)
        np.minimum.at(first, labels, np.arange(n + m, dtype=np.int64))
        group_of_edge = first[labels[eu]]
        if len(group_of_edge) and group_of_edge.min() != group_of_edge.max():
            # A stable sort by group keeps each group's edges in (mentor, mentee) order.
            order = np.argsort(group_of_edge, kind="stable")
            eu, ev, cost, group_of_edge = eu[order], ev[order], cost[order], group_of_edge[order]
        bounds = np.flatnonzero(np.diff(group_of_edge)) + 1
        starts = np.concatenate([[0], bounds]).tolist()
        ends = [*bounds.tolist(), len(eu)]
        for start, end in zip(starts, ends, strict=True):
            group_exact = _draw_group(
                eu[start:end], ev[start:end], cost[start:end], problem.capacity, mate, stream
            )
            exact = exact and group_exact

    pairs = tuple(
        Pair(problem.mentors[u], problem.mentees[int(v)])
        for u, v in enumerate(mate.tolist())
        if v >= 0
    )
    paired_mentee = np.zeros(m, dtype=np.bool_)
    paired_mentee[mate[mate >= 0]] = True
    has_edge_u = np.zeros(n, dtype=np.bool_)
    has_edge_v = np.zeros(m, dtype=np.bool_)
    has_edge_u[eu] = True
    has_edge_v[ev] = True
    unmatched: list[Unmatched] = []
    for role, ids, active, paired, had, has in (
        (Role.MENTOR, problem.mentors, mentor_active, mate >= 0, had_edge_u, has_edge_u),
        (Role.MENTEE, problem.mentees, mentee_active, paired_mentee, had_edge_v, has_edge_v),
    ):
        for i in np.flatnonzero(~paired).tolist():
            if not active[i]:
                reason = Reason.WITHDRAWN
            elif has[i]:
                reason = Reason.PARTNERS_TAKEN
            elif had[i]:
                reason = Reason.ONLY_OWN_SUPERVISOR
            else:
                reason = Reason.NO_WILLING_PARTNER
            unmatched.append(Unmatched(ids[i], role, reason))

    supervisor_keys = set(
        (problem.edge_mentor[flag] * max(m, 1) + problem.edge_mentee[flag]).tolist()
    )
    supervisor_pairs = sum(
        1 for u, v in enumerate(mate.tolist()) if v >= 0 and u * max(m, 1) + v in supervisor_keys
    )
    return Allocation(
        pairs=pairs,
        unmatched=tuple(unmatched),
        seed=seed,
        algorithm=ALGORITHM_VERSION,
        inputs_sha256=problem.inputs_sha256(),
        exact=exact,
        own_supervisor_pairs=supervisor_pairs,
    )


def _draw_group(
    eu: np.ndarray[Any, np.dtype[np.int64]],
    ev: np.ndarray[Any, np.dtype[np.int64]],
    cost: np.ndarray[Any, np.dtype[np.int64]],
    capacity: tuple[int, ...],
    mate: np.ndarray[Any, np.dtype[np.int64]],
    stream: Stream,
) -> bool:
    """Draw one group's best allocation into ``mate``; return whether it was exact.

    The edges arrive sorted by mentor then mentee, so local numbering (by sorted global
    index) and adjacency order are canonical.
    """
    mentors = np.flatnonzero(np.bincount(eu))
    mentees = np.flatnonzero(np.bincount(ev))
    local_u = np.zeros(int(mentors[-1]) + 1, dtype=np.int64)
    local_u[mentors] = np.arange(len(mentors), dtype=np.int64)
    local_v = np.zeros(int(mentees[-1]) + 1, dtype=np.int64)
    local_v[mentees] = np.arange(len(mentees), dtype=np.int64)
    lu = local_u[eu]
    lv = local_v[ev]
    caps = [capacity[int(g)] for g in mentees.tolist()]
    a, b = len(mentors), len(mentees)
    deg_u = np.bincount(lu, minlength=a).tolist()
    deg_v = np.bincount(lv, minlength=b).tolist()
    by_mentor = work_estimate([1] * a, deg_u, caps, deg_v, EXACT_WORK_LIMIT)
    by_mentee = work_estimate(caps, deg_v, [1] * a, deg_u, EXACT_WORK_LIMIT)
    if min(by_mentor, by_mentee) <= EXACT_WORK_LIMIT:
        target = maximum_size(a, caps, lu, lv)
        triples = list(zip(lu.tolist(), lv.tolist(), cost.tolist(), strict=True))
        if by_mentor <= by_mentee:
            adjacency: list[list[tuple[int, int]]] = [[] for _ in range(a)]
            for u, v, c in triples:
                adjacency[u].append((v, c))
            chosen, _, _ = sample_exact([1] * a, caps, adjacency, target, stream)
            local = chosen
        else:
            adjacency = [[] for _ in range(b)]
            for u, v, c in sorted(triples, key=lambda t: (t[1], t[0])):
                adjacency[v].append((u, c))
            chosen, _, _ = sample_exact(caps, [1] * a, adjacency, target, stream)
            local = [(u, v) for v, u in chosen]
        exact = True
    else:
        local = sample_chain(a, caps, lu, lv, cost, stream)
        exact = False
    for u, v in local:
        mate[int(mentors[u])] = int(mentees[v])
    return exact
