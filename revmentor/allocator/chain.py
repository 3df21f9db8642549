"""Approximately uniform sampling of best allocations for groups too big to count.

Method, in two stages:

1. **A random best allocation to start from.** Mentors and mentee places are relabelled
   by a random permutation, then a maximum matching is found with Hopcroft–Karp
   (``scipy.sparse.csgraph.maximum_bipartite_matching``). Under the *avoid* rule, where
   own-supervisor pairs cost 1, we instead solve a minimum-weight full matching
   (``min_weight_full_bipartite_matching``) on the standard "mirror" graph, in which every
   person may also be left unmatched at a penalty larger than any possible cost saving:
   its optimum is a maximum allocation with the fewest own-supervisor pairs.
2. **A Markov chain that forgets the start.** A Metropolis–Hastings chain on allocations
   with the maximum number of pairs ``M`` or one fewer, with stationary distribution
   proportional to ``lambda**size * mu**(-cost)`` (Jerrum and Sinclair's chain for
   perfect and near-perfect matchings, generalised to unequal sides and capacities). Each
   step proposes one of: drop a random pair; let a random unpaired mentor take a random
   willing mentee (pairing up if she has room, otherwise displacing one of her mentors);
   let a random mentee with room take a random willing mentor (pairing up if he is free,
   otherwise moving him from his mentee). Acceptance ratios make the chain reversible, so
   conditioned on "``M`` pairs and least cost" its stationary distribution is uniform over
   the best allocations. ``lambda`` is tuned during the first half of the run (so the chain
   spends a useful share of its time at ``M`` pairs) and then frozen; ``mu`` is fixed.
   The result is the last best allocation the chain visited.

The run length is ``STEPS_PER_PERSON`` steps for every person in the group. That makes
the result *approximately* uniform: close for the sizes we tested, but with no proven
bound on the distance from uniform. Groups small enough to count use the exact method.
"""

from __future__ import annotations

from bisect import bisect_left

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching, min_weight_full_bipartite_matching

from revmentor.allocator.problem import IntArray
from revmentor.allocator.rng import Stream

STEPS_PER_PERSON = 8
MIN_STEPS = 20_000
_MU = 8.0
_CHUNK = 4096


def maximum_size(n_mentors: int, caps: list[int], eu: IntArray, ev: IntArray) -> int:
    """Return the largest number of pairs any allocation of these willing pairs can have."""
    if len(eu) == 0:
        return 0
    pu, pp, _, n_places, _ = _place_edges(caps, eu, ev, np.zeros(len(eu), dtype=np.int64))
    graph = csr_matrix((np.ones(len(pu), dtype=np.int8), (pu, pp)), shape=(n_mentors, n_places))
    return int((maximum_bipartite_matching(graph, perm_type="column") >= 0).sum())


def _place_edges(
    caps: list[int], eu: IntArray, ev: IntArray, cost: IntArray
) -> tuple[IntArray, IntArray, IntArray, int, IntArray]:
    """Split each mentee into min(capacity, degree) places; return the place edges.

    Returns ``(mentor per edge, place per edge, cost per edge, number of places, owner
    mentee of each place)``.
    """
    n_mentees = len(caps)
    degree = np.bincount(ev, minlength=n_mentees)
    places = np.minimum(np.asarray(caps, dtype=np.int64), degree)
    first_place = np.concatenate([[0], np.cumsum(places)]).astype(np.int64)
    place_owner = np.repeat(np.arange(n_mentees, dtype=np.int64), places)
    reps = places[ev]
    pu = np.repeat(eu, reps)
    pcost = np.repeat(cost, reps)
    offsets = np.arange(len(pu), dtype=np.int64) - np.repeat(np.cumsum(reps) - reps, reps)
    pp = np.repeat(first_place[ev], reps) + offsets
    return pu, pp, pcost, int(first_place[-1]), place_owner


