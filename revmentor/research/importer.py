"""Import a study data folder (format version 1) into a new scheme: all or nothing.

A lead with data collected elsewhere (on paper, in REDCap) uploads the folder as a zip;
it becomes a new scheme, led by them, in the analysis phase, whose Results, coding and
exports work as for a scheme run here. Exporting it gives back the folder (the same
research IDs; see ``questionnaires.interchange.pseudonym``).

Checks, in order, each listing every problem with its file and row: the zip itself
(``research.unzip``: size, zip bombs, paths outside the folder); the folder as
``revmentor analyse`` reads it (``analysis.reader.read_study``, so the web import and
the command line agree on what is valid); then what a scheme can store
(``research.import_checks``: answers that fit the new scheme's questionnaires, time
points that are its stages, model limits). Everything runs in one transaction: on any
problem nothing is created, not even the scheme.

What an imported scheme holds, and the assumptions made:

- **People**: the folder holds no names or emails, so each participant gets an account
  that can never sign in (inactive, no password, an address under the reserved
  ``.invalid`` domain, named "Imported participant <ID>") and keeps their ID as
  ``Participant.research_id``. They cannot be invited. A withdrawn participant is
  recorded as withdrawn on the day of the import, the reason saying the date is not
  known.
- **Consent**: being in a study data folder means the study had the person's consent to
  take part and to the research use of their answers (the exporter leaves out anyone
  without it). Each participant's consent is recorded as given, to take part and for
  research use, on the information sheet version ``imported``, so it is clearly not a
  consent given here.
- **Questionnaires**: the new scheme's four stages and six questionnaires, as for any new
  scheme; ``timepoints.csv`` may relabel the stages. Every stage is marked open (its
  answers were collected) and no reminder is scheduled. Each participant's answers at a
  time point are one submitted response. ``items.csv`` is checked by the reader but not
  kept: the questionnaires define the items.
- **Sessions**: the pairs of ``sessions.csv`` form one published allocation marked as
  imported (pairs only: no seed or inputs, so it cannot be re-run), each with its held
  session: duration, the date as noon (UK time) of ``held_on``, and ``mode`` as the place
  "Online" or "In person".
- **Willingness** as given; ``own_supervisor`` sets the mentor's clinical supervisor.
- **Coding**: ``codebook.csv`` and ``codes.csv`` become the codebook and the final coding
  (``coding.services.coding_import``).
"""

from __future__ import annotations

import csv
import hashlib
import json
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import Any, BinaryIO

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from revmentor.allocation.models import Allocation, Pair
from revmentor.allocation.services import IMPORTED_ALGORITHM
from revmentor.analysis.problems import Problem, ProblemLog, StudyDataError
from revmentor.analysis.reader import read_study
from revmentor.coding import selectors as coding_selectors
from revmentor.coding import services as coding_services
from revmentor.coding.models import Coding, Decision
from revmentor.core import audit, planner
from revmentor.core.models import AuditEvent, User
from revmentor.feedback.models import Willingness
from revmentor.meetings.models import ONLINE, Meeting
from revmentor.questionnaires.interchange import pseudonym
from revmentor.questionnaires.models import Answer, Response, SchemeInstrument, Stage
from revmentor.research import unzip
from revmentor.research.import_checks import Plan, check_folder
from revmentor.schemes import selectors as scheme_selectors
from revmentor.schemes import services as scheme_services
from revmentor.schemes.models import (
    Consent,
    Organisation,
    Participant,
    ParticipantRole,
    ParticipantStatus,
    Phase,
    PhaseTransition,
    Scheme,
)
from revmentor.schemes.services import ServiceError

#: The information sheet version of a consent recorded by an import.
IMPORTED_CONSENT = "imported"
#: The domain of the addresses of imported participants' accounts (reserved: RFC 2606).
IMPORTED_DOMAIN = "imported.invalid"
WITHDRAWN_REASON = "Withdrawn in the imported study (date not known)"
IN_PERSON = "In person"
REQUIRED = ("participants.csv", "responses.csv")


class ImportFailed(ServiceError):
    """The folder cannot be imported; ``problems`` lists every problem (file and row).

    ``more`` counts problems of the same kinds left out of the list.
    """

    def __init__(self, problems: list[Problem], more: int = 0) -> None:
        self.problems = problems
        self.more = more
        super().__init__(
            f"Nothing was imported: the study data folder has {len(problems) + more} problems."
        )


@dataclass(frozen=True, slots=True)
class Imported:
    """The new scheme and how much was imported into it."""

    scheme: Scheme
    participants: int
    answers: int
    willingness: int
    sessions: int
    codes: int


