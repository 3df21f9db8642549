"""Adding many participants at once from a CSV file: every row checked, then all or none.

Columns (header row required, any order, case-insensitive):
``full_name, email, role`` and optionally ``grade, sex, age, years_as_consultant,
previous_mentoring, supervisor_email``. Row numbers count the header as row 1, as a
spreadsheet does.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import IO, Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models.functions import Lower

from revmentor.core import audit, planner
from revmentor.core.models import AuditEvent, User
from revmentor.schemes import services
from revmentor.schemes.forms import ParticipantAddForm
from revmentor.schemes.models import Grade, Participant, ParticipantRole, Scheme, Sex

REQUIRED_COLUMNS = ("full_name", "email", "role")
OPTIONAL_COLUMNS = (
    "grade",
    "sex",
    "age",
    "years_as_consultant",
    "previous_mentoring",
    "supervisor_email",
)
_GRADE_BY_LABEL = {label.lower(): value for value, label in Grade.choices}
_SEX_BY_LABEL = {label.lower(): value for value, label in Sex.choices}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}" if self.row else "The file"
        column = f", column “{self.column}”" if self.column else ""
        return f"{where}{column}: {self.message}"


class ImportFailed(Exception):
    """Nothing was imported; ``errors`` lists every problem found."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the file")
        self.errors = errors


def _decode(stream: IO[bytes]) -> str:
    raw = stream.read()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFailed(
            [RowError(0, "", "Save the file as CSV UTF-8 and upload it again")]
        ) from None


def _normalise(row: dict[str, str]) -> dict[str, str]:
    data = {key: (value or "").strip() for key, value in row.items()}
    data["role"] = data.get("role", "").lower()
    for column, by_label in (("grade", _GRADE_BY_LABEL), ("sex", _SEX_BY_LABEL)):
        value = data.get(column, "")
        data[column] = by_label.get(value.lower(), value.lower().replace(" ", "_"))
    data["previous_mentoring"] = data.get("previous_mentoring", "").lower()
    return data


