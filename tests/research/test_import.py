"""Importing a study data folder into a new scheme: round trip, all or nothing, access.

The round trip is the contract: a scheme's folder, imported and exported again, gives
the same files byte for byte. A folder the command line analyses gives, imported, the
same Results. A folder with any problem creates nothing at all, and each problem names
its file and row.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from sesame.utils import get_query_string

from revmentor.allocation.models import Allocation
from revmentor.allocation.services import allocation_verify
from revmentor.analysis.cli import main as analyse_main
from revmentor.coding import selectors as coding_selectors
from revmentor.coding import services as coding_services
from revmentor.core.models import AuditEvent, User
from revmentor.feedback.models import Willingness
from revmentor.meetings.models import Meeting
from revmentor.questionnaires.interchange import pseudonym
from revmentor.questionnaires.models import Answer, Stage
from revmentor.research import export, importer, selectors
from revmentor.research.importer import ImportFailed
from revmentor.research.unzip import MAX_UNPACKED_BYTES
from revmentor.schemes import services as scheme_services
from revmentor.schemes.models import (
    Organisation,
    OrganisationMember,
    Participant,
    Phase,
    Scheme,
    StaffRole,
)
from revmentor.schemes.services import ServiceError
from tests.analysis.conftest import Row, write_study
from tests.meetings.conftest import local
from tests.research.study_files import csv_bytes, platform_paper_rows
from tests.statistics import on_postgresql, planned_rows

# --- helpers -----------------------------------------------------------------------------


def _zip(files: dict[str, bytes], folder: str = "study") -> io.BytesIO:
    """The files zipped inside ``folder/`` (at the top level when ``folder`` is empty)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(f"{folder}/{name}" if folder else name, content)
    buffer.seek(0)
    return buffer


def _lead_of(scheme: Scheme) -> User:
    return scheme.memberships.get(role=StaffRole.LEAD).user


def _import(actor: User, upload: io.BytesIO, organisation: Organisation) -> importer.Imported:
    return importer.study_import(
        actor=actor,
        organisation=organisation,
        name="Imported study",
        specialty="Gastroenterology",
        upload=upload,
        upload_name="study.zip",
    )


def _counts() -> dict[str, int]:
    """How many rows every model of every app holds (but signed-in sessions)."""
    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.label != "sessions.Session"
    }


def _failure(actor: User, upload: io.BytesIO, organisation: Organisation) -> list[str]:
    """Import, expecting it to fail and change nothing; return the problems as text."""
    before = _counts()
    with pytest.raises(ImportFailed) as failed:
        _import(actor, upload, organisation)
    assert _counts() == before
    return [str(p) for p in failed.value.problems]