def _unpacked(upload: BinaryIO, folder: Path, label: str) -> StudyDataError | None:
    """Unpack the zip into ``folder`` and read it as ``revmentor analyse`` does.

    Returns what the reader found wrong in rows, or None; raises ImportFailed for a zip
    that cannot be used and for problems with whole files or their headers (the rows
    cannot be checked further then).
    """
    log = ProblemLog()
    names = unzip.unpack(upload, folder, log, label=label)
    if not log.problems:
        for name in REQUIRED:
            if name not in names:
                log.add(name, None, None, "is missing from the zip; every study has one", "file")
    if log.problems:
        raise ImportFailed(log.problems, log.more)
    try:
        read_study(folder)
    except StudyDataError as error:
        if any(p.row is None or p.row == 1 for p in error.problems):
            raise ImportFailed(error.problems, error.more) from None
        return error
    return None


def _checked(folder: Path, scheme: Scheme, found: StudyDataError | None) -> Plan:
    """Check the folder against the new scheme's stages and questionnaires.

    Raises ImportFailed with the reader's problems (``found``) and these checks' in one
    list, file by file; a row and column the reader already faulted is not faulted twice.
    """
    stages = list(
        Stage.objects.filter(scheme=scheme).order_by("position").values_list("timepoint", flat=True)
    )
    instruments = {
        (si.role, si.stage.timepoint): si.version.instrument
        for si in SchemeInstrument.objects.filter(scheme=scheme, enabled=True).select_related(
            "stage", "version"
        )
    }
    log = ProblemLog()
    try:
        plan = check_folder(
            folder,
            log,
            stages=stages,
            instruments=instruments,
            domains=SchemeInstrument(scheme=scheme).domains(),
        )
    except csv.Error as error:  # a value longer than the csv module reads (131,072 characters)
        message = f"cannot be read as CSV ({error}): shorten the longest values"
        raise ImportFailed([Problem("study data folder", None, None, message)]) from None
    problems = list(found.problems) if found else []
    faulted = {(p.file, p.row, p.column) for p in problems}
    problems += [p for p in log.problems if (p.file, p.row, p.column) not in faulted]
    if problems:
        order = {name: i for i, name in enumerate(unzip.FOLDER_FILES)}
        problems.sort(key=lambda p: (order.get(p.file, len(order)), p.row or 0))
        raise ImportFailed(problems, log.more + (found.more if found else 0))
    return plan


def _people(scheme: Scheme, plan: Plan, now: datetime) -> dict[str, Participant]:
    """Accounts that cannot sign in, participants, and their imported consent."""
    users = User.objects.bulk_create(
        User(
            email=f"scheme-{scheme.pk}-participant-{n}@{IMPORTED_DOMAIN}",
            full_name=f"Imported participant {person.research_id}",
            is_active=False,
            password=make_password(None),
        )
        for n, person in enumerate(plan.people, start=1)
    )
    user_of = {p.research_id: u for p, u in zip(plan.people, users, strict=True)}
    today = timezone.localdate(now)
    found: dict[str, Participant] = {}
    # Mentees first: a mentor's clinical supervisor is one of them.
    for role in (ParticipantRole.MENTEE, ParticipantRole.MENTOR):
        made = Participant.objects.bulk_create(
            Participant(
                scheme=scheme,
                user=user_of[p.research_id],
                role=role,
                sex=p.sex,
                age=p.age,
                years_as_consultant=p.years_as_consultant,
                previous_mentoring=p.previous_mentoring,
                supervisor=found.get(plan.supervisors.get(p.research_id, "")),
                status=ParticipantStatus.WITHDRAWN if p.withdrawn else ParticipantStatus.ACTIVE,
                withdrawn_on=today if p.withdrawn else None,
                withdrawn_reason=WITHDRAWN_REASON if p.withdrawn else "",
                research_id=p.research_id,
                imported=True,
            )
            for p in plan.people
            if p.role == role
        )
        found.update({pseudonym(p): p for p in made})
    Consent.objects.bulk_create(
        Consent(
            participant=p,
            information_sheet_version=IMPORTED_CONSENT,
            take_part=True,
            research_use=True,
        )
        for p in found.values()
    )
    return found


def _answers(
    scheme: Scheme, plan: Plan, people: dict[str, Participant], now: datetime
) -> dict[tuple[str, str, str], int]:
    """Stages relabelled and open, one submitted response per questionnaire answered.

    Returns the pk of each answer by (research ID, time point, item).
    """
    stages = {s.timepoint: s for s in Stage.objects.filter(scheme=scheme)}
    for timepoint, label in plan.labels.items():
        if stages[timepoint].label != label:
            Stage.objects.filter(pk=stages[timepoint].pk).update(label=label)
    Stage.objects.filter(scheme=scheme).update(opened_at=now)
    instruments = {
        (si.stage_id, si.role): si for si in SchemeInstrument.objects.filter(scheme=scheme)
    }
    keys = list(plan.answers)
    chosen = [instruments[(stages[tp].pk, people[pid].role)] for pid, tp in keys]
    responses = Response.objects.bulk_create(
        Response(
            participant=people[pid],
            stage=stages[timepoint],
            scheme_instrument=instrument,
            version_id=instrument.version_id,
            status=Response.Status.SUBMITTED,
            submitted_at=now,
        )
        for (pid, timepoint), instrument in zip(keys, chosen, strict=True)
    )
    items = [(key, item, value) for key in keys for item, value in plan.answers[key].items()]
    by_key = dict(zip(keys, responses, strict=True))
    answers = Answer.objects.bulk_create(
        Answer(response=by_key[key], name=item, value=value) for key, item, value in items
    )
    return {(*key, item): a.pk for (key, item, _v), a in zip(items, answers, strict=True)}


