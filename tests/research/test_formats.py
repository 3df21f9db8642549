"""The XLSX, SPSS and PDF exports: content, labels, inert formulas, no names, audited."""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyreadstat
import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from revmentor.core.models import AuditEvent, User
from revmentor.questionnaires.interchange import pseudonym
from revmentor.research import export, formats, selectors, services
from revmentor.schemes.models import Participant, Scheme
from tests.pdfs import pdf_info, pdf_text

INJECTION = "=cmd|' /C calc'!A0"
ROUTES = ("schemes:results_xlsx", "schemes:results_sav", "schemes:results_report")


def _lead() -> User:
    return User.objects.get(email__startswith="lead")


def _read_sav(content: bytes) -> tuple[pd.DataFrame, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "study.sav"
        path.write_bytes(content)
        return pyreadstat.read_sav(str(path))


def _xlsx_text(content: bytes) -> str:
    """Every XML part of a workbook, as one text (shared strings and sheets)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "\n".join(archive.read(name).decode("utf-8") for name in archive.namelist())


# --- XLSX ----------------------------------------------------------------------------


def test_workbook_has_a_sheet_per_file_and_the_results(demo_scheme: Scheme) -> None:
    content = formats.workbook(actor=_lead(), scheme=demo_scheme)
    book = load_workbook(io.BytesIO(content))
    names = [name.removesuffix(".csv") for name in export.FILES]
    assert book.sheetnames == [*names, "results"]
    files = export.study_folder(demo_scheme)
    participants = book["participants"]
    header = [c.value for c in participants[1]]
    assert header == files["participants.csv"].decode().splitlines()[0].split(",")
    assert participants.max_row == len(files["participants.csv"].decode().splitlines())
    results = selectors.results(demo_scheme)
    assert results is not None
    column = [c.value for c in book["results"]["A"]]
    assert column[0] == "Summaries"
    assert column[1] == "role"
    assert "Comparisons" in column
    first = results["summaries"][0]
    row = [c.value for c in book["results"][3]]
    assert row[: len(first)] == list(first.values())


def test_workbook_keeps_formula_like_text_inert() -> None:
    files = {
        "responses.csv": (
            "participant_id,role,timepoint,item,value\n"
            f'M-1,mentor,pre_phase1,concerns_text,"{INJECTION}"\n'
            "M-1,mentor,pre_phase1,other,+1+2\n"
            "M-1,mentor,pre_phase1,other2,@SUM(A1)\n"
            "M-1,mentor,pre_phase1,understanding,-3\n"
        ).encode()
    }
    content = formats.workbook_bytes(files, None)
    sheet = load_workbook(io.BytesIO(content))["responses"]
    cell = sheet["E2"]
    assert cell.value == INJECTION
    assert cell.data_type == "s"
    assert cell.quotePrefix
    assert sheet["E3"].data_type == "s" and sheet["E3"].value == "+1+2"
    assert sheet["E4"].data_type == "s" and sheet["E4"].value == "@SUM(A1)"
    assert sheet["E5"].value == -3  # a plain number stays a number
    assert "<f>" not in _xlsx_text(content)  # no cell anywhere holds a formula


# --- SPSS ----------------------------------------------------------------------------


def test_spss_names_are_valid_and_long_ones_shortened_deterministically() -> None:
    assert (
        formats.spss_name("confidence.clinical_practice", "pre_phase1")
        == "confidence_clinical_practice_pre_phase1"
    )
    assert formats.spss_name("1st", "pre") == "v_1st_pre"
    long = formats.spss_name("x" * 70, "pre_phase1")
    assert len(long) == 64
    assert long == formats.spss_name("x" * 70, "pre_phase1")
    assert long != formats.spss_name("x" * 70, "post_phase1")
    assert long[0].isalpha() and long.replace("_", "").isalnum()


def test_spss_file_is_wide_with_variable_and_value_labels(demo_scheme: Scheme) -> None:
    frame, meta = _read_sav(formats.spss(actor=_lead(), scheme=demo_scheme))
    people = export.study_folder(demo_scheme)["participants.csv"].decode().splitlines()[1:]
    assert len(frame) == len(people)  # one row per participant
    assert frame["participant_id"].is_unique
    for name in ("participant_id", "role", "sex", "age", "confidence_clinical_practice_pre_phase1"):
        assert name in meta.column_names, name
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["confidence_clinical_practice_pre_phase1"].endswith("Clinical practice")
    assert labels["understanding_pre_phase1"]  # the question text
    assert meta.variable_value_labels["role"] == {1.0: "mentor", 2.0: "mentee"}
    likert = meta.variable_value_labels["confidence_clinical_practice_pre_phase1"]
    assert sorted(likert) == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert meta.readstat_variable_types["confidence_clinical_practice_pre_phase1"] == "double"
    assert meta.readstat_variable_types["concerns_text_pre_phase1"] == "string"
    # a value: the answer in responses.csv is the one in the wide row
    rows = export.study_folder(demo_scheme)["responses.csv"].decode().splitlines()[1:]
    pid, _role, tp, item, value = next(
        r.split(",") for r in rows if ",confidence.clinical_practice," in r
    )
    row = frame[frame["participant_id"] == pid].iloc[0]
    assert row[formats.spss_name(item, tp)] == float(value)
    assert row["role"] == 1.0
    mentee = frame[frame["participant_id"].str.startswith("C-")].iloc[0]
    assert mentee["role"] == 2.0


def test_spss_long_names_keep_the_full_name_in_the_label() -> None:
    item = "confidence." + "a" * 60
    files = {
        "participants.csv": (
            b"participant_id,role,sex,age,years_as_consultant,previous_mentor,status\n"
            b"M-1,mentor,female,31,,yes,active\n"
        ),
        "responses.csv": f"participant_id,role,timepoint,item,value\nM-1,mentor,pre,{item},4\n".encode(),
    }
    frame, meta = _read_sav(formats.spss_bytes(files, {}))
    name = formats.spss_name(item, "pre")
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert len(name) == 64
    assert labels[name].startswith(f"{item}_pre")
    assert frame[name].iloc[0] == 4.0


# --- PDF -----------------------------------------------------------------------------


def test_pdf_is_the_a4_analysis_report(demo_scheme: Scheme) -> None:
    content = formats.report_pdf(scheme=demo_scheme)
    assert content.startswith(b"%PDF")
    assert "A4" in pdf_info(content)
    text = pdf_text(content)
    assert f"Reverse mentoring study results: {demo_scheme.name}" in text
    info = pdf_info(content)
    assert re.search(r"^Tagged: +yes$", info, re.M)
    assert re.search(rf"^Title: +Reverse mentoring study results: {demo_scheme.name}$", info, re.M)


def test_pdf_without_answers_says_so(scheme: Scheme, lead: User) -> None:
    content = formats.report_pdf(scheme=scheme)
    assert "A4" in pdf_info(content)
    assert re.search(r"^Tagged: +yes$", pdf_info(content), re.M)
    assert "no answers to analyse yet" in " ".join(pdf_text(content).split())


# --- all three -----------------------------------------------------------------------


def test_no_name_or_email_of_anyone_in_any_export(demo_scheme: Scheme) -> None:
    lead = _lead()
    frame, _meta = _read_sav(formats.spss(actor=lead, scheme=demo_scheme))
    texts = {
        "xlsx": _xlsx_text(formats.workbook(actor=lead, scheme=demo_scheme)),
        "sav": frame.to_csv() + "\n".join(str(v) for v in _meta.column_labels),
        "pdf": pdf_text(formats.report_pdf(scheme=demo_scheme)),
    }
    people = list(demo_scheme.participants.select_related("user"))
    assert len(people) == 11
    some_id = pseudonym(next(p for p in people if p.is_mentor and p.pk != people[0].pk))
    assert some_id in texts["xlsx"] and some_id in texts["sav"]  # the search has data
    for kind, text in texts.items():
        haystack = text.lower()
        for person in people:
            user = person.user
            for secret in (user.email, user.full_name, *user.full_name.split()):
                if len(secret) > 2:
                    assert secret.lower() not in haystack, (kind, secret)


@pytest.mark.parametrize(
    ("route", "content_type", "what"),
    [
        ("schemes:results_xlsx", "spreadsheetml", "Excel workbook"),
        ("schemes:results_sav", "spss", "SPSS file"),
        ("schemes:results_pdf", "application/pdf", "analysis report"),
    ],
)
def test_each_download_is_an_attachment_recorded_once(
    client_for: Callable[[User | None], Client],
    demo_scheme: Scheme,
    route: str,
    content_type: str,
    what: str,
) -> None:
    if route == "schemes:results_pdf":  # made first (tests/research/test_report.py)
        services.report_request(actor=_lead(), scheme=demo_scheme, quartiles="tukey")
    before = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count()
    response = client_for(_lead()).get(reverse(route, args=[demo_scheme.pk]))
    assert response.status_code == 200
    assert content_type in response["Content-Type"]
    assert response["Content-Disposition"].startswith("attachment; filename=")
    events = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).order_by("pk")
    assert events.count() == before + 1
    event = events.last()
    assert event is not None and what in event.summary
    assert event.scheme_id == demo_scheme.pk


def test_results_page_links_every_download(
    client_for: Callable[[User | None], Client], demo_scheme: Scheme
) -> None:
    page = client_for(_lead()).get(reverse("schemes:results", args=[demo_scheme.pk]))
    html = page.content.decode()
    for route in ROUTES:
        assert reverse(route, args=[demo_scheme.pk]) in html


def test_spss_row_of_someone_without_research_consent_has_no_answers(
    no_research_mentor: Participant,
) -> None:
    # the mentor without research consent is a participant but has no answers in the sav
    content = formats.spss_bytes(
        export.study_folder(no_research_mentor.scheme),
        {},
    )
    frame, _meta = _read_sav(content)
    row = frame[frame["participant_id"] == pseudonym(no_research_mentor)].iloc[0]
    assert pd.isna(row["understanding_pre_phase1"])


def test_spss_yes_no_answers_are_coded_with_value_labels(demo_scheme: Scheme) -> None:
    frame, meta = _read_sav(formats.spss(actor=_lead(), scheme=demo_scheme))
    name = formats.spss_name("concerns", "pre_phase1")
    assert meta.readstat_variable_types[name] == "double"
    assert meta.variable_value_labels[name] == {1.0: "Yes", 0.0: "No"}
    answered = frame[name].dropna()
    assert len(answered) > 0 and set(answered) == {1.0}  # every mentor said yes


def test_spss_choice_answers_are_coded_in_the_questionnaires_order() -> None:
    question = formats.Question(
        "How long was the session?",
        False,
        {1.0: "Too short", 2.0: "About right", 3.0: "Too long"},
        {"too_short": 1.0, "about_right": 2.0, "too_long": 3.0},
    )
    files = {
        "participants.csv": (
            b"participant_id,role,sex,age,years_as_consultant,previous_mentor,status\n"
            b"C-1,mentee,,,,,active\nC-2,mentee,,,,,active\n"
        ),
        "responses.csv": (
            b"participant_id,role,timepoint,item,value\n"
            b"C-1,mentee,post,time_devoted,about_right\nC-2,mentee,post,time_devoted,too_long\n"
        ),
    }
    frame, meta = _read_sav(formats.spss_bytes(files, {"time_devoted": question}))
    name = formats.spss_name("time_devoted", "post")
    assert list(frame[name]) == [2.0, 3.0]
    assert meta.variable_value_labels[name][3.0] == "Too long"
    # An answer the questionnaire does not know keeps the column as text: nothing is lost.
    strange = files | {
        "responses.csv": files["responses.csv"] + b"C-1,mentee,pre,time_devoted,odd\n"
    }
    frame, meta = _read_sav(formats.spss_bytes(strange, {"time_devoted": question}))
    assert list(frame[formats.spss_name("time_devoted", "pre")]) == ["odd", ""]


def test_spss_names_never_collide() -> None:
    files = {
        "participants.csv": (
            b"participant_id,role,sex,age,years_as_consultant,previous_mentor,status\n"
            b"M-1,mentor,,,,,active\n"
        ),
        "responses.csv": (
            b"participant_id,role,timepoint,item,value\n"
            b"M-1,mentor,pre,a.b,1\nM-1,mentor,pre,a_b,2\n"
        ),
    }
    frame, meta = _read_sav(formats.spss_bytes(files, {}))
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert frame["a_b_pre"].iloc[0] == 1.0
    other = next(n for n in meta.column_names if n.startswith("a_b_pre_"))
    assert frame[other].iloc[0] == 2.0
    assert labels[other].startswith("a_b_pre")
