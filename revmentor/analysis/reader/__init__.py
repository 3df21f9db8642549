"""Read a study data folder (format version 1) into encoded arrays, or say what is wrong.

Every check is vectorised over rows: the folder of a national study holds millions of
answers. A problem is reported with its file, row (the header is row 1) and column.

Modules: ``model`` (what is read), ``csvio`` (CSV and arrow helpers), ``participants``,
``items``, ``responses`` and ``other_files`` (sessions, willingness, codes).
"""

from __future__ import annotations

from pathlib import Path

from revmentor.analysis.problems import ProblemLog
from revmentor.analysis.reader.model import (
    DOMAIN_LABELS,
    DOMAINS,
    MISSING,
    ROLES,
    Item,
    Participants,
    Responses,
    Study,
)
from revmentor.analysis.reader.other_files import (
    read_codes,
    read_sessions,
    read_willingness,
)
from revmentor.analysis.reader.participants import read_participants
from revmentor.analysis.reader.responses import (
    answer_keys,
    check_responses_header,
    read_responses,
)


def read_study(folder: str | Path, *, problem_limit: int = 20) -> Study:
    """Return the validated, encoded contents of the study data folder ``folder``.

    Raises :class:`~revmentor.analysis.problems.StudyDataError` listing every problem
    (at most ``problem_limit`` of each kind per file, the rest counted) if anything is
    wrong: a missing file or required column, an unknown role, a value that is not a
    whole number in range, a duplicate answer, an answer or code from an unknown
    participant, a code applied to an answer that does not exist. Optional files
    (``timepoints.csv``, ``items.csv``, ``sessions.csv``, ``willingness.csv``,
    ``codes.csv``, ``codebook.csv``) may be absent.
    """
    root = Path(folder)
    log = ProblemLog(problem_limit)
    if not root.is_dir():
        log.add(str(root), None, None, "is not a folder", "folder")
        log.raise_if_any()
    people = read_participants(root, log)
    if people is None:
        check_responses_header(root, log)
        log.raise_if_any()
        raise AssertionError("unreachable")  # pragma: no cover
    answers = read_responses(root, log, people)
    if answers is None:
        log.raise_if_any()
        raise AssertionError("unreachable")  # pragma: no cover
    study = Study(
        folder=root,
        participants=people,
        timepoints=answers.timepoints,
        timepoint_labels=answers.labels,
        items=answers.items,
        responses=answers.responses,
    )
    read_sessions(root, log, people, study)
    read_willingness(root, log, people, study)
    read_codes(root, log, answers, study)
    study.files = sorted(p.name for p in root.glob("*.csv"))
    log.raise_if_any()
    return study


__all__ = [
    "DOMAINS",
    "DOMAIN_LABELS",
    "MISSING",
    "ROLES",
    "Item",
    "Participants",
    "Responses",
    "Study",
    "answer_keys",
    "read_study",
]