def _sessions(
    actor: User, scheme: Scheme, plan: Plan, people: dict[str, Participant], now: datetime
) -> None:
    """One published allocation of the imported pairs, each with its held session."""
    if not plan.sessions:
        return
    record: dict[str, Any] = {
        "imported": "study data folder",
        "algorithm": IMPORTED_ALGORITHM,
        "pairs": [
            {"mentor_id": f"p{people[s.mentor].pk}", "mentee_id": f"p{people[s.mentee].pk}"}
            for s in plan.sessions
        ],
        "unmatched": [],
    }
    allocation = Allocation.objects.create(
        scheme=scheme,
        number=1,
        seed=0,
        algorithm=IMPORTED_ALGORITHM,
        inputs_sha256=hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest(),
        record=record,
        capacity=max(Counter(s.mentee for s in plan.sessions).values()),
        reason="Imported from a study data folder",
        status=Allocation.Status.PUBLISHED,
        created_by=actor,
        published_at=now,
        published_by=actor,
    )
    pairs = Pair.objects.bulk_create(
        Pair(allocation=allocation, mentor=people[s.mentor], mentee=people[s.mentee])
        for s in plan.sessions
    )
    places = {"online": ONLINE, "in person": IN_PERSON, "": ""}
    Meeting.objects.bulk_create(
        Meeting(
            pair=pair,
            held=True,
            duration_minutes=s.minutes,
            starts_at=(
                timezone.make_aware(datetime.combine(s.held_on, time(12)))
                if s.held_on is not None
                else None
            ),
            place=places[s.mode],
            logged_at=now,
        )
        for pair, s in zip(pairs, plan.sessions, strict=True)
    )


@transaction.atomic
def study_import(
    *,
    actor: User,
    organisation: Organisation,
    name: str,
    specialty: str,
    upload: BinaryIO,
    upload_name: str = "The zip file",
) -> Imported:
    """Create a scheme from the study data folder zipped in ``upload``; the actor leads it.

    ``upload_name`` names the upload in problems. Raises ImportFailed, creating nothing,
    with every problem of the folder (file, row, what to fix); ServiceError if the actor
    may not create a scheme in ``organisation``. The audit trail records the scheme's
    creation and the import, with counts only. The number of queries does not grow with
    the number of rows (bulk inserts), only with the number of codes.
    """
    if not scheme_selectors.organisations_for_new_scheme(actor).filter(pk=organisation.pk).exists():
        raise ServiceError("You cannot create schemes in this organisation.")
    with tempfile.TemporaryDirectory(prefix="revmentor-import-") as tmp:
        folder = Path(tmp)
        found = _unpacked(upload, folder, upload_name)
        # The scheme is made first so the rows are checked against its own stages and
        # questionnaires; on any problem the transaction takes it away again.
        scheme = scheme_services.scheme_create(
            actor=actor, organisation=organisation, name=name, specialty=specialty
        )
        plan = _checked(folder, scheme, found)
    now = timezone.now()
    people = _people(scheme, plan, now)
    answer_pks = _answers(scheme, plan, people, now)
    Willingness.objects.bulk_create(
        Willingness(mentor=people[m], mentee=people[e], willing=w) for m, e, w in plan.willing
    )
    _sessions(actor, scheme, plan, people, now)
    applied = 0
    if plan.codebook or plan.applied:
        applied = coding_services.coding_import(
            actor=actor,
            codebook=coding_selectors.codebook_of(scheme),
            codes=plan.codebook,
            applied=[(answer_pks[(pid, tp, item)], code) for pid, tp, item, code in plan.applied],
        )
    planner.analyse_after_commit(
        [User, Participant, Consent, Response, Answer, Willingness, Pair, Meeting, Coding, Decision]
    )
    PhaseTransition.objects.create(
        scheme=scheme, from_phase=scheme.phase, to_phase=Phase.ANALYSIS, by=actor
    )
    scheme.phase = Phase.ANALYSIS
    scheme.save(update_fields=["phase"])
    imported = Imported(
        scheme=scheme,
        participants=len(people),
        answers=len(answer_pks),
        willingness=len(plan.willing),
        sessions=len(plan.sessions),
        codes=applied,
    )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=scheme,
        summary=(
            f"Imported a study data folder: {imported.participants} participants, "
            f"{imported.answers} answers, {imported.willingness} willingness answers, "
            f"{imported.sessions} sessions, {imported.codes} codes applied"
        ),
        scheme_id=scheme.pk,
    )
    return imported


__all__ = ["IMPORTED_CONSENT", "IMPORTED_DOMAIN", "ImportFailed", "Imported", "study_import"]