def _canonical(results: Any) -> Any:
    """Results as JSON with every list of records sorted: the same numbers in any order."""
    data = json.loads(json.dumps(results))

    def sort(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: sort(v) for k, v in value.items()}
        if isinstance(value, list):
            items = [sort(v) for v in value]
            if items and all(isinstance(v, dict) for v in items):
                return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
            return items
        return value

    return sort(data)


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture
def coded_scheme(demo_scheme: Scheme) -> Scheme:
    """The demo scheme with answers in every shape, a withdrawal, and a final coding.

    One free-text answer starts with a formula character and holds a comma, quotes and
    a new line; one session has a date and a video link; one mentor who answered has
    withdrawn. Two coders code the free text: the codes both applied are final.
    """
    texts = list(Answer.objects.filter(response__stage__scheme=demo_scheme, name="concerns_text"))
    texts[-1].value = '=SUM(A1) "quoted", and\na new line'
    texts[-1].save()
    meeting = Meeting.objects.filter(pair__allocation__scheme=demo_scheme).order_by("pk").first()
    assert meeting is not None
    meeting.place = "https://meet.example.nhs.uk/abc-def"
    meeting.starts_at = local(2027, 3, 15, 14, 30)
    meeting.save()
    lead = _lead_of(demo_scheme)
    mentors = list(demo_scheme.participants.mentors().order_by("pk"))
    scheme_services.participant_withdraw(actor=lead, participant=mentors[-1], reason="Moved")
    researcher = demo_scheme.memberships.get(role=StaffRole.RESEARCHER).user
    codebook = coding_selectors.codebook_of(demo_scheme)
    hierarchy = coding_services.code_create(
        actor=lead,
        codebook=codebook,
        name="hierarchy",
        label="Hierarchy",
        description="Worries about the power gradient; =not a formula",
    )
    exposure = coding_services.code_create(
        actor=lead, codebook=codebook, name="exposure", label="Being found out", parent=hierarchy
    )
    coding_services.code_create(actor=lead, codebook=codebook, name="unused", label="Not used")
    answers = [a.answer_id for a in coding_selectors.free_text_answers(demo_scheme)]
    assert len(answers) >= 4
    for coder, extra in ((lead, {exposure.pk}), (researcher, set())):
        chosen = {pk: {hierarchy.pk} for pk in answers[:3]}
        chosen[answers[3]] = {hierarchy.pk, *extra}
        coding_services.codings_save(actor=coder, codebook=codebook, chosen=chosen)
        coding_services.coding_finish(actor=coder, codebook=codebook)
    return demo_scheme


# --- the round trip -----------------------------------------------------------------------


def test_export_import_export_gives_every_file_byte_for_byte(coded_scheme: Scheme) -> None:
    before = export.study_folder(coded_scheme)
    # The folder has something in every file, so the comparison compares data.
    for name, content in before.items():
        assert content.count(b"\n") > 1, name
    assert b"online" in before["sessions.csv"] and b"2027-03-15" in before["sessions.csv"]
    assert b",withdrawn" in before["participants.csv"]
    upload = _zip(before, export.folder_name(coded_scheme))
    done = _import(_lead_of(coded_scheme), upload, coded_scheme.organisation)
    after = export.study_folder(done.scheme)
    assert set(after) == set(before)
    for name in before:
        assert after[name] == before[name], name


def test_imported_scheme_is_led_by_the_importer_in_analysis_and_marked_imported(
    coded_scheme: Scheme,
) -> None:
    lead = _lead_of(coded_scheme)
    files = export.study_folder(coded_scheme)
    done = _import(lead, _zip(files, ""), coded_scheme.organisation)
    scheme = done.scheme
    assert scheme.phase == Phase.ANALYSIS
    assert scheme.memberships.get().user == lead
    assert scheme.transitions.get().to_phase == Phase.ANALYSIS
    people = list(scheme.participants.select_related("user"))
    assert len(people) == done.participants == files["participants.csv"].count(b"\n") - 1
    for person in people:
        assert person.is_imported and pseudonym(person) == person.research_id
        assert not person.user.is_active and not person.user.has_usable_password()
        assert person.user.email.endswith("@imported.invalid")
        consent = person.current_consent()
        assert consent is not None and consent.research_use
        assert consent.information_sheet_version == importer.IMPORTED_CONSENT
    active = [p for p in people if p.is_active]
    assert active and len(active) < len(people)  # the withdrawn mentor stays withdrawn
    for person in active:
        with pytest.raises(ServiceError, match="imported from a study data folder"):
            scheme_services.participant_invite(actor=lead, participant=person)
    assert scheme_services.participants_invite_pending(actor=lead, scheme=scheme) == 0
    assert all(stage.is_open for stage in Stage.objects.filter(scheme=scheme))
    allocation = Allocation.objects.get(scheme=scheme)
    assert allocation.status == Allocation.Status.PUBLISHED
    reproduced, message = allocation_verify(actor=lead, allocation=allocation)
    assert not reproduced and "imported" in message
    event = AuditEvent.objects.get(
        scheme_id=scheme.pk, summary__startswith="Imported a study data folder"
    )
    assert event.action == AuditEvent.Action.CREATE and event.actor == lead
    for person in people:
        assert person.research_id not in event.summary


