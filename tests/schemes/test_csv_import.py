from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from revmentor.core.models import AuditEvent, User
from revmentor.schemes import csv_import
from revmentor.schemes.models import Participant, ParticipantRole, Scheme, StaffRole
from tests.factories import MembershipFactory, ParticipantFactory, SchemeFactory, UserFactory

HEADER = (
    "full_name,email,role,grade,sex,age,years_as_consultant,previous_mentoring,supervisor_email\n"
)
MENTEES = [
    f"Dr Consultant {i},c{i}@nhs.net,mentee,consultant,male,{40 + i},{5 + i},yes,\n"
    for i in range(5)
]
MENTORS = [
    f"Dr Fellow {i},f{i}@nhs.net,mentor,clinical fellow,female,{31 + i},,no,c{i % 5}@nhs.net\n"
    for i in range(6)
]
GOOD = HEADER + "".join(MENTORS) + "".join(MENTEES)  # mentors first: order must not matter


def _stream(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode("utf-8"))


def test_a_good_file_adds_everyone_with_their_supervisors(lead: User, scheme: Scheme) -> None:
    added = csv_import.import_participants(actor=lead, scheme=scheme, stream=_stream(GOOD))
    assert len(added) == 11
    fellow = Participant.objects.get(user__email="f5@nhs.net")
    assert fellow.supervisor is not None and fellow.supervisor.user.email == "c0@nhs.net"
    assert fellow.grade == "clinical_fellow" and fellow.sex == "female" and fellow.age == 36
    consultant = Participant.objects.get(user__email="c3@nhs.net")
    assert consultant.years_as_consultant == 8 and consultant.previous_mentoring is True


def test_each_person_is_added_as_one_by_one_adding_would_add_them(
    lead: User, scheme: Scheme
) -> None:
    """Accounts found by email in any case, research IDs, supervisors, one event each."""
    known = UserFactory(email="C1@NHS.net", full_name="")  # their account, no name yet
    named = UserFactory(email="f0@nhs.net", full_name="Dr Already Named")
    elsewhere = ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTEE)
    text = GOOD.replace(",c4@nhs.net\n", f",{elsewhere.user.email}\n")  # a mentee already in

    added = csv_import.import_participants(actor=lead, scheme=scheme, stream=_stream(text))

    assert [p.role for p in added] == ["mentee"] * 5 + ["mentor"] * 6
    known.refresh_from_db()
    named.refresh_from_db()
    assert known.full_name == "Dr Consultant 1" and named.full_name == "Dr Already Named"
    assert {p.user_id for p in added} >= {known.pk, named.pk}
    new = User.objects.get(email="f3@nhs.net")
    assert new.full_name == "Dr Fellow 3" and not new.has_usable_password()
    ids = [p.research_id for p in Participant.objects.filter(scheme=scheme)]
    assert len(set(ids)) == len(ids) == 12
    for participant in added:
        stored = Participant.objects.get(pk=participant.pk)
        prefix = "M" if stored.role == ParticipantRole.MENTOR else "C"
        assert re.fullmatch(prefix + r"-[0-9a-f]{12}", stored.research_id)
    fellow = Participant.objects.get(user__email="f4@nhs.net")
    assert fellow.supervisor == elsewhere
    events = AuditEvent.objects.filter(scheme_id=scheme.pk, object_type="schemes.Participant")
    assert sorted((e.object_id, e.summary, e.actor_id) for e in events) == sorted(
        (str(p.pk), f"Added {p.role}", lead.pk) for p in added
    )


