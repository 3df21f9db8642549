"""The study data folder (format version 1, see PRODUCT.md) of one scheme, pseudonymised.

Who is in it: everyone whose current consent says they agreed to take part is a row of
``participants.csv`` (so the counts of the Results match the people taking part), but
only the answers of those whose current consent also allows research use
(``research_use``) are exported: their questionnaire answers (``responses.csv``) and,
for mentors, their willingness (``willingness.csv``). A session is a fact about a pair,
not an answer, so ``sessions.csv`` holds every held session whose mentor and mentee are
both in ``participants.csv``. Nobody outside ``participants.csv`` appears anywhere, so
``revmentor analyse`` reads the folder back without unknown participants.

Every file is built by the existing writers (``instruments.studyfolder``,
``feedback.willingness``, ``meetings.export``); the per-file export services audit each
download, so here the row functions are called and the zip is audited once.

The pooled folder of several schemes (:func:`pooled_folder`) is their folders put
together by ``research.pooling``, with a ``scheme`` column in ``participants.csv``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from django.db import transaction

from revmentor.coding import selectors as coding_selectors
from revmentor.core import audit
from revmentor.core.archive import folder_zip
from revmentor.core.models import AuditEvent, User
from revmentor.core.spreadsheet import csv_row
from revmentor.feedback import willingness
from revmentor.instruments import studyfolder
from revmentor.meetings import export as meetings_export
from revmentor.questionnaires import selectors as questionnaire_selectors
from revmentor.questionnaires.interchange import pseudonym
from revmentor.questionnaires.models import Response, SchemeInstrument, Stage
from revmentor.research import pooling
from revmentor.research.pooling import PoolingError
from revmentor.schemes import selectors as scheme_selectors
from revmentor.schemes.models import Participant, Scheme

PARTICIPANTS_COLUMNS = (
    "participant_id",
    "role",
    "sex",
    "age",
    "years_as_consultant",
    "previous_mentor",
    "status",
)
CODES_COLUMNS = ("participant_id", "role", "timepoint", "item", "code")
CODEBOOK_COLUMNS = ("code", "label", "parent", "description")
FILES = (
    "participants.csv",
    "responses.csv",
    "timepoints.csv",
    "sessions.csv",
    "willingness.csv",
    "codes.csv",
    "codebook.csv",
)


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """Return a CSV file (UTF-8, ``\\n`` line ends, header row) as bytes.

    Text a spreadsheet would run as a formula gets a leading apostrophe
    (:func:`revmentor.core.spreadsheet.csv_text`).
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(csv_row(row) for row in rows)
    return out.getvalue().encode("utf-8")


def _blank(value: object) -> str:
    """Return ``value`` as text, ``None`` as empty."""
    return "" if value is None else str(value)


def _participants_csv(people: Sequence[Participant]) -> bytes:
    """``participants.csv``: research ID, role, demographics and status; no name or email.

    Rows are sorted by research ID, so their order says nothing about names.
    """
    rows = sorted(
        (
            pseudonym(p),
            p.role,
            "" if p.sex == "not_said" else p.sex,
            _blank(p.age),
            _blank(p.years_as_consultant),
            "" if p.previous_mentoring is None else ("yes" if p.previous_mentoring else "no"),
            p.status,
        )
        for p in people
    )
    return _csv(PARTICIPANTS_COLUMNS, rows)


def _stages(scheme: Scheme) -> list[tuple[str, str]]:
    """The scheme's time points and labels in chronological order (one query)."""
    return list(
        Stage.objects.filter(scheme=scheme).order_by("position").values_list("timepoint", "label")
    )


def _responses_csv(scheme: Scheme, submitted: list[Response], timepoints: list[str]) -> bytes:
    """``responses.csv``: the answers of the ``submitted`` responses (no query)."""
    domains = SchemeInstrument(scheme=scheme).domains()
    rows = [
        row
        for response in submitted
        for row in studyfolder.answer_rows(
            pseudonym(response.participant),
            response.version.instrument,
            domains,
            {a.name: a.value for a in response.answers.all()},
        )
    ]
    out = io.StringIO()
    studyfolder.write_responses_csv(rows, out, timepoints=timepoints)
    return out.getvalue().encode("utf-8")


def _timepoints_csv(stages: list[tuple[str, str]]) -> bytes:
    """``timepoints.csv``: every stage of the scheme, in order."""
    out = io.StringIO()
    studyfolder.write_timepoints_csv(stages, out)
    return out.getvalue().encode("utf-8")


def _sessions_csv(scheme: Scheme, ids: set[str]) -> bytes:
    """``sessions.csv``: held sessions of published pairs whose two people are in ``ids``."""
    rows = [row for row in meetings_export.session_rows(scheme) if row[0] in ids and row[1] in ids]
    return _csv(meetings_export.COLUMNS, rows)


def _willingness_csv(scheme: Scheme, mentor_ids: set[str], ids: set[str]) -> bytes:
    """``willingness.csv``: answers of mentors in ``mentor_ids`` about mentees in ``ids``."""
    rows = [
        row
        for row in willingness.willingness_rows(scheme, pseudonym)
        if row[0] in mentor_ids and row[1] in ids
    ]
    return _csv(willingness.CSV_COLUMNS, rows)


