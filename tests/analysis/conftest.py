"""A study data folder built to match every figure Raju et al. (2022) publish.

The paper gives medians, IQRs and p-values, not raw data; the answers below are one data
set consistent with all of them (checked by ``test_paper_figures.py``). Six mentors, one
withdrawn before phase 2 (maternity leave), five mentees; mentors answer at
``pre_phase1`` and ``post_session``, mentees at ``pre_session`` and ``post_session``.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import pytest

from revmentor.analysis.reader import DOMAINS

MENTORS = ["M1", "M2", "M3", "M4", "M5", "M6"]
MENTEES = ["C1", "C2", "C3", "C4", "C5"]
TIMEPOINTS = [
    ("pre_phase1", "Before phase 1"),
    ("post_phase1", "After phase 1"),
    ("pre_session", "Before the session"),
    ("post_session", "After the session"),
]
Row = Sequence[object]


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Row]) -> Path:
    """Write a CSV file with ``header`` and ``rows``; return its path."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def grid(total: int, fixed: dict[str, int] | None = None) -> dict[str, int]:
    """Return seven 1-5 domain answers summing to ``total``, with some domains ``fixed``."""
    fixed = fixed or {}
    free = [d for d in DOMAINS if d not in fixed]
    rest = total - sum(fixed.values())
    base, extra = divmod(rest, len(free))
    answers = dict(fixed)
    for i, domain in enumerate(free):
        answers[domain] = base + (1 if i < extra else 0)
    assert all(1 <= v <= 5 for v in answers.values()), (total, fixed)
    assert sum(answers.values()) == total
    return answers


def grid_rows(pid: str, role: str, tp: str, scale: str, answers: dict[str, int]) -> list[Row]:
    """Return the responses.csv rows of one domain grid."""
    return [(pid, role, tp, f"{scale}.{d}", v) for d, v in answers.items()]


# Mentor confidence: totals before phase 1 give median 21.5 (IQR 20-25) over six mentors;
# the five who stayed go from a median of 23 to 29 with distinct differences (p = 0.043).
# Clinical practice 3 -> 4 and areas for improvement 3 -> 5 have two tied pairs each
# among five positive differences (p = 0.041).
CONFIDENCE_PRE = [20, 20, 23, 25, 26, 18]
CONFIDENCE_POST = [24, 29, 29, 30, 33]
CLINICAL_PRE, CLINICAL_POST = [3, 3, 2, 3, 2], [4, 4, 4, 5, 5]
AREAS_PRE, AREAS_POST = [3, 3, 2, 3, 4], [5, 5, 5, 4, 5]
IMPORTANCE_PRE = [25, 27, 30, 31, 32, 34]  # median 30.5, IQR 27-32
ABILITY_PRE = [17, 19, 23, 23, 24, 26]  # median 23, IQR 19-24
UNDERSTANDING_PRE = [2, 2, 1, 3, 2, 3]  # median 2, IQR 2-3
UNDERSTANDING_POST = [4, 5, 1, 4, 4]  # 2 -> 4, four non-zero differences, p = 0.07
# Mentees: importance 23 -> 29 with one small negative difference (p = 0.08); awareness
# rises for four of five (p = 0.07).
MENTEE_IMPORTANCE_PRE, MENTEE_IMPORTANCE_POST = [20, 22, 23, 25, 28], [28, 32, 29, 29, 27]
AWARENESS_PRE, AWARENESS_POST = [20, 21, 24, 26, 22], [23, 26, 24, 33, 31]
SESSION_MINUTES = [45, 30, 50, 180, 30]  # median 45, hinges 30-50
WILLING = {"M1": 5, "M2": 5, "M3": 5, "M4": 3, "M5": 3, "M6": 4}