def initial_allocation(
    n_mentors: int,
    caps: list[int],
    eu: IntArray,
    ev: IntArray,
    cost: IntArray,
    stream: Stream,
) -> list[int]:
    """Return a best allocation as ``mate[u]`` (mentee index or -1) for each mentor.

    Best: maximum number of pairs, then least total ``cost``. Mentees with capacity above
    one are split into that many interchangeable places for the matching.
    """
    pu, pp, pcost, n_places, place_owner = _place_edges(caps, eu, ev, cost)
    row_perm = stream.permutation(n_mentors)
    col_perm = stream.permutation(n_places)
    ru, rp = row_perm[pu], col_perm[pp]
    mate = [-1] * n_mentors
    if len(pu) == 0:
        return mate
    if not pcost.any():
        graph = csr_matrix((np.ones(len(ru), dtype=np.int8), (ru, rp)), shape=(n_mentors, n_places))
        matched = maximum_bipartite_matching(graph, perm_type="column")
        inverse_cols = np.argsort(col_perm)
        inverse_rows = np.argsort(row_perm)
        for new_u, new_p in enumerate(matched.tolist()):
            if new_p >= 0:
                mate[int(inverse_rows[new_u])] = int(place_owner[inverse_cols[new_p]])
        return mate
    # Mirror construction: rows = mentors + place copies, cols = places + mentor copies.
    penalty = float(2 * (n_mentors + n_places) + 4)
    rows = np.concatenate(
        [ru, np.arange(n_mentors), n_mentors + np.arange(n_places), n_mentors + rp]
    )
    cols = np.concatenate([rp, n_places + np.arange(n_mentors), np.arange(n_places), n_places + ru])
    weights = np.concatenate(
        [
            pcost.astype(np.float64) + 1.0,
            np.full(n_mentors, penalty),
            np.full(n_places, penalty),
            np.ones(len(ru)),
        ]
    )
    size = n_mentors + n_places
    graph = csr_matrix((weights, (rows, cols)), shape=(size, size))
    row_ind, col_ind = min_weight_full_bipartite_matching(graph)
    inverse_rows = np.argsort(row_perm)
    inverse_cols = np.argsort(col_perm)
    for r, c in zip(row_ind.tolist(), col_ind.tolist(), strict=True):
        if r < n_mentors and c < n_places:
            mate[int(inverse_rows[r])] = int(place_owner[inverse_cols[c]])
    return mate


