"""Every file the app reads, fuzzed: a clear list of problems, never an error, never half.

The participants CSV, a questionnaire (REDCap data dictionary or FHIR JSON) and a zipped
study data folder are uploaded through their pages, and a study data folder is read by
``read_study`` (what ``revmentor analyse`` and the import use). Contents are random
bytes, text in other encodings, wrong and repeated headers, ragged rows, formulas, NULs,
values longer than the csv module allows, and valid files with one cell made hostile.
Whatever the file: no server error; refused, the page lists the problems and nothing is
stored; accepted, all of it is stored.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from revmentor.analysis.problems import StudyDataError
from revmentor.analysis.reader import read_study
from revmentor.core.models import User
from revmentor.instruments import STUDY_DOMAINS, builtin_instruments, fhir, redcap
from revmentor.schemes.models import OrganisationMember, Participant, Scheme
from tests.security.hostile import FUZZ, hostile_text, snapshot

ClientFor = Callable[[User | None], Client]

# --- the participants CSV -------------------------------------------------------------------

COLUMNS = ["full_name", "email", "role", "grade", "sex", "age", "years_as_consultant"]
COLUMNS += ["previous_mentoring", "supervisor_email", "Email ", "ROLE", "nickname", ""]
cell = st.one_of(
    hostile_text,
    st.sampled_from(["mentor", "mentee", "Mentee", "consultant", "female", "34", "yes"]),
    st.emails().map(str),
)


@st.composite
def participants_csv(draw: st.DrawFn) -> bytes:
    """A CSV file: mostly a header and rows of hostile cells, sometimes anything at all."""
    kind = draw(st.sampled_from(["table", "table", "table", "bytes", "latin-1", "utf-16", "huge"]))
    if kind == "bytes":
        return draw(st.binary(max_size=500))
    if kind == "huge":
        return b'full_name,email,role\n"' + b"a" * 140_000 + b'",a@example.nhs.uk,mentor\n'
    header = draw(st.lists(st.sampled_from(COLUMNS), min_size=0, max_size=8))
    rows = draw(
        st.lists(st.lists(cell, min_size=0, max_size=len(header) + 2), min_size=0, max_size=6)
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    text = out.getvalue()
    if kind == "latin-1":
        return ("full_name,email,role\nRenée Müller,r@example.nhs.uk,mentee\n" + text).encode(
            "latin-1", errors="replace"
        )
    if kind == "utf-16":
        return text.encode("utf-16")
    return text.encode("utf-8")


@FUZZ
@given(content=participants_csv(), name=st.sampled_from(["people.csv", "PEOPLE.CSV", "x.txt"]))
def test_a_hostile_participants_csv_is_refused_whole_or_added_whole(
    lead: User, scheme: Scheme, client_for: ClientFor, content: bytes, name: str
) -> None:
    client = client_for(lead)
    url = reverse("schemes:participant_import", args=[scheme.pk])
    before = snapshot()
    with transaction.atomic():
        people = Participant.objects.filter(scheme=scheme).count()
        response = client.post(url, {"file": SimpleUploadedFile(name, content)})
        assert response.status_code in (200, 302)
        if response.status_code == 200:
            assert "nhsuk-error-summary" in response.content.decode()
            assert snapshot() == before
        else:
            added = Participant.objects.filter(scheme=scheme).count() - people
            assert added == len(list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")))))
        transaction.set_rollback(True)


# --- a questionnaire: REDCap data dictionary or FHIR Questionnaire --------------------------

MENTOR_PRE = next(i for i in builtin_instruments() if i.key.startswith("mentor_pre"))
VALID_REDCAP = redcap.instruments_to_data_dictionary([MENTOR_PRE], list(STUDY_DOMAINS))
VALID_FHIR = json.dumps(fhir.instrument_to_questionnaire(MENTOR_PRE, list(STUDY_DOMAINS)))


@st.composite
def questionnaire_file(draw: st.DrawFn) -> tuple[str, bytes]:
    """A valid file with a cell or string made hostile, or anything at all."""
    kind = draw(st.sampled_from(["redcap", "fhir", "bytes", "json"]))
    if kind == "bytes":
        return draw(st.sampled_from(["q.csv", "q.json"])), draw(st.binary(max_size=400))
    if kind == "json":
        text = draw(
            st.sampled_from(
                ['"x"', "5", "null", "[]", "[" * 50_000, '{"resourceType": 5}', '{"item": "x"}']
            )
        )
        return "q.json", text.encode()
    text = VALID_REDCAP if kind == "redcap" else VALID_FHIR
    if kind == "redcap":
        table = list(csv.reader(io.StringIO(text)))
        row = draw(st.integers(0, len(table) - 1))
        column = draw(st.integers(0, len(table[row]) - 1))
        table[row][column] = draw(hostile_text)
        if draw(st.booleans()):
            table.insert(
                draw(st.integers(0, len(table))), draw(st.lists(hostile_text, max_size=25))
            )
        out = io.StringIO()
        csv.writer(out).writerows(table)
        return "q.csv", out.getvalue().encode("utf-8")
    at = draw(st.integers(0, len(text)))
    return "q.json", (
        text[:at] + draw(st.sampled_from(['"\\u0000"', "{", "]", ",", '"x": [1,'])) + text[at:]
    ).encode()


@FUZZ
@given(
    upload=questionnaire_file(),
    label=st.one_of(st.just("Three months later"), hostile_text),
)
def test_a_hostile_questionnaire_file_is_refused_or_added_whole(
    lead: User, scheme: Scheme, client_for: ClientFor, upload: tuple[str, bytes], label: str
) -> None:
    client = client_for(lead)
    url = reverse("schemes:import_instrument", args=[scheme.pk])
    before = snapshot()
    name, content = upload
    with transaction.atomic():
        response = client.post(
            url,
            {
                "file": SimpleUploadedFile(name, content),
                "role": "mentor",
                "label": label,
                "phase": "phase_2",
            },
        )
        assert response.status_code in (200, 302)
        if response.status_code == 200:
            assert snapshot() == before
        transaction.set_rollback(True)


@pytest.mark.parametrize("label", ["1 month later", "A", "3", "!!", "É", "x" * 100])
def test_any_stage_label_imports_a_valid_questionnaire(
    lead: User, scheme: Scheme, client_for: ClientFor, label: str
) -> None:
    response = client_for(lead).post(
        reverse("schemes:import_instrument", args=[scheme.pk]),
        {
            "file": SimpleUploadedFile("q.csv", VALID_REDCAP.encode()),
            "role": "mentor",
            "label": label,
            "phase": "phase_2",
        },
    )
    assert response.status_code == 302
    assert scheme.stages.filter(label=label).exists()  # type: ignore[attr-defined]


# --- a study data folder ----------------------------------------------------------------------

GOOD_FOLDER = {
    "participants.csv": "participant_id,role,status\nM-1,mentor,active\nC-1,mentee,active\n",
    "responses.csv": "participant_id,role,timepoint,item,value\n"
    "M-1,mentor,pre_phase1,understanding,3\nM-1,mentor,pre_phase1,concerns_text,'=1+1\n"
    "M-1,mentor,post_phase1,understanding,4\n",
    "timepoints.csv": "timepoint,label\npre_phase1,Before\npost_phase1,'@After\n",
    "sessions.csv": "mentor_id,mentee_id,duration_minutes\nM-1,C-1,45\n",
    "willingness.csv": "mentor_id,mentee_id,willing\nM-1,C-1,yes\n",
    "codes.csv": "participant_id,role,timepoint,item,code\nM-1,mentor,pre_phase1,concerns_text,x\n",
    "codebook.csv": "code,label\nx,=X\n",
    "items.csv": "item,type,min,max,label\nunderstanding,ordinal,1,5,+Understanding\n",
}


@st.composite
def study_folder(draw: st.DrawFn) -> dict[str, bytes]:
    """The good folder with files dropped, replaced by junk, or with one cell made hostile."""
    files = {name: text.encode() for name, text in GOOD_FOLDER.items()}
    for name in draw(st.lists(st.sampled_from(sorted(files)), max_size=3, unique=True)):
        how = draw(st.sampled_from(["drop", "bytes", "cell", "row", "huge", "latin-1"]))
        text = files[name].decode()
        if how == "drop":
            del files[name]
        elif how == "bytes":
            files[name] = draw(st.binary(max_size=300))
        elif how == "huge":
            files[name] = text.encode() + b'"' + b"x" * 140_000 + b'"\n'
        elif how == "latin-1":
            files[name] = (text + "é,ü\n").encode("latin-1")
        else:
            table = list(csv.reader(io.StringIO(text)))
            if how == "row":
                table.append(draw(st.lists(hostile_text, max_size=7)))
            else:
                row = draw(st.integers(0, len(table) - 1))
                column = draw(st.integers(0, max(len(table[row]) - 1, 0)))
                if table[row]:
                    table[row][column] = draw(hostile_text)
            out = io.StringIO()
            csv.writer(out).writerows(table)
            files[name] = out.getvalue().encode("utf-8", errors="surrogatepass")
    return files


@FUZZ
@given(files=study_folder())
def test_the_study_folder_reader_reports_problems_and_raises_nothing_else(
    tmp_path_factory: pytest.TempPathFactory, files: dict[str, bytes]
) -> None:
    folder = tmp_path_factory.mktemp("study")
    for name, content in files.items():
        (folder / name).write_bytes(content)
    try:
        read_study(folder)
    except StudyDataError as error:
        assert error.problems
        assert all(str(problem) for problem in error.problems)


def test_the_good_folder_reads_free_text_as_typed(tmp_path: Path) -> None:
    for name, text in GOOD_FOLDER.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    study = read_study(tmp_path)
    assert "=1+1" in set(study.responses.texts)
    assert study.timepoint_labels["post_phase1"] == "@After"
    assert study.code_labels["x"] == "=X"
    assert next(i for i in study.items if i.name == "understanding").label == "+Understanding"


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(f"study/{name}", content)
    return buffer.getvalue()


zips = st.one_of(
    study_folder().map(_zip),
    st.binary(max_size=300),
    st.just(b"PK\x03\x04" + b"\x00" * 100),
)


@settings(FUZZ, max_examples=20)
@given(content=zips, name=st.one_of(st.just("study.zip"), hostile_text))
def test_a_hostile_study_folder_zip_is_refused_or_imported_whole(
    lead: User, scheme: Scheme, client_for: ClientFor, content: bytes, name: str
) -> None:
    OrganisationMember.objects.get_or_create(organisation=scheme.organisation, user=lead)
    client = client_for(lead)
    before = snapshot()
    with transaction.atomic():
        response = client.post(
            reverse("schemes:import_study"),
            {
                "organisation": scheme.organisation_id,
                "name": "Imported",
                "specialty": "Gastroenterology",
                "file": SimpleUploadedFile(name or "x", content),
            },
        )
        assert response.status_code in (200, 302)
        if response.status_code == 200:
            assert snapshot() == before
        transaction.set_rollback(True)
