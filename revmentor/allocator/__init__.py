"""Random allocation of mentors to mentees within stated willingness (pure: no Django).

Public API: build a :class:`Problem`, call :func:`allocate` with a seed, keep
:func:`make_record` of the result, and later :func:`verify` it.
"""

from __future__ import annotations

from revmentor.allocator.core import EXACT_SIDE, Allocation, allocate
from revmentor.allocator.problem import (
    ALGORITHM_VERSION,
    AllocationInputError,
    OwnSupervisorRule,
    Pair,
    Problem,
    Reason,
    Role,
    Unmatched,
    problem_from_record,
)
from revmentor.allocator.record import inputs_sha256, make_record, verify, verify_record

__all__ = [
    "ALGORITHM_VERSION",
    "EXACT_SIDE",
    "Allocation",
    "AllocationInputError",
    "OwnSupervisorRule",
    "Pair",
    "Problem",
    "Reason",
    "Role",
    "Unmatched",
    "allocate",
    "inputs_sha256",
    "make_record",
    "problem_from_record",
    "verify",
    "verify_record",
]
