"""What importing a study data folder checks beyond what ``revmentor analyse`` checks.

The folder's files and headers have passed the analysis reader
(``analysis.reader.read_study``), which also checks roles, participants, duplicates and
numbers; rows it faulted are skipped here, not faulted twice. Here every row is held
against what a scheme can store: the stages and questionnaires of a new
scheme (each answer must be a question of the questionnaire its role answers at that
time point, and a valid answer to it), the limits of the models (lengths, ranges), and
the rules of the method (a mentor has one session, one own clinical supervisor; codes
apply to free-text answers). Each problem names its file and row (the header is row 1,
as in the reader) and says what to change.

:func:`check_folder` returns a :class:`Plan`: the folder's content as plain data, ready
to store. Nothing here writes to the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from revmentor.analysis.problems import ProblemLog
from revmentor.instruments import Domain, Instrument
from revmentor.research.import_checks.answers import Answers, labels
from revmentor.research.import_checks.coding import codebook, codes
from revmentor.research.import_checks.model import Person, Plan, Session, rows
from revmentor.research.import_checks.people import people, sessions, willingness


def check_folder(
    folder: Path,
    log: ProblemLog,
    *,
    stages: Sequence[str],
    instruments: Mapping[tuple[str, str], Instrument],
    domains: Sequence[Domain],
) -> Plan:
    """Check a study data folder that ``read_study`` accepted against a new scheme.

    ``stages`` are the scheme's time points in order; ``instruments`` its questionnaires
    by ``(role, time point)``; ``domains`` its domains. Records every problem in ``log``
    and returns the plan (complete only if ``log`` holds no problem).
    """
    plan = Plan()
    plan.people = people(folder, log)
    plan.labels, listed = labels(folder, log, stages)
    roles = {p.research_id: p.role for p in plan.people}
    checker = Answers(log, stages, instruments, domains, listed, roles)
    plan.answers = checker.check(folder)
    plan.willing, plan.supervisors = willingness(folder, log)
    plan.sessions = sessions(folder, log)
    plan.codebook = codebook(folder, log)
    text_items = {
        (role, timepoint, slot.name)
        for (role, timepoint), slots in checker.slots.items()
        for slot in slots.values()
        if slot.item.type == "text"
    }
    plan.applied = codes(folder, log, roles, plan.answers, text_items)
    return plan


__all__ = ["Person", "Plan", "Session", "check_folder", "rows"]