def sample_chain(
    n_mentors: int,
    caps: list[int],
    eu: IntArray,
    ev: IntArray,
    cost: IntArray,
    stream: Stream,
    steps: int | None = None,
) -> list[tuple[int, int]]:
    """Return an approximately uniform best allocation as sorted ``(mentor, mentee)`` pairs.

    Indices are local to the group; the edges must be sorted by mentor, then mentee
    (as :class:`Problem` keeps them). ``steps`` defaults to ``STEPS_PER_PERSON`` times the
    number of people. With no edges the result is empty.
    """
    n_mentees = len(caps)
    if len(eu) == 0:
        return []
    mate = initial_allocation(n_mentors, caps, eu, ev, cost, stream)
    if steps is None:
        steps = max(MIN_STEPS, STEPS_PER_PERSON * (n_mentors + n_mentees))
    # Neighbours as flat CSR lists: a mentor's mentees are adj_u[start_u[u]:start_u[u + 1]],
    # in increasing order (the edges arrive sorted by mentor, then mentee).
    adj_u: list[int] = ev.tolist()
    deg_u: list[int] = np.bincount(eu, minlength=n_mentors).tolist()
    start_u: list[int] = np.concatenate([[0], np.cumsum(deg_u)]).tolist()
    order_v = np.argsort(ev, kind="stable")
    adj_v: list[int] = eu[order_v].tolist()
    deg_v: list[int] = np.bincount(ev, minlength=n_mentees).tolist()
    start_v: list[int] = np.concatenate([[0], np.cumsum(deg_v)]).tolist()
    costly: set[int] = set()
    if cost.any():
        costly = set((eu[cost > 0] * n_mentees + ev[cost > 0]).tolist())

    members: list[list[int]] = [[] for _ in range(n_mentees)]
    for u, v in enumerate(mate):
        if v >= 0:
            members[v].append(u)
    load = [len(m) for m in members]
    # Index-tracked lists give O(1) uniform picks, insertions and removals.
    free_u: list[int] = [u for u in range(n_mentors) if mate[u] < 0]
    pos_free = [-1] * n_mentors
    for i, u in enumerate(free_u):
        pos_free[u] = i
    matched: list[int] = [u for u in range(n_mentors) if mate[u] >= 0]
    pos_matched = [-1] * n_mentors
    for i, u in enumerate(matched):
        pos_matched[u] = i
    open_v: list[int] = [v for v in range(n_mentees) if load[v] < caps[v]]
    pos_open = [-1] * n_mentees
    for i, v in enumerate(open_v):
        pos_open[v] = i

    def add(items: list[int], pos: list[int], x: int) -> None:
        pos[x] = len(items)
        items.append(x)

    def remove(items: list[int], pos: list[int], x: int) -> None:
        i = pos[x]
        last = items.pop()
        if last != x:
            items[i] = last
            pos[last] = i
        pos[x] = -1

    best_size = len(matched)
    cost_now = sum(1 for u in matched if u * n_mentees + mate[u] in costly)
    best_cost = cost_now
    log: list[tuple[int, int, int]] = []  # (mentor, old mate, new mate) since last best

    def link(u: int, v: int) -> None:
        mate[u] = v
        members[v].append(u)
        load[v] += 1
        if load[v] == caps[v]:
            remove(open_v, pos_open, v)
        remove(free_u, pos_free, u)
        add(matched, pos_matched, u)

    def unlink(u: int) -> int:
        v = mate[u]
        mate[u] = -1
        members[v].remove(u)
        if load[v] == caps[v]:
            add(open_v, pos_open, v)
        load[v] -= 1
        remove(matched, pos_matched, u)
        add(free_u, pos_free, u)
        return v

    lam = 1.0
    mu = _MU
    inv_mu = 1.0 / mu
    burn_in = steps // 2
    done = 0
    while done < steps:
        chunk = min(_CHUNK, steps - done)
        draws = stream.uniforms(5 * chunk)
        at_best = 0
        it = iter(draws)
        for r_move, r_a, r_b, r_c, r_accept in zip(it, it, it, it, it, strict=True):
            size = len(matched)
            move = int(r_move * 4.0)
            if move == 0:
                if size < best_size:
                    pass
                else:
                    u = matched[int(r_a * size)]
                    v = mate[u]
                    f_after = len(free_u) + 1
                    o_after = len(open_v) + (1 if load[v] == caps[v] else 0)
                    ratio = (1.0 / (f_after * deg_u[u]) + 1.0 / (o_after * deg_v[v])) * size / lam
                    c = 1 if costly and u * n_mentees + v in costly else 0
                    if c:
                        ratio *= mu
                    if ratio >= 1.0 or r_accept < ratio:
                        unlink(u)
                        cost_now -= c
                        log.append((u, v, -1))
            elif move == 1:
                n_free = len(free_u)
                if n_free:
                    u = free_u[int(r_a * n_free)]
                    v = adj_u[start_u[u] + int(r_b * deg_u[u])]
                    c = 1 if costly and u * n_mentees + v in costly else 0
                    if load[v] < caps[v]:
                        if size < best_size:
                            ratio = (
                                lam
                                / (size + 1)
                                / (1.0 / (n_free * deg_u[u]) + 1.0 / (len(open_v) * deg_v[v]))
                            )
                            if c:
                                ratio *= inv_mu
                            if ratio >= 1.0 or r_accept < ratio:
                                link(u, v)
                                cost_now += c
                                log.append((u, -1, v))
                    else:
                        u2 = members[v][int(r_c * caps[v])]
                        ratio = deg_u[u] / deg_u[u2]
                        c2 = 1 if costly and u2 * n_mentees + v in costly else 0
                        if c2 != c:
                            ratio *= mu if c2 > c else inv_mu
                        if ratio >= 1.0 or r_accept < ratio:
                            unlink(u2)
                            link(u, v)
                            cost_now += c - c2
                            log.append((u2, v, -1))
                            log.append((u, -1, v))
            elif move == 3:
                if size:
                    u = matched[int(r_a * size)]
                    v = mate[u]
                    v2 = adj_u[start_u[u] + int(r_b * deg_u[u])]
                    if v2 != v and load[v2] == caps[v2]:
                        u2 = members[v2][int(r_c * caps[v2])]
                        lo, hi = start_u[u2], start_u[u2 + 1]
                        at = bisect_left(adj_u, v, lo, hi)
                        if at < hi and adj_u[at] == v:
                            # Proposed from u or from u2, in each direction.
                            ratio = (1.0 / (deg_u[u] * caps[v]) + 1.0 / (deg_u[u2] * caps[v2])) / (
                                1.0 / (deg_u[u] * caps[v2]) + 1.0 / (deg_u[u2] * caps[v])
                            )
                            if costly:
                                delta = (
                                    (u * n_mentees + v2 in costly)
                                    + (u2 * n_mentees + v in costly)
                                    - (u * n_mentees + v in costly)
                                    - (u2 * n_mentees + v2 in costly)
                                )
                                if delta > 0:
                                    ratio *= inv_mu if delta == 1 else inv_mu * inv_mu
                                elif delta < 0:
                                    ratio *= mu if delta == -1 else mu * mu
                            else:
                                delta = 0
                            if ratio >= 1.0 or r_accept < ratio:
                                unlink(u)
                                unlink(u2)
                                link(u, v2)
                                link(u2, v)
                                cost_now += delta
                                log.append((u, v, v2))
                                log.append((u2, v2, v))
            else:
                n_open = len(open_v)
                if n_open:
                    v = open_v[int(r_a * n_open)]
                    u = adj_v[start_v[v] + int(r_b * deg_v[v])]
                    v2 = mate[u]
                    c = 1 if costly and u * n_mentees + v in costly else 0
                    if v2 < 0:
                        if size < best_size:
                            ratio = (
                                lam
                                / (size + 1)
                                / (1.0 / (len(free_u) * deg_u[u]) + 1.0 / (n_open * deg_v[v]))
                            )
                            if c:
                                ratio *= inv_mu
                            if ratio >= 1.0 or r_accept < ratio:
                                link(u, v)
                                cost_now += c
                                log.append((u, -1, v))
                    elif v2 != v:
                        o_after = (
                            n_open
                            - (1 if load[v] + 1 == caps[v] else 0)
                            + (1 if load[v2] == caps[v2] else 0)
                        )
                        ratio = (n_open * deg_v[v]) / (o_after * deg_v[v2])
                        c2 = 1 if costly and u * n_mentees + v2 in costly else 0
                        if c2 != c:
                            ratio *= mu if c2 > c else inv_mu
                        if ratio >= 1.0 or r_accept < ratio:
                            unlink(u)
                            link(u, v)
                            cost_now += c - c2
                            log.append((u, v2, v))
            if len(matched) == best_size and cost_now == best_cost:
                at_best += 1
                log.clear()
        done += chunk
        if done <= burn_in:
            share = at_best / chunk
            if share < 0.7:
                lam *= 2.0
            elif share > 0.9:
                lam *= 0.5
    if not (len(matched) == best_size and cost_now == best_cost):
        # Not at a best allocation when the run ends: go back to the last one visited.
        for u, old, _new in reversed(log):
            mate[u] = old
    return sorted((u, v) for u, v in enumerate(mate) if v >= 0)