def parse(stream: IO[bytes]) -> list[tuple[int, dict[str, Any]]]:
    """Check every row and return ``(row number, cleaned data)`` for each.

    Raises ImportFailed listing every problem (file, row, column) if any row is bad.
    """
    text = _decode(stream)
    try:
        records = list(csv.reader(io.StringIO(text)))
    except csv.Error as error:  # a value longer than the csv module allows, say
        raise ImportFailed(
            [RowError(0, "", f"It cannot be read as CSV ({error}): check it and save it again")]
        ) from None
    # Rows are numbered as a spreadsheet shows them: blank rows (and rows of empty cells,
    # which spreadsheets write as ",,") count but are skipped, and a value with a line
    # break inside it is one row.
    numbered = [
        (number, cells)
        for number, cells in enumerate(records, start=1)
        if any(cell.strip() for cell in cells)
    ]
    header_row, header_cells = numbered[0] if numbered else (1, [])
    header = [name.strip().lower() for name in header_cells]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise ImportFailed(
            [
                RowError(header_row, column, "This column is missing from the header row")
                for column in missing
            ]
        )
    unknown = [c for c in header if c and c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    errors = [
        RowError(header_row, column, "Unknown column: remove it or fix its name")
        for column in unknown
    ]
    rows: list[tuple[int, dict[str, Any]]] = []
    emails: dict[str, int] = {}
    for number, cells in numbered[1:]:
        if any(cell.strip() for cell in cells[len(header) :]):
            errors.append(RowError(number, "", "This row has more values than the header"))
            continue
        raw = dict(zip(header, cells, strict=False))
        data = _normalise(raw)
        form = ParticipantAddForm(data)
        if not form.is_valid():
            for field, messages in form.errors.items():
                errors.extend(RowError(number, field, str(m)) for m in messages)
            continue
        cleaned = dict(form.cleaned_data)
        email = cleaned["email"].lower()
        if email in emails:
            errors.append(RowError(number, "email", f"{email} is already on row {emails[email]}"))
            continue
        emails[email] = number
        cleaned["supervisor_email"] = data.get("supervisor_email", "").lower()
        rows.append((number, cleaned))
    if not rows and not errors:
        errors.append(RowError(0, "", "The file has no rows under the header"))
    if errors:
        raise ImportFailed(errors)
    return rows


def import_participants(*, actor: User, scheme: Scheme, stream: IO[bytes]) -> list[Participant]:
    """Add every row of the CSV to the scheme, or nothing if any row is bad.

    Supervisors (``supervisor_email``) may be mentees in the same file or already in the
    scheme. Raises ImportFailed listing every problem; the database is then unchanged.
    """
    rows = parse(stream)
    errors: list[RowError] = []
    existing = set(
        User.objects.filter(participations__scheme=scheme).values_list("email", flat=True)
    )
    for number, data in rows:
        if data["email"].lower() in existing:
            errors.append(RowError(number, "email", f"{data['email']} already takes part"))
    mentee_emails = {d["email"].lower() for _, d in rows if d["role"] == ParticipantRole.MENTEE}
    mentee_emails |= set(
        Participant.objects.filter(scheme=scheme, role=ParticipantRole.MENTEE).values_list(
            "user__email", flat=True
        )
    )
    for number, data in rows:
        supervisor = data["supervisor_email"]
        if not supervisor:
            continue
        if data["role"] != ParticipantRole.MENTOR:
            errors.append(RowError(number, "supervisor_email", "Only mentors have a supervisor"))
        elif supervisor not in mentee_emails:
            errors.append(
                RowError(number, "supervisor_email", f"{supervisor} is not a mentee of the scheme")
            )
    if errors:
        raise ImportFailed(errors)

    with transaction.atomic():
        added = _add_everyone(actor, scheme, rows)
        planner.analyse_after_commit([User, Participant, AuditEvent])
    return added


def _add_everyone(
    actor: User, scheme: Scheme, rows: list[tuple[int, dict[str, Any]]]
) -> list[Participant]:
    """Add the checked rows as ``services.participant_add`` adds one, in a few bulk writes.

    Row by row, a file of thousands took longer than a request may (about ten round
    trips a person). The number of queries here does not grow with the rows. Each person's
    account is found by email (its blank name filled from the file) or made without a
    password; each participant gets a random research ID and their own audit event.
    """
    fields = ("grade", "sex", "age", "years_as_consultant", "previous_mentoring")
    emails = [User.objects.normalize_email(data["email"]).lower() for _, data in rows]
    accounts: dict[str, User] = {
        user.email.lower(): user
        for user in User.objects.annotate(lowered=Lower("email")).filter(lowered__in=emails)
    }
    named = []
    for email, (_number, data) in zip(emails, rows, strict=True):
        user = accounts.get(email)
        if user is not None and not user.full_name and data["full_name"]:
            user.full_name = data["full_name"].strip()
            named.append(user)
    User.objects.bulk_update(named, ["full_name"])
    made = User.objects.bulk_create(
        User(email=email, full_name=data["full_name"].strip(), password=make_password(None))
        for email, (_number, data) in zip(emails, rows, strict=True)
        if email not in accounts
    )
    accounts.update({user.email: user for user in made})

    by_email: dict[str, Participant] = {
        p.user.email.lower(): p
        for p in Participant.objects.filter(
            scheme=scheme, role=ParticipantRole.MENTEE
        ).select_related("user")
    }
    # Mentees first, so mentors can name them as supervisors.
    groups = [
        [
            (email, data)
            for email, (_number, data) in zip(emails, rows, strict=True)
            if data["role"] == role
        ]
        for role in (ParticipantRole.MENTEE, ParticipantRole.MENTOR)
    ]
    roles = [data["role"] for people in groups for _email, data in people]
    research_ids = iter(services.new_research_ids(scheme, roles))
    added: list[Participant] = []
    for role, people in zip((ParticipantRole.MENTEE, ParticipantRole.MENTOR), groups, strict=True):
        participants = Participant.objects.bulk_create(
            Participant(
                scheme=scheme,
                user=accounts[email],
                role=role,
                research_id=next(research_ids),
                supervisor=by_email.get(data["supervisor_email"]),
                **{field: data[field] for field in fields},
            )
            for email, data in people
        )
        by_email.update(zip((email for email, _data in people), participants, strict=True))
        added += participants
    audit.record_each(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        events=[(p, f"Added {ParticipantRole(p.role).label.lower()}") for p in added],
        scheme_id=scheme.pk,
    )
    return added