def test_the_number_of_queries_does_not_grow_with_the_rows(lead: User, scheme: Scheme) -> None:
    """Row by row, a file of thousands took longer than a request may."""
    counts = []
    for n, other in ((4, "Small"), (40, "Large")):
        mentees = [f"Dr C{i},{other}c{i}@nhs.net,mentee,consultant,,,,,\n" for i in range(n)]
        mentors = [
            f"Dr F{i},{other}f{i}@nhs.net,mentor,,,,,,{other}c{i}@nhs.net\n" for i in range(n)
        ]
        target = SchemeFactory(name=other, organisation=scheme.organisation)
        MembershipFactory(scheme=target, user=lead, role=StaffRole.LEAD)
        stream = _stream(HEADER + "".join(mentors + mentees))
        with CaptureQueriesContext(connection) as queries:
            added = csv_import.import_participants(actor=lead, scheme=target, stream=stream)
        assert len(added) == 2 * n
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_one_bad_row_imports_nothing_and_names_the_row_and_column(
    lead: User, scheme: Scheme
) -> None:
    bad = GOOD.replace(
        "Dr Fellow 2,f2@nhs.net,mentor,clinical fellow,female,33",
        "Dr Fellow 2,f2@nhs.net,mentor,clinical fellow,female,twelve",
    )
    events_before = AuditEvent.objects.count()
    with pytest.raises(csv_import.ImportFailed) as failure:
        csv_import.import_participants(actor=lead, scheme=scheme, stream=_stream(bad))
    assert [str(e) for e in failure.value.errors] == [
        "Row 4, column “age”: Enter age as a whole number, like 34"
    ]
    assert not Participant.objects.exists()
    assert AuditEvent.objects.count() == events_before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "full_name,role\nA,mentor\n",
            "Row 1, column “email”: This column is missing from the header row",
        ),
        (
            HEADER + "A,a@nhs.net,boss,,,,,,\n",
            "Row 2, column “role”: Use mentor or mentee for the role, not “boss”",
        ),
        (
            HEADER + "A,a@nhs.net,mentee,FY3,,,,,\n",
            "Row 2, column “grade”: Use foundation, core, specialty, clinical_fellow, "
            "specialty_doctor or consultant for the grade, not “fy3”",
        ),
        (
            HEADER + "A,a@nhs.net,mentee,,,,,maybe,\n",
            "Row 2, column “previous_mentoring”: Use yes or no for has mentored before "
            "(or leave it empty), not “maybe”",
        ),
        (
            HEADER + "A,a@nhs.net,mentor,,,,,,\nB,A@nhs.net,mentor,,,,,,\n",
            "Row 3, column “email”: a@nhs.net is already on row 2",
        ),
        (
            HEADER + "A,a@nhs.net,mentor,,,,,,z@nhs.net\n",
            "Row 2, column “supervisor_email”: z@nhs.net is not a mentee of the scheme",
        ),
        (
            HEADER + "A,a@nhs.net,mentor,,,,7,,\n",
            "Row 2, column “years_as_consultant”: Leave years as consultant empty for a mentor",
        ),
        (
            HEADER + "A,not-an-email,mentee,,,,,,\n",
            "Row 2, column “email”: Enter an email address in the correct format, like name@nhs.net",
        ),
        (HEADER, "The file: The file has no rows under the header"),
        (HEADER + ",,,,,,,,\n\n", "The file: The file has no rows under the header"),
        (
            HEADER + "A,a@nhs.net,mentor,,,,,,,extra\n",
            "Row 2: This row has more values than the header",
        ),
    ],
)
def test_bad_files_are_rejected_with_a_message_that_says_what_to_fix(
    lead: User, scheme: Scheme, text: str, expected: str
) -> None:
    with pytest.raises(csv_import.ImportFailed) as failure:
        csv_import.import_participants(actor=lead, scheme=scheme, stream=_stream(text))
    assert expected in [str(e) for e in failure.value.errors]
    assert not Participant.objects.exists()


def test_rows_are_numbered_as_a_spreadsheet_shows_them(lead: User, scheme: Scheme) -> None:
    """Blank rows (empty lines, or ",,," as spreadsheets save them) count and are skipped;
    a value with a line break inside it is one row; empty cells past the header are fine."""
    text = (
        "\n"  # a blank row above the header
        + HEADER
        + "\n"
        + ",,,,,,,,\n"
        + '"Dr A\nSecond line",a@nhs.net,mentor,,,,,,,,\n'  # row 5: two lines, one row
        + "Dr B,bad-email,mentor,,,,,,\n"  # row 6
    )
    with pytest.raises(csv_import.ImportFailed) as failure:
        csv_import.import_participants(actor=lead, scheme=scheme, stream=_stream(text))
    assert [str(e) for e in failure.value.errors] == [
        "Row 6, column “email”: Enter an email address in the correct format, like name@nhs.net"
    ]
    assert not Participant.objects.exists()

    rows = csv_import.parse(_stream(text.replace("bad-email", "b@nhs.net")))
    assert [(number, data["email"]) for number, data in rows] == [
        (5, "a@nhs.net"),
        (6, "b@nhs.net"),
    ]


def test_a_file_that_is_not_utf8_is_rejected(lead: User, scheme: Scheme) -> None:
    with pytest.raises(csv_import.ImportFailed, match="problem"):
        csv_import.import_participants(
            actor=lead,
            scheme=scheme,
            stream=io.BytesIO((HEADER + "Zoë,z@nhs.net,mentee,,,,,,\n").encode("latin-1")),
        )


def test_upload_page_lists_every_problem_and_imports_nothing(
    client_for: Callable[[User | None], Client], lead: User, scheme: Scheme
) -> None:
    bad = GOOD.replace("c1@nhs.net,mentee", "c1@nhs.net,consultant")
    upload = SimpleUploadedFile("people.csv", bad.encode(), content_type="text/csv")
    response = client_for(lead).post(
        reverse("schemes:participant_import", args=[scheme.pk]), {"file": upload}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nothing was imported" in body
    assert "Row 9, column “role”" in body
    assert not Participant.objects.exists()


def test_upload_page_adds_everyone_from_a_good_file(
    client_for: Callable[[User | None], Client], lead: User, scheme: Scheme
) -> None:
    upload = SimpleUploadedFile("people.csv", GOOD.encode(), content_type="text/csv")
    response = client_for(lead).post(
        reverse("schemes:participant_import", args=[scheme.pk]), {"file": upload}
    )
    assert response.status_code == 302
    assert Participant.objects.filter(scheme=scheme).count() == 11
