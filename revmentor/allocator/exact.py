"""Exact uniform sampling of best allocations within one connected group.

"Best" means: most pairs, then (only under the *avoid* rule, where some pairs cost 1)
fewest own-supervisor pairs. We count the best allocations with a dynamic programme and
then draw one with probability proportional to the counts, so every best allocation is
exactly equally likely.

The programme walks the vertices of one side (the "left" side) in a fixed order. Each
left vertex picks a set of free right neighbours (at most its capacity: one for a mentor,
``capacity`` for a mentee). The state is how much of each right vertex's capacity is used,
packed into one integer in mixed radix. Each allocation corresponds to exactly one
sequence of choices, so summing over choices counts allocations, not orderings. The
caller picks the side that gives the smaller state space (see :func:`work_estimate`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from itertools import combinations
from math import comb

from revmentor.allocator.rng import Stream


def work_estimate(
    left_caps: Sequence[int],
    left_degrees: Sequence[int],
    right_caps: Sequence[int],
    right_degrees: Sequence[int],
    limit: int = 1 << 62,
) -> int:
    """Return an upper bound on the (state, choice) pairs the programme may visit.

    A right vertex with usable capacity ``c = min(capacity, degree)`` contributes a factor
    ``c + 1`` to the states; a left vertex of capacity ``k`` and degree ``d`` has at most
    ``sum(comb(d, j) for j <= k)`` choices. Stops early, returning a number above ``limit``,
    once the bound exceeds it.
    """
    ceiling = 1 << 62
    states = 1
    for cap, degree in zip(right_caps, right_degrees, strict=True):
        states = min(ceiling, states * (min(cap, degree) + 1))
    if states > limit:
        return states
    choices = 0
    for cap, degree in zip(left_caps, left_degrees, strict=True):
        choices += sum(comb(degree, j) for j in range(min(cap, degree) + 1))
        if choices > ceiling:
            break
    return min(ceiling, states * max(1, choices))


def sample_exact(
    left_caps: Sequence[int],
    right_caps: Sequence[int],
    adjacency: Sequence[Sequence[tuple[int, int]]],
    target_size: int,
    stream: Stream,
) -> tuple[list[tuple[int, int]], int, int]:
    """Draw one best allocation uniformly at random; return ``(pairs, count, best_cost)``.

    ``adjacency[i]`` lists ``(right vertex, cost)`` for left vertex ``i`` in increasing
    right-vertex order; costs are 0 or 1. ``target_size`` must be the maximum number of
    pairs (it prunes states that cannot reach it). ``pairs`` are ``(left, right)`` tuples
    in left order, ``count`` is how many best allocations exist (1 for the empty
    allocation when there are no edges) and ``best_cost`` their common cost.
    """
    n_left = len(left_caps)
    bitmask = all(c == 1 for c in right_caps)
    radix_weight: list[int] = []
    weight = 1
    for cap in right_caps:
        radix_weight.append(weight)
        weight *= cap + 1
    neighbour_mask = [sum(1 << r for r, _ in adj) for adj in adjacency]
    cost_mask = [sum(1 << r for r, c in adj if c) for adj in adjacency]
    # Most pairs the left vertices from i onwards could still add.
    reach = [0] * (n_left + 1)
    for i in range(n_left - 1, -1, -1):
        reach[i] = reach[i + 1] + min(left_caps[i], len(adjacency[i]))
    total_right = sum(right_caps)
    memo: list[dict[int, tuple[int, int]]] = [{} for _ in range(n_left + 1)]
    impossible = (1 << 62, 0)

    def options(i: int, state: int) -> list[tuple[int, int, int, tuple[int, ...]]]:
        """Return (pairs added, cost added, next state, right vertices chosen) choices."""
        result: list[tuple[int, int, int, tuple[int, ...]]] = [(0, 0, state, ())]
        if bitmask:
            free_mask = neighbour_mask[i] & ~state
            free = [(r, (cost_mask[i] >> r) & 1) for r, _ in adjacency[i] if free_mask >> r & 1]
        else:
            free = [
                (r, c)
                for r, c in adjacency[i]
                if (state // radix_weight[r]) % (right_caps[r] + 1) < right_caps[r]
            ]
        for size in range(1, min(left_caps[i], len(free)) + 1):
            for chosen in combinations(free, size):
                cost = sum(c for _, c in chosen)
                new_state = state + sum(radix_weight[r] for r, _ in chosen)
                result.append((size, cost, new_state, tuple(r for r, _ in chosen)))
        return result

    def best(i: int, state: int, size: int) -> tuple[int, int]:
        """Least cost and number of completions from here reaching target_size pairs."""
        level = memo[i]
        found = level.get(state)
        if found is not None:
            return found
        if size + min(reach[i], total_right - size) < target_size:
            value = impossible
        elif i == n_left:
            value = (0, 1)
        else:
            top_cost, total = impossible
            for added, cost, new_state, _ in options(i, state):
                sub_cost, sub_count = best(i + 1, new_state, size + added)
                if sub_count == 0:
                    continue
                if sub_cost + cost < top_cost:
                    top_cost, total = sub_cost + cost, sub_count
                elif sub_cost + cost == top_cost:
                    total += sub_count
            value = (top_cost, total)
        level[state] = value
        return value

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, n_left + 100))
    try:
        best_cost, count = best(0, 0, 0)
        if count == 0:
            raise ValueError("target_size is larger than the maximum number of pairs")
        pairs: list[tuple[int, int]] = []
        state, size = 0, 0
        for i in range(n_left):
            want_cost, want_count = best(i, state, size)
            pick = stream.below(want_count)
            for added, cost, new_state, chosen in options(i, state):
                sub_cost, sub_count = best(i + 1, new_state, size + added)
                if sub_count == 0 or sub_cost + cost != want_cost:
                    continue
                if pick < sub_count:
                    state, size = new_state, size + added
                    pairs.extend((i, right) for right in chosen)
                    break
                pick -= sub_count
    finally:
        sys.setrecursionlimit(limit)
    return pairs, count, best_cost