def study_folder(scheme: Scheme) -> dict[str, bytes]:
    """Return every file of the scheme's study data folder: ``{file name: content}``.

    The files are those of :data:`FILES`; ``codes.csv`` and ``codebook.csv`` hold the
    final coding of the coding workspace (``coding.selectors``). Who is included is
    described in the module docstring. Not audited: :func:`study_folder_zip` audits a
    download; the Results page reads the folder without handing it out. A fixed number
    of queries whatever the scheme's size.
    """
    people = scheme_selectors.consenting_participants(scheme)
    ids = {pseudonym(p) for p in people}
    research = [p for p in people if getattr(p, "research_use", False)]
    stages = _stages(scheme)
    mentor_ids = {pseudonym(p) for p in research if p.is_mentor}
    submitted = questionnaire_selectors.submitted_responses(scheme, {p.pk for p in research})
    free_text = coding_selectors.free_text_answers(scheme, submitted)
    return {
        "participants.csv": _participants_csv(people),
        "responses.csv": _responses_csv(scheme, submitted, [tp for tp, _label in stages]),
        "timepoints.csv": _timepoints_csv(stages),
        "sessions.csv": _sessions_csv(scheme, ids),
        "willingness.csv": _willingness_csv(scheme, mentor_ids, ids),
        "codes.csv": _csv(
            CODES_COLUMNS,
            coding_selectors.codes_csv_rows(scheme, free_text),
        ),
        "codebook.csv": _csv(CODEBOOK_COLUMNS, coding_selectors.codebook_csv_rows(scheme)),
    }


def study_folder_zip(*, actor: User, scheme: Scheme) -> bytes:
    """Return the scheme's study data folder as a zip, recording the export once.

    The files sit in a folder named after the scheme's number (``scheme-<pk>/``), so
    unzipping gives a folder ``revmentor analyse`` reads directly.
    """
    files = study_folder(scheme)
    content = folder_zip(folder_name(scheme), files)
    audit.record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        obj=scheme,
        summary=f"Exported the study data folder ({', '.join(files)})",
        scheme_id=scheme.pk,
    )
    return content


def folder_name(scheme: Scheme) -> str:
    """The study folder's name for the scheme: no name of a person, only its number.

    Also the scheme's label in the ``scheme`` column of a pooled folder.
    """
    return f"scheme-{scheme.pk}"


def _by_pk(schemes: Iterable[Scheme]) -> list[Scheme]:
    """Return the schemes in order of number; raise PoolingError for none or a repeat."""
    ordered = sorted(schemes, key=lambda s: s.pk)
    if not ordered:
        raise PoolingError("Select two or more schemes to analyse together.")
    if len({s.pk for s in ordered}) != len(ordered):
        raise PoolingError("A scheme was chosen twice; choose each scheme once.")
    return ordered


def pooled_folder(schemes: Iterable[Scheme]) -> dict[str, bytes]:
    """Return the study data folder of several schemes analysed together.

    Each scheme's folder (:func:`study_folder`, so the same people and answers) is
    pooled by :func:`revmentor.research.pooling.pool_files`, in order of scheme number:
    the files' rows one scheme after another, a ``scheme`` column in
    ``participants.csv`` holding :func:`folder_name` (``scheme-<pk>``, nothing that names
    a person or a trust), the time points merged in one chronological order. Raises
    PoolingError (message for the user) for no scheme, a scheme given twice, or schemes
    whose time points come in contradicting orders. Not audited (see
    :func:`pooled_folder_zip`); a fixed number of queries per scheme, whatever its size.
    """
    ordered = _by_pk(schemes)
    return pooling.pool_files(
        {folder_name(s): study_folder(s) for s in ordered},
        names={folder_name(s): s.name for s in ordered},
    )


def pooled_folder_name(schemes: Iterable[Scheme]) -> str:
    """The pooled folder's name: ``pooled-`` and the schemes' numbers (``pooled-3-7``)."""
    return "pooled-" + "-".join(str(s.pk) for s in sorted(schemes, key=lambda s: s.pk))


@transaction.atomic
def pooled_folder_zip(*, actor: User, schemes: Iterable[Scheme]) -> bytes:
    """Return the pooled study data folder of ``schemes`` as a zip, recording the export.

    The files sit in a folder :func:`pooled_folder_name`. One download is recorded once
    for each scheme pooled (an ``EXPORT`` event with that ``scheme_id``, naming every
    scheme of the pool), so each scheme's audit trail shows that its data left, and with
    what. Raises PoolingError, recording nothing, when the schemes cannot be pooled.
    """
    ordered = _by_pk(schemes)
    files = pooled_folder(ordered)
    content = folder_zip(pooled_folder_name(ordered), files)
    pool = ", ".join(folder_name(s) for s in ordered)
    for scheme in ordered:
        audit.record(
            actor=actor,
            action=AuditEvent.Action.EXPORT,
            obj=scheme,
            summary=f"Exported the pooled study data folder of {pool}",
            scheme_id=scheme.pk,
        )
    return content


__all__ = [
    "FILES",
    "PoolingError",
    "folder_name",
    "pooled_folder",
    "pooled_folder_name",
    "pooled_folder_zip",
    "study_folder",
    "study_folder_zip",
]
