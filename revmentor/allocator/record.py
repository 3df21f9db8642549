"""Records of allocations, and re-running them to check they reproduce."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from revmentor.allocator.core import allocate
from revmentor.allocator.problem import (
    ALGORITHM_VERSION,
    AllocationInputError,
    Problem,
    problem_from_record,
)


def inputs_sha256(problem: Problem) -> str:
    """Return the SHA-256 (hex) of the canonical serialisation of ``problem``.

    See :meth:`Problem.inputs_sha256` for the exact byte format. The seed is not included.
    """
    return problem.inputs_sha256()


def make_record(problem: Problem, seed: int) -> dict[str, Any]:
    """Allocate and return a self-contained, JSON-ready record of inputs and result.

    The record has the ``--json`` keys (``pairs``, ``unmatched``, ``seed``, ``algorithm``,
    ``inputs_sha256``, ...) plus ``inputs``: everything :func:`verify` needs.
    """
    record = allocate(problem, seed).to_json()
    record["inputs"] = problem.to_record()
    return record


@dataclass(frozen=True)
class Verification:
    """Outcome of :func:`verify_record`: ``ok``, and a plain-English explanation."""

    ok: bool
    message: str


def verify_record(record: Mapping[str, Any]) -> Verification:
    """Re-run a record made by :func:`make_record` and say whether it reproduces.

    Fails (never raises) when the record is malformed, its inputs do not match its
    ``inputs_sha256``, it was made by a different algorithm version, or re-running gives
    different pairs or unmatched reasons.
    """
    try:
        problem = problem_from_record(record["inputs"])
        seed = int(record["seed"])
        claimed_hash = str(record["inputs_sha256"])
        algorithm = str(record["algorithm"])
        claimed_pairs = record["pairs"]
        claimed_unmatched = record["unmatched"]
    except (KeyError, TypeError, ValueError, AllocationInputError) as error:
        return Verification(False, f"The record is incomplete or malformed: {error}")
    if algorithm != ALGORITHM_VERSION:
        return Verification(
            False,
            f"The record was made by {algorithm}, this is {ALGORITHM_VERSION}: "
            "re-run it with that version.",
        )
    if problem.inputs_sha256() != claimed_hash:
        return Verification(False, "The inputs do not match the recorded inputs_sha256.")
    again = allocate(problem, seed).to_json()
    if again["pairs"] != list(claimed_pairs):
        return Verification(False, "Re-running with the recorded seed gives different pairs.")
    if again["unmatched"] != list(claimed_unmatched):
        return Verification(False, "Re-running gives different unmatched people or reasons.")
    return Verification(True, f"Reproduced: {len(again['pairs'])} pairs, same as recorded.")


def verify(record: Mapping[str, Any]) -> bool:
    """Return True when re-running ``record`` gives exactly the recorded result."""
    return verify_record(record).ok