def test_paper_folder_imported_gives_the_results_revmentor_analyse_gives(
    db: Any, tmp_path: Path, lead: User
) -> None:
    folder = write_study(tmp_path / "paper", platform_paper_rows())
    assert analyse_main([str(folder), "--json", str(tmp_path / "out.json")]) == 0
    expected = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    files = {p.name: p.read_bytes() for p in folder.iterdir()}
    organisation = OrganisationMember.objects.get(user=lead).organisation
    done = _import(lead, _zip(files), organisation)
    assert done.sessions == 5 and done.codes > 0
    got = selectors.results(done.scheme)
    assert got is not None
    assert expected["themes"] and expected["comparisons"] and expected["sessions"]["n"] == 5
    assert _canonical(got) == _canonical(expected)


# --- bad folders change nothing -----------------------------------------------------------


@pytest.fixture
def paper_files() -> dict[str, bytes]:
    return {name: csv_bytes(header, rows) for name, (header, rows) in platform_paper_rows().items()}


def _replace(files: dict[str, bytes], name: str, old: bytes, new: bytes) -> dict[str, bytes]:
    assert old in files[name], old
    return {**files, name: files[name].replace(old, new, 1)}


def _row_of(files: dict[str, bytes], name: str, needle: bytes) -> int:
    """The row number (header = 1) of the first row of ``name`` holding ``needle``.

    Rows as a spreadsheet shows them: a quoted value with a new line is one row.
    """
    records = csv.reader(io.StringIO(files[name].decode("utf-8")))
    text = needle.decode("utf-8")
    return next(i for i, record in enumerate(records, start=1) if text in ",".join(record))


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"),
    [
        (
            "responses.csv",
            b"M2,mentor,pre_phase1,understanding",
            b"M9,mentor,pre_phase1,understanding",
            "responses.csv, row {row}, column participant_id: answer from unknown participant 'M9'",
        ),
        (
            "responses.csv",
            b"M2,mentor,pre_phase1,understanding,2",
            b"M2,mentor,pre_phase1,understanding,7",
            "responses.csv, row {row}, column value: '7' is not an answer to "
            "'understanding'; give one of 1, 2, 3, 4, 5",
        ),
        (
            "responses.csv",
            b"C1,mentee,post_session,time_devoted,about_right",
            b"C1,mentee,post_session,time_devoted,about right",
            "responses.csv, row {row}, column value: 'about right' is not an answer to "
            "'time_devoted'; give one of too_short, about_right, too_long",
        ),
        (
            "responses.csv",
            b"C1,mentee,pre_session,expected_minutes",
            b"C1,mentee,pre_session,minutes_expected",
            "responses.csv, row {row}, column item: 'minutes_expected' is not a question "
            "of the mentees' questionnaire at 'pre_session'",
        ),
        (
            "timepoints.csv",
            b"post_phase1,After phase 1",
            b"mid_phase1,After phase 1",
            "timepoints.csv, row {row}, column timepoint: 'mid_phase1' is not a time point",
        ),
        (
            "sessions.csv",
            b"M2,C2,30",
            b"M2,C2,thirty",
            "sessions.csv, row {row}, column duration_minutes: 'thirty' is not a positive "
            "number of minutes",
        ),
        (
            "codes.csv",
            b"M4,mentor,post_session,comments,no_change",
            b"M4,mentor,post_session,understanding,no_change",
            "codes.csv, row {row}, column item: 'understanding' at 'post_session' is not a "
            "free-text question",
        ),
    ],
)
def test_a_bad_row_is_named_by_file_and_row_and_nothing_is_created(
    lead: User,
    paper_files: dict[str, bytes],
    name: str,
    old: bytes,
    new: bytes,
    expected: str,
) -> None:
    files = _replace(paper_files, name, old, new)
    problems = _failure(lead, _zip(files), lead.organisation_memberships.get().organisation)
    wanted = expected.format(row=_row_of(files, name, new))
    assert any(p.startswith(wanted) for p in problems), problems