# Table 1: (code, label, {(participant, timepoint, item), ...}).
THEMES: list[tuple[str, str, list[tuple[str, str, str]]]] = [
    (
        "hierarchy",
        "Hierarchy or power gradient concerns",
        [
            ("M1", "pre_phase1", "concerns_text"),
            ("M1", "pre_phase1", "facilitators_text"),  # same person twice: counts once
            ("M2", "post_session", "comments_text"),
            ("C1", "pre_session", "concerns_text"),
            ("C2", "post_session", "comments_text"),
        ],
    ),
    (
        "selection_bias",
        "Selection bias",
        [
            ("M1", "pre_phase1", "concerns_text"),
            ("M2", "pre_phase1", "concerns_text"),
            ("M3", "pre_phase1", "concerns_text"),
            ("C4", "post_session", "comments_text"),
        ],
    ),
    (
        "offending_consultants",
        "Offending consultants",
        [
            ("M2", "pre_phase1", "concerns_text"),
            ("M4", "pre_phase1", "concerns_text"),
            ("M6", "pre_phase1", "concerns_text"),
            ("M1", "post_session", "comments_text"),
            ("M2", "post_session", "comments_text"),
            ("M3", "post_session", "comments_text"),
        ],
    ),
    (
        "no_change",
        "No change to practice",
        [("M5", "pre_phase1", "concerns_text"), ("M4", "post_session", "comments_text")],
    ),
    (
        "not_enough_time",
        "Not having enough time to do it properly",
        [("C2", "pre_session", "concerns_text")],
    ),
    (
        "collaborative",
        "Collaborative approach to feedback more useful",
        [("M3", "post_session", "comments_text"), ("M5", "post_session", "comments_text")],
    ),
    (
        "refreshing",
        "Refreshing idea",
        [
            ("M3", "pre_phase1", "concerns_text"),
            ("M1", "post_session", "comments_text"),
            ("C3", "pre_session", "comments_text"),
            ("C5", "post_session", "comments_text"),
        ],
    ),
]


