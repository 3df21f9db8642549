"""The allocation problem and its result, as plain immutable values.

A :class:`Problem` holds everything that determines an allocation except the seed: who
the mentors and mentees are, who has withdrawn, the willing pairs (each flagged if the
mentee is the mentor's own clinical supervisor), each mentee's capacity and the rule for
own-supervisor pairs. Its fields are kept in one canonical order (ids sorted by code
point, pairs sorted by mentor then mentee) so that nothing downstream can depend on the
order the caller happened to supply, nor on set or dict ordering.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Bump when any change could alter the pairs drawn for some inputs and seed.
ALGORITHM_VERSION = "revmentor-allocate/1"

_HASH_HEADER = b"revmentor-allocation-inputs/1\n"


class OwnSupervisorRule(StrEnum):
    """What to do with a willing pair whose mentee is the mentor's own clinical supervisor."""

    ALLOW = "allow"  # treat like any other willing pair
    AVOID = "avoid"  # among maximum allocations, keep only those with fewest such pairs
    FORBID = "forbid"  # never allocate such a pair


class Role(StrEnum):
    """A participant's side of the pairing."""

    MENTOR = "mentor"
    MENTEE = "mentee"


class Reason(StrEnum):
    """Why an active participant was left unmatched (or that they had withdrawn)."""

    WITHDRAWN = "withdrawn"
    NO_WILLING_PARTNER = "no_willing_partner"
    ONLY_OWN_SUPERVISOR = "only_own_supervisor"
    PARTNERS_TAKEN = "partners_taken"


REASON_TEXT: dict[Reason, str] = {
    Reason.WITHDRAWN: "withdrawn, so not allocated",
    Reason.NO_WILLING_PARTNER: "no willing partner among the people still taking part",
    Reason.ONLY_OWN_SUPERVISOR: "the only willing pairs were with their own supervisor, "
    "which the rule forbids",
    Reason.PARTNERS_TAKEN: "every willing partner was needed elsewhere to pair the most people",
}


class AllocationInputError(ValueError):
    """The inputs cannot describe an allocation problem (unknown ids, duplicates, ...)."""


@dataclass(frozen=True)
class Pair:
    """One allocated mentor–mentee pair."""

    mentor_id: str
    mentee_id: str


@dataclass(frozen=True)
class Unmatched:
    """A participant with no pair, and why."""

    participant_id: str
    role: Role
    reason: Reason