def test_a_duplicate_answer_is_named_with_both_rows(
    lead: User, paper_files: dict[str, bytes]
) -> None:
    line = b"M2,mentor,pre_phase1,understanding,2\n"
    files = _replace(paper_files, "responses.csv", line, line + line)
    row = _row_of(files, "responses.csv", line.strip())
    problems = _failure(lead, _zip(files), lead.organisation_memberships.get().organisation)
    assert any(
        p.startswith(f"responses.csv, row {row + 1}: duplicate answer") and f"row {row}" in p
        for p in problems
    ), problems


def test_every_problem_is_listed_not_only_the_first(
    lead: User, paper_files: dict[str, bytes]
) -> None:
    files = _replace(paper_files, "responses.csv", b"understanding,2", b"understanding,9")
    files = _replace(files, "sessions.csv", b",30,", b",0,")
    files = _replace(files, "participants.csv", b"M1,mentor,male,31", b"M1,mentor,male,12")
    problems = _failure(lead, _zip(files), lead.organisation_memberships.get().organisation)
    # What the analysis reader finds and what only the import checks, in one list.
    assert any(p.startswith("sessions.csv, row 3, column duration_minutes:") for p in problems)
    assert any(p.startswith("participants.csv, row 2, column age:") for p in problems)
    assert any("'9' is not an answer to 'understanding'" in p for p in problems)
    files = _replace(paper_files, "participants.csv", b"M1,mentor,male,31", b"M1,mentor,male,12")
    files = _replace(files, "willingness.csv", b"M1,C1,yes,yes", b"M1,C1,yes,maybe")
    problems = _failure(lead, _zip(files), lead.organisation_memberships.get().organisation)
    assert any(p.startswith("participants.csv, row 2, column age:") for p in problems)
    assert any(p.startswith("willingness.csv, row 2, column own_supervisor:") for p in problems)


def test_a_missing_file_is_named(lead: User, paper_files: dict[str, bytes]) -> None:
    files = {k: v for k, v in paper_files.items() if k != "participants.csv"}
    problems = _failure(lead, _zip(files), lead.organisation_memberships.get().organisation)
    assert problems == ["participants.csv: is missing from the zip; every study has one"]


def test_a_file_that_is_not_a_zip_is_refused(lead: User) -> None:
    upload = io.BytesIO(b"participant_id,role\nM1,mentor\n")
    problems = _failure(lead, upload, lead.organisation_memberships.get().organisation)
    assert problems == [
        "study.zip: is not a zip file; zip the study data folder and upload the .zip file"
    ]


@pytest.mark.parametrize("path", ["../participants.csv", "/etc/responses.csv", "C:/x/codes.csv"])
def test_a_path_outside_the_folder_is_refused(
    lead: User, paper_files: dict[str, bytes], path: str
) -> None:
    upload = _zip(paper_files, "")
    with zipfile.ZipFile(upload, "a") as archive:
        archive.writestr(path, b"participant_id,role\n")
    upload.seek(0)
    problems = _failure(lead, upload, lead.organisation_memberships.get().organisation)
    assert f"{path}: points outside the folder; zip the study data folder itself" in problems


