"""What a study data folder holds once read: constants, items, participants, answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

ROLES: tuple[str, str] = ("mentor", "mentee")
DOMAINS: tuple[str, ...] = (
    "technology",
    "clinical_practice",
    "approach_to_juniors",
    "time_management",
    "approachability",
    "strengths",
    "areas_for_improvement",
)
DOMAIN_LABELS: dict[str, str] = {
    "technology": "Use of technology",
    "clinical_practice": "Clinical practice",
    "approach_to_juniors": "Approach to juniors",
    "time_management": "Time management",
    "approachability": "Approachability",
    "strengths": "Strengths",
    "areas_for_improvement": "Areas for improvement",
}
ItemKind = Literal["domain", "ordinal", "yesno", "category", "text"]
ITEM_KINDS: tuple[str, ...] = ("domain", "ordinal", "yesno", "category", "text")
YES_NO = {"yes": True, "no": False, "y": True, "n": False, "true": True, "false": False}
MISSING = np.iinfo(np.int32).min
"""Stands for "no whole number" in an int32 value array."""
IntArray = npt.NDArray[np.int64] | npt.NDArray[np.int32]
I32Array = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
ObjArray = npt.NDArray[np.object_]


@dataclass(frozen=True, slots=True)
class Item:
    """An item of the questionnaires as the analysis sees it.

    ``scale`` is the grid a domain item belongs to (``confidence`` for
    ``confidence.clinical_practice``) or the item's own name for any other item; ``domain``
    is ``None`` except for grid items. ``low``/``high`` bound whole-number answers when known.
    """

    name: str
    kind: ItemKind
    scale: str
    domain: str | None
    low: int | None
    high: int | None
    label: str


@dataclass(slots=True)
class Participants:
    """Participants sorted by role (mentors first), with demographics as arrays.

    ``role`` holds indexes into :data:`ROLES`; ``sex`` indexes ``sex_names`` (which may
    include ""); numeric columns hold NaN where blank; ``previous_mentor`` holds 1 (yes),
    0 (no) or -1 (blank). ``scheme`` indexes ``scheme_names`` (the optional ``scheme``
    column of a pooled folder, names in order of first appearance; all 0 and ``[""]``
    without the column).
    """

    ids: ObjArray
    role: npt.NDArray[np.int8]
    withdrawn: BoolArray
    sex: I32Array
    sex_names: list[str]
    age: FloatArray
    years_as_consultant: FloatArray
    previous_mentor: npt.NDArray[np.int8]
    has_column: dict[str, bool]
    scheme: I32Array = field(default_factory=lambda: np.empty(0, np.int32))
    scheme_names: list[str] = field(default_factory=list)

    def role_slice(self, role: int) -> slice:
        """Return the slice of participant indexes holding ``role`` (possibly empty)."""
        idx = np.flatnonzero(self.role == role)
        if idx.size == 0:
            return slice(0, 0)
        return slice(int(idx[0]), int(idx[-1]) + 1)


@dataclass(slots=True)
class Responses:
    """One entry per answer row, as integer codes.

    ``participant`` indexes :class:`Participants`; ``timepoint`` indexes
    ``Study.timepoints``; ``item`` indexes ``Study.items``; ``value`` is the whole-number
    answer or :data:`MISSING`; ``text`` indexes ``texts`` (the distinct raw answers);
    ``key`` is unique per answer (see :func:`answer_keys`).
    """

    participant: I32Array
    timepoint: I32Array
    item: I32Array
    value: I32Array
    text: I32Array
    texts: ObjArray
    key: IntArray


@dataclass(slots=True)
class Study:
    """Everything read from a study data folder, validated and encoded."""

    folder: Path
    participants: Participants
    timepoints: list[str]
    timepoint_labels: dict[str, str]
    items: list[Item]
    responses: Responses
    session_mentor: I32Array = field(default_factory=lambda: np.empty(0, np.int32))
    session_mentee: I32Array = field(default_factory=lambda: np.empty(0, np.int32))
    session_minutes: FloatArray = field(default_factory=lambda: np.empty(0, np.float64))
    willing_mentor: I32Array = field(default_factory=lambda: np.empty(0, np.int32))
    willing_mentee: I32Array = field(default_factory=lambda: np.empty(0, np.int32))
    willing: BoolArray = field(default_factory=lambda: np.empty(0, np.bool_))
    code_participant: I32Array = field(default_factory=lambda: np.empty(0, np.int32))
    code_timepoint: I32Array = field(default_factory=lambda: np.empty(0, np.int32))
    code_index: I32Array = field(default_factory=lambda: np.empty(0, np.int32))
    codes: list[str] = field(default_factory=list)
    code_labels: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