@dataclass(frozen=True, eq=False)
class Problem:
    """Canonical inputs of an allocation. Build with :meth:`build` or :meth:`from_indices`.

    ``edge_mentor[k]``, ``edge_mentee[k]`` index ``mentors`` and ``mentees``; edges are
    sorted and unique. ``edge_own_supervisor[k]`` flags own-supervisor pairs.
    """

    mentors: tuple[str, ...]
    mentees: tuple[str, ...]
    edge_mentor: IntArray
    edge_mentee: IntArray
    edge_own_supervisor: BoolArray
    capacity: tuple[int, ...]
    mentor_withdrawn: tuple[bool, ...]
    mentee_withdrawn: tuple[bool, ...]
    rule: OwnSupervisorRule = OwnSupervisorRule.ALLOW
    _sha: list[str] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def build(
        cls,
        mentors: Iterable[str],
        mentees: Iterable[str],
        willing: Iterable[tuple[str, str]],
        *,
        capacity: int | Mapping[str, int] = 1,
        own_supervisor: Iterable[tuple[str, str]] = (),
        rule: OwnSupervisorRule | str = OwnSupervisorRule.ALLOW,
        withdrawn: Iterable[str] = (),
    ) -> Problem:
        """Return the canonical problem for these ids and pairs, in any order.

        ``capacity`` is one number for every mentee or a mapping (mentees it leaves out
        get 1). ``own_supervisor`` pairs that are not also willing pairs are ignored.
        Raises :class:`AllocationInputError` for a repeated id, an id that is both a mentor
        and a mentee, a pair or withdrawn id naming an unknown person, a repeated pair, or
        a capacity below 1.
        """
        mentor_list = sorted(mentors)
        mentee_list = sorted(mentees)
        _check_unique(mentor_list, "mentor")
        _check_unique(mentee_list, "mentee")
        both = set(mentor_list).intersection(mentee_list)
        if both:
            raise AllocationInputError(f"{min(both)!r} is listed as both a mentor and a mentee")
        mentor_index = {pid: i for i, pid in enumerate(mentor_list)}
        mentee_index = {pid: i for i, pid in enumerate(mentee_list)}
        us: list[int] = []
        vs: list[int] = []
        for mentor_id, mentee_id in willing:
            us.append(_lookup(mentor_index, mentor_id, "mentor"))
            vs.append(_lookup(mentee_index, mentee_id, "mentee"))
        supervisor_keys = {
            _lookup(mentor_index, m, "mentor") * len(mentee_list)
            + _lookup(mentee_index, e, "mentee")
            for m, e in own_supervisor
        }
        u = np.asarray(us, dtype=np.int64)
        v = np.asarray(vs, dtype=np.int64)
        keys = u * len(mentee_list) + v
        flags = np.isin(
            keys, np.fromiter(supervisor_keys, dtype=np.int64, count=len(supervisor_keys))
        )
        if isinstance(capacity, int):
            caps = (capacity,) * len(mentee_list)
        else:
            for mentee_id in capacity:
                _lookup(mentee_index, mentee_id, "mentee")
            caps = tuple(capacity.get(pid, 1) for pid in mentee_list)
        gone = set(withdrawn)
        for pid in gone:
            if pid not in mentor_index and pid not in mentee_index:
                raise AllocationInputError(
                    f"withdrawn participant {pid!r} is not a mentor or mentee"
                )
        return cls.from_indices(
            tuple(mentor_list),
            tuple(mentee_list),
            u,
            v,
            flags,
            capacity=caps,
            mentor_withdrawn=tuple(pid in gone for pid in mentor_list),
            mentee_withdrawn=tuple(pid in gone for pid in mentee_list),
            rule=rule,
        )

    @classmethod
    def from_indices(
        cls,
        mentors: tuple[str, ...],
        mentees: tuple[str, ...],
        edge_mentor: npt.ArrayLike,
        edge_mentee: npt.ArrayLike,
        edge_own_supervisor: npt.ArrayLike,
        *,
        capacity: tuple[int, ...],
        mentor_withdrawn: tuple[bool, ...],
        mentee_withdrawn: tuple[bool, ...],
        rule: OwnSupervisorRule | str = OwnSupervisorRule.ALLOW,
    ) -> Problem:
        """Return the problem for pairs given as index arrays (the fast path for big files).

        ``mentors`` and ``mentees`` must already be sorted and unique. Pairs may come in any
        order; they are sorted here. Raises :class:`AllocationInputError` on a repeated
        pair, an index out of range, unsorted ids or a capacity below 1.
        """
        if list(mentors) != sorted(set(mentors)) or list(mentees) != sorted(set(mentees)):
            raise AllocationInputError("mentor and mentee ids must be sorted and unique")
        if len(capacity) != len(mentees) or any(c < 1 for c in capacity):
            raise AllocationInputError(
                "each mentee's capacity must be a whole number of at least 1"
            )
        if len(mentor_withdrawn) != len(mentors) or len(mentee_withdrawn) != len(mentees):
            raise AllocationInputError("withdrawn flags must match the ids")
        u = np.asarray(edge_mentor, dtype=np.int64).ravel()
        v = np.asarray(edge_mentee, dtype=np.int64).ravel()
        flags = np.asarray(edge_own_supervisor, dtype=np.bool_).ravel()
        if not (len(u) == len(v) == len(flags)):
            raise AllocationInputError("pair arrays must have the same length")
        if len(u) and (
            u.min() < 0 or u.max() >= len(mentors) or v.min() < 0 or v.max() >= len(mentees)
        ):
            raise AllocationInputError("a pair refers to a mentor or mentee that does not exist")
        keys = u * max(1, len(mentees)) + v
        if len(keys) > 1 and not bool((keys[1:] > keys[:-1]).all()):
            order = np.argsort(keys, kind="stable")
            u, v, flags = u[order], v[order], flags[order]
        if len(u) > 1:
            same = (u[1:] == u[:-1]) & (v[1:] == v[:-1])
            if same.any():
                k = int(np.argmax(same))
                raise AllocationInputError(
                    f"the pair {mentors[int(u[k])]!r}, {mentees[int(v[k])]!r} "
                    "appears more than once"
                )
        for array in (u, v, flags):
            array.setflags(write=False)
        return cls(
            mentors=mentors,
            mentees=mentees,
            edge_mentor=u,
            edge_mentee=v,
            edge_own_supervisor=flags,
            capacity=tuple(int(c) for c in capacity),
            mentor_withdrawn=tuple(bool(w) for w in mentor_withdrawn),
            mentee_withdrawn=tuple(bool(w) for w in mentee_withdrawn),
            rule=OwnSupervisorRule(rule),
        )

    def inputs_sha256(self) -> str:
        """Return the SHA-256 (hex) of the canonical serialisation of these inputs.

        The serialisation is: the line ``revmentor-allocation-inputs/1``; a JSON object
        (keys sorted, no spaces, ASCII) with ``mentors``, ``mentees`` and ``withdrawn``
        (sorted id lists), ``capacity`` (one integer per mentee, in mentee order),
        ``own_supervisor_rule`` and ``pairs`` (the number of willing pairs); a newline;
        then the sorted pairs as three arrays: mentor indices and mentee indices as
        little-endian unsigned 32-bit integers, and own-supervisor flags as bytes 0/1.
        The seed is not part of it. Equal problems always give equal hashes, whatever
        order their parts were supplied in.
        """
        if not self._sha:
            header = {
                "mentors": list(self.mentors),
                "mentees": list(self.mentees),
                "withdrawn": sorted(
                    [p for p, w in zip(self.mentors, self.mentor_withdrawn, strict=True) if w]
                    + [p for p, w in zip(self.mentees, self.mentee_withdrawn, strict=True) if w]
                ),
                "capacity": list(self.capacity),
                "own_supervisor_rule": self.rule.value,
                "pairs": len(self.edge_mentor),
            }
            digest = hashlib.sha256(_HASH_HEADER)
            text = json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
            digest.update(text.encode("ascii") + b"\n")
            digest.update(self.edge_mentor.astype("<u4").tobytes())
            digest.update(self.edge_mentee.astype("<u4").tobytes())
            digest.update(self.edge_own_supervisor.astype("u1").tobytes())
            self._sha.append(digest.hexdigest())
        return self._sha[0]

    def to_record(self) -> dict[str, Any]:
        """Return the inputs as JSON-ready data; :func:`problem_from_record` rebuilds them."""
        return {
            "mentors": list(self.mentors),
            "mentees": list(self.mentees),
            "withdrawn": sorted(
                [p for p, w in zip(self.mentors, self.mentor_withdrawn, strict=True) if w]
                + [p for p, w in zip(self.mentees, self.mentee_withdrawn, strict=True) if w]
            ),
            "capacity": {
                pid: cap for pid, cap in zip(self.mentees, self.capacity, strict=True) if cap != 1
            },
            "own_supervisor_rule": self.rule.value,
            "willing": [
                [self.mentors[u], self.mentees[v]]
                for u, v in zip(self.edge_mentor.tolist(), self.edge_mentee.tolist(), strict=True)
            ],
            "own_supervisor": [
                [self.mentors[u], self.mentees[v]]
                for u, v, f in zip(
                    self.edge_mentor.tolist(),
                    self.edge_mentee.tolist(),
                    self.edge_own_supervisor.tolist(),
                    strict=True,
                )
                if f
            ],
        }


def problem_from_record(inputs: Mapping[str, Any]) -> Problem:
    """Rebuild a :class:`Problem` from :meth:`Problem.to_record` data.

    Raises :class:`AllocationInputError` if the data are inconsistent, ``KeyError`` or
    ``TypeError`` if they are not in that shape.
    """
    return Problem.build(
        [str(x) for x in inputs["mentors"]],
        [str(x) for x in inputs["mentees"]],
        [(str(m), str(e)) for m, e in inputs["willing"]],
        capacity={str(k): int(c) for k, c in dict(inputs.get("capacity", {})).items()},
        own_supervisor=[(str(m), str(e)) for m, e in inputs.get("own_supervisor", [])],
        rule=str(inputs.get("own_supervisor_rule", "allow")),
        withdrawn=[str(x) for x in inputs.get("withdrawn", [])],
    )


def _check_unique(ids: Sequence[str], role: str) -> None:
    for a, b in itertools.pairwise(ids):
        if a == b:
            raise AllocationInputError(f"{role} id {a!r} is listed more than once")


def _lookup(index: Mapping[str, int], pid: str, role: str) -> int:
    try:
        return index[pid]
    except KeyError:
        raise AllocationInputError(f"{pid!r} is not a known {role}") from None