def test_a_zip_bomb_is_refused_before_unpacking(lead: User) -> None:
    upload = io.BytesIO()
    with zipfile.ZipFile(upload, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("responses.csv", "w", force_zip64=True) as member:
            zeros = bytes(1024 * 1024)
            for _ in range(MAX_UNPACKED_BYTES // len(zeros) + 1):
                member.write(zeros)
        archive.writestr("participants.csv", b"participant_id,role\n")
    assert upload.tell() < 1024 * 1024  # small to upload, huge unpacked
    upload.seek(0)
    problems = _failure(lead, upload, lead.organisation_memberships.get().organisation)
    assert problems == [
        "study.zip: unpacks to more than 200 MB; split the study or upload fewer answers"
    ]


def test_files_in_several_folders_are_refused(lead: User, paper_files: dict[str, bytes]) -> None:
    upload = _zip({k: v for k, v in paper_files.items() if k != "codes.csv"}, "a")
    with zipfile.ZipFile(upload, "a") as archive:
        archive.writestr("b/codes.csv", paper_files["codes.csv"])
    upload.seek(0)
    problems = _failure(lead, upload, lead.organisation_memberships.get().organisation)
    assert problems == [
        "study.zip: put the CSV files at the top of the zip or all in one folder; they are "
        "in a/, b/"
    ]


# --- cost ---------------------------------------------------------------------------------


def _cohort(n: int) -> dict[str, bytes]:
    """A folder of ``n`` mentors and ``n`` mentees who all answered, willing, in pairs."""
    mentors, mentees = [f"M{i}" for i in range(n)], [f"C{i}" for i in range(n)]
    people = [(m, "mentor", "female", 30, "", "yes", "active") for m in mentors]
    people += [(c, "mentee", "male", 50, 10, "no", "active") for c in mentees]
    domains = ("technology", "clinical_practice", "approach_to_juniors", "time_management")
    answers: list[Row] = []
    for m in mentors:
        answers += [(m, "mentor", "pre_phase1", "understanding", 3)]
        answers += [(m, "mentor", "pre_phase1", "concerns", "yes")]
        answers += [(m, "mentor", "pre_phase1", "concerns_text", f"Worry of {m}")]
        answers += [(m, "mentor", "pre_phase1", f"confidence.{d}", 2) for d in domains]
    for c in mentees:
        answers += [(c, "mentee", "pre_session", f"awareness.{d}", 4) for d in domains]
    return {
        "participants.csv": csv_bytes(export.PARTICIPANTS_COLUMNS, people),
        "responses.csv": csv_bytes(
            ["participant_id", "role", "timepoint", "item", "value"], answers
        ),
        "willingness.csv": csv_bytes(
            ["mentor_id", "mentee_id", "willing"], [(m, c, "yes") for m in mentors for c in mentees]
        ),
        "sessions.csv": csv_bytes(
            ["mentor_id", "mentee_id", "duration_minutes"],
            [(m, c, 45) for m, c in zip(mentors, mentees, strict=True)],
        ),
        "codebook.csv": csv_bytes(["code", "label"], [("worry", "A worry")]),
        "codes.csv": csv_bytes(
            ["participant_id", "role", "timepoint", "item", "code"],
            [(m, "mentor", "pre_phase1", "concerns_text", "worry") for m in mentors],
        ),
    }


def test_the_number_of_queries_does_not_grow_with_the_rows(lead: User) -> None:
    organisation = lead.organisation_memberships.get().organisation
    counts = []
    for n in (2, 12):
        with CaptureQueriesContext(connection) as queries:
            done = _import(lead, _zip(_cohort(n)), organisation)
        assert done.participants == 2 * n and done.codes == n and done.sessions == n
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


@on_postgresql
def test_the_tables_written_are_analysed_once_the_import_commits(
    lead: User, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    # Until they are, PostgreSQL plans for the tables as they were before the import.
    organisation = lead.organisation_memberships.get().organisation
    with django_capture_on_commit_callbacks(execute=True):
        _import(lead, _zip(_cohort(6)), organisation)
    for model in (Participant, Answer, Willingness):
        assert planned_rows(model) == model.objects.count(), model


# --- the page -----------------------------------------------------------------------------


def _post(client: Client, upload: io.BytesIO, organisation: Organisation) -> Any:
    upload.name = "study.zip"
    return client.post(
        reverse("schemes:import_study"),
        {
            "organisation": organisation.pk,
            "name": "Paper study",
            "specialty": "Cardiology",
            "file": upload,
        },
    )


def test_lead_imports_a_folder_and_lands_on_the_new_scheme(
    client_for: Callable[[User | None], Client], lead: User, paper_files: dict[str, bytes]
) -> None:
    organisation = lead.organisation_memberships.get().organisation
    response = _post(client_for(lead), _zip(paper_files), organisation)
    scheme = Scheme.objects.get(name="Paper study")
    assert response.status_code == 302
    assert response["Location"] == reverse("schemes:detail", args=[scheme.pk])
    assert scheme.participants.count() == 11


def test_page_lists_each_problem_with_file_and_row_and_creates_nothing(
    client_for: Callable[[User | None], Client], lead: User, paper_files: dict[str, bytes]
) -> None:
    organisation = lead.organisation_memberships.get().organisation
    files = _replace(paper_files, "participants.csv", b"M1,mentor,male,31", b"M1,mentor,male,12")
    client = client_for(lead)
    before = _counts()
    response = _post(client, _zip(files), organisation)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "<code>participants.csv</code>" in page and ">2</td>" in page
    assert "is not a whole number of years from 16 to 100" in page
    assert _counts() == before


@pytest.mark.parametrize("persona", ["researcher", "mentor", "facilitator", "outsider"])
def test_people_who_cannot_create_schemes_cannot_import(
    request: pytest.FixtureRequest,
    client_for: Callable[[User | None], Client],
    lead: User,
    paper_files: dict[str, bytes],
    persona: str,
) -> None:
    value = request.getfixturevalue(persona)
    user = value.user if isinstance(value, Participant) else cast(User, value)
    organisation = lead.organisation_memberships.get().organisation
    client = client_for(user)
    before = _counts()
    assert client.get(reverse("schemes:import_study")).status_code == 403
    assert _post(client, _zip(paper_files), organisation).status_code == 403
    assert _counts() == before


def test_the_service_refuses_an_organisation_the_actor_is_not_in(
    researcher: User, lead: User, paper_files: dict[str, bytes]
) -> None:
    organisation = lead.organisation_memberships.get().organisation
    with pytest.raises(ServiceError, match="cannot create schemes"):
        _import(researcher, _zip(paper_files), organisation)
    assert not Scheme.objects.filter(name="Imported study").exists()


@pytest.mark.parametrize(
    "name",
    [
        "schemes:detail",
        "schemes:participants",
        "schemes:questionnaires",
        "schemes:willingness",
        "schemes:allocation",
        "schemes:meetings",
        "schemes:results",
        "schemes:coding",
        "schemes:coding_agreement",
    ],
)
def test_the_imported_schemes_pages_open_for_its_lead(
    client_for: Callable[[User | None], Client],
    lead: User,
    paper_files: dict[str, bytes],
    name: str,
) -> None:
    done = _import(lead, _zip(paper_files), lead.organisation_memberships.get().organisation)
    response = client_for(lead).get(reverse(name, args=[done.scheme.pk]))
    assert response.status_code == 200


def test_an_imported_participant_cannot_sign_in_with_a_link(
    client: Client, lead: User, paper_files: dict[str, bytes]
) -> None:
    done = _import(lead, _zip(paper_files), lead.organisation_memberships.get().organisation)
    person = done.scheme.participants.select_related("user").first()
    assert person is not None
    response = client.post(f"{reverse('sign_in_link')}{get_query_string(person.user)}")
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_extras_a_zip_tool_adds_are_ignored(lead: User, paper_files: dict[str, bytes]) -> None:
    upload = _zip(paper_files, "paper")
    with zipfile.ZipFile(upload, "a") as archive:
        archive.writestr("__MACOSX/paper/._participants.csv", b"\x00\x05\x16\x07")
        archive.writestr("paper/.DS_Store", b"\x00\x00\x00\x01Bud1")
        archive.writestr("paper/README.txt", b"Collected on paper, 2021.")
    upload.seek(0)
    done = _import(lead, upload, lead.organisation_memberships.get().organisation)
    assert done.participants == 11