def paper_rows() -> dict[str, tuple[list[str], list[Row]]]:
    """Return every file of the paper's study folder as (header, rows)."""
    participants: list[Row] = []
    for i, pid in enumerate(MENTORS):
        participants.append(
            (
                pid,
                "mentor",
                "male" if i < 4 else "female",
                [31, 33, 35, 36, 38, 40][i],
                "",
                "yes" if i % 2 == 0 else "no",
                "withdrawn" if pid == "M6" else "active",
            )
        )
    for i, pid in enumerate(MENTEES):
        participants.append(
            (
                pid,
                "mentee",
                "male" if i != 2 else "female",
                [35, 42, 50, 58, 65][i],
                [5, 8, 12, 15, 20][i],
                "yes" if i != 4 else "no",
                "active",
            )
        )

    r: list[Row] = []
    for i, pid in enumerate(MENTORS):
        tp = "pre_phase1"
        r.append((pid, "mentor", tp, "concerns", "yes" if i < 4 else "no"))
        r.append((pid, "mentor", tp, "concerns_text", f"Worries of mentor {pid}."))
        r.append((pid, "mentor", tp, "facilitators_text", "Anonymous feedback, openness"))
        r.append((pid, "mentor", tp, "understanding", UNDERSTANDING_PRE[i]))
        r += grid_rows(pid, "mentor", tp, "importance", grid(IMPORTANCE_PRE[i]))
        r += grid_rows(pid, "mentor", tp, "ability", grid(ABILITY_PRE[i]))
        fixed = (
            {"clinical_practice": CLINICAL_PRE[i], "areas_for_improvement": AREAS_PRE[i]}
            if i < 5
            else {"clinical_practice": 3, "areas_for_improvement": 3}
        )
        r += grid_rows(pid, "mentor", tp, "confidence", grid(CONFIDENCE_PRE[i], fixed))
    for i, pid in enumerate(MENTORS[:5]):
        tp = "post_session"
        fixed = {"clinical_practice": CLINICAL_POST[i], "areas_for_improvement": AREAS_POST[i]}
        r += grid_rows(pid, "mentor", tp, "confidence", grid(CONFIDENCE_POST[i], fixed))
        r.append((pid, "mentor", tp, "understanding", UNDERSTANDING_POST[i]))
        r.append((pid, "mentor", tp, "comments_text", "A different perspective,\nnew ideas."))
        r.append((pid, "mentor", tp, "time_devoted", "about right"))
    for i, pid in enumerate(MENTEES):
        tp = "pre_session"
        r.append((pid, "mentee", tp, "concerns", "yes" if i < 2 else "no"))
        if i < 2:
            r.append((pid, "mentee", tp, "concerns_text", "Power; time."))
        r.append((pid, "mentee", tp, "comments_text", "Looking forward to it."))
        r.append((pid, "mentee", tp, "expected_minutes", [30, 45, 60, 60, 60][i]))
        r += grid_rows(pid, "mentee", tp, "importance", grid(MENTEE_IMPORTANCE_PRE[i]))
        r += grid_rows(pid, "mentee", tp, "awareness", grid(AWARENESS_PRE[i]))
        tp = "post_session"
        r += grid_rows(pid, "mentee", tp, "importance", grid(MENTEE_IMPORTANCE_POST[i]))
        r += grid_rows(pid, "mentee", tp, "awareness", grid(AWARENESS_POST[i]))
        r.append((pid, "mentee", tp, "concerns_now", "none" if i == 0 else "lesser"))
        r.append((pid, "mentee", tp, "experience", "excellent" if i < 3 else "good"))
        r.append((pid, "mentee", tp, "time_devoted", "about right"))
        r.append((pid, "mentee", tp, "comments_text", "Useful; will change my practice."))

    willingness: list[Row] = [
        (m, c, "yes" if j < WILLING[m] else "no", "yes" if j == i % 5 else "no")
        for i, m in enumerate(MENTORS)
        for j, c in enumerate(MENTEES)
    ]
    sessions: list[Row] = [
        (m, c, minutes, "2021-06-0" + str(k + 1), "in person")
        for k, (m, c, minutes) in enumerate(zip(MENTORS, MENTEES, SESSION_MINUTES, strict=False))
    ]
    codes: list[Row] = []
    for code, _label, uses in THEMES:
        for pid, tp, item in uses:
            role = "mentor" if pid.startswith("M") else "mentee"
            codes.append((pid, role, tp, item, code, "SAR"))
    return {
        "participants.csv": (
            [
                "participant_id",
                "role",
                "sex",
                "age",
                "years_as_consultant",
                "previous_mentor",
                "status",
            ],
            participants,
        ),
        "responses.csv": (["participant_id", "role", "timepoint", "item", "value"], r),
        "timepoints.csv": (["timepoint", "label"], list(TIMEPOINTS)),
        "sessions.csv": (
            ["mentor_id", "mentee_id", "duration_minutes", "held_on", "mode"],
            sessions,
        ),
        "willingness.csv": (["mentor_id", "mentee_id", "willing", "own_supervisor"], willingness),
        "codes.csv": (["participant_id", "role", "timepoint", "item", "code", "coder"], codes),
        "codebook.csv": (
            ["code", "label", "parent", "description"],
            [(code, label, "", "") for code, label, _ in THEMES],
        ),
    }


def write_study(folder: Path, files: dict[str, tuple[list[str], list[Row]]]) -> Path:
    """Write every file of ``files`` into ``folder`` (created if needed); return ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, (header, rows) in files.items():
        write_csv(folder / name, header, rows)
    return folder


@pytest.fixture(scope="session")
def paper_study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a study folder matching the paper's published figures (do not modify it)."""
    return write_study(tmp_path_factory.mktemp("paper") / "study", paper_rows())


@pytest.fixture
def make_study(tmp_path: Path) -> Callable[..., Path]:
    """Return a function writing the paper's folder with some files replaced or removed.

    Call it with ``name=(header, rows)`` pairs to replace files (``"responses.csv"`` as
    ``responses_csv``), or ``name=None`` to leave a file out.
    """

    def make(**changes: tuple[list[str], list[Row]] | None) -> Path:
        files = paper_rows()
        for key, value in changes.items():
            name = key.replace("_csv", ".csv")
            if value is None:
                files.pop(name, None)
            else:
                files[name] = value
        return write_study(tmp_path / "study", files)

    return make
