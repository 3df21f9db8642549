"""Formula injection: text that starts like a formula stays text in every file we write.

A free-text answer ``=cmd|' /C calc'!A0`` or ``@SUM(1+1)``, a stage label starting
``-`` or a code label starting ``=``, would run in a spreadsheet that opens the CSV. Every CSV the app writes for people
to open (``responses.csv``, the study data folder's files, ``sessions.csv``,
``willingness.csv``, the audit trail) writes such text with a leading apostrophe
(``revmentor.core.spreadsheet``), numbers as they are; the Excel workbook marks it as
text. The study folder's readers (``revmentor analyse``, the import) remove exactly that
apostrophe, so the analysis sees the text as typed and export, import, export gives the
same files.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from revmentor.analysis.reader import read_study
from revmentor.coding import selectors as coding_selectors
from revmentor.coding import services as coding
from revmentor.core.models import User
from revmentor.core.spreadsheet import csv_text, from_csv_text, reads_as_formula
from revmentor.meetings.models import Meeting
from revmentor.questionnaires.models import Response, Stage
from revmentor.research import export, importer
from revmentor.schemes.models import Phase
from tests.research.conftest import answers, submit
from tests.security.conftest import World
from tests.security.hostile import FUZZ, hostile_text

CALC = "=cmd|' /C calc'!A0"
SUM = "@SUM(1+1)"
LABEL = "-2+3 months"
CODE = '=HYPERLINK("https://example.org","Worry")'


@pytest.fixture
def formulas(world: World) -> World:
    """Free-text answers, a stage label, a session's place and a codebook (labels and
    descriptions, coded and final) that a spreadsheet would run."""
    w = world
    Response.objects.filter(stage__scheme=w.scheme).delete()
    Stage.objects.filter(scheme=w.scheme, timepoint="post_phase1").update(
        opened_at=timezone.now(), label=LABEL
    )
    post = Stage.objects.get(scheme=w.scheme, timepoint="post_phase1")
    submit(w.mentor, w.stage, answers(0) | {"concerns_text": CALC})
    submit(w.mentor, post, answers(1) | {"concerns_text": SUM})
    submit(w.other_mentor, w.stage, answers(2) | {"concerns_text": "\t=1+1"})
    Meeting.objects.create(pair=w.pair, held=True, duration_minutes=45, place="=Room(1)")
    for code, label, description in ((w.code, CODE, SUM), (w.other_code, LABEL, CALC)):
        coding.code_update(
            actor=w.researcher,
            code=code,
            name=code.name,
            label=label,
            description=description,
            parent=code.parent,
        )
    free_text = coding_selectors.free_text_answers(w.scheme)
    chosen = {a.answer_id: [w.code.pk, w.other_code.pk] for a in free_text}
    coding.codings_save(actor=w.researcher, codebook=w.codebook, chosen=chosen)
    coding.coding_finish(actor=w.researcher, codebook=w.codebook)  # single coding: final
    w.phase(Phase.ANALYSIS)
    return w


def _files(client: Client, w: World) -> dict[str, str]:
    """Every CSV a lead can download about the scheme, by name."""
    s = w.scheme.pk
    files = {
        "responses.csv": client.get(reverse("schemes:export_responses_csv", args=[s])),
        "sessions.csv": client.get(reverse("schemes:sessions_csv", args=[s])),
        "willingness.csv": client.get(reverse("schemes:willingness_csv", args=[s])),
        "audit.csv": client.get(reverse("schemes:audit_trail_csv", args=[s])),
    }
    out = {
        name: b"".join(r.streaming_content) if r.streaming else r.content
        for name, r in files.items()
    }  # type: ignore[attr-defined]
    zipped = client.get(reverse("schemes:study_folder_zip", args=[s])).content
    with zipfile.ZipFile(io.BytesIO(zipped)) as archive:
        for name in archive.namelist():
            out[f"zip/{name.split('/')[-1]}"] = archive.read(name)
    return {name: content.decode("utf-8") for name, content in out.items()}


def test_no_cell_of_any_csv_would_run_as_a_formula(
    formulas: World, client_for: Callable[[User | None], Client]
) -> None:
    files = _files(client_for(formulas.lead), formulas)
    for name, text in files.items():
        for row in csv.reader(io.StringIO(text)):
            for cell in row:
                assert not reads_as_formula(cell), (name, cell)
    for name in ("responses.csv", "zip/responses.csv"):
        values = [row[4] for row in csv.reader(io.StringIO(files[name]))]
        assert "'" + CALC in values and "'" + SUM in values
    assert "'" + LABEL in files["zip/timepoints.csv"]
    book = list(csv.DictReader(io.StringIO(files["zip/codebook.csv"])))
    assert [(r["label"], r["description"]) for r in book] == [
        ("'" + CODE, "'" + SUM),
        ("'" + LABEL, "'" + CALC),
    ]


def test_the_workbook_shows_formulas_as_typed_text(
    formulas: World, client_for: Callable[[User | None], Client]
) -> None:
    content = (
        client_for(formulas.lead)
        .get(reverse("schemes:results_xlsx", args=[formulas.scheme.pk]))
        .content
    )
    book = load_workbook(io.BytesIO(content))
    cells = {c.value: c for sheet in book for row in sheet.iter_rows() for c in row}
    for typed in (CALC, SUM, LABEL, CODE):
        assert cells[typed].data_type == "s" and cells[typed].quotePrefix, typed
    assert "'" + CALC not in cells and "'" + CODE not in cells
    codebook = [[c.value for c in row] for row in book["codebook"].iter_rows(min_row=2)]
    assert [row[1:] for row in codebook] == [[CODE, None, SUM], [LABEL, "supervisor", CALC]]


def test_the_analysis_reads_the_text_as_typed(formulas: World, tmp_path: Path) -> None:
    for name, content in export.study_folder(formulas.scheme).items():
        (tmp_path / name).write_bytes(content)
    study = read_study(tmp_path)
    assert {CALC, SUM} <= set(study.responses.texts)
    assert study.timepoint_labels["post_phase1"] == LABEL
    assert study.code_labels == {"supervisor": CODE, "time": LABEL}


def test_export_import_export_keeps_every_file_with_formulas(formulas: World) -> None:
    files = export.study_folder(formulas.scheme)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    buffer.seek(0)
    done = importer.study_import(
        actor=formulas.lead,
        organisation=formulas.scheme.organisation,
        name="Imported",
        specialty="Gastroenterology",
        upload=buffer,
        upload_name="study.zip",
    )
    assert export.study_folder(done.scheme) == files


@FUZZ
@given(text=st.one_of(hostile_text, st.sampled_from([CALC, SUM, "'" + CALC, "''=x", "'", "-5"])))
def test_the_apostrophe_is_added_only_to_formulas_and_removed_exactly(text: str) -> None:
    written = csv_text(text)
    assert from_csv_text(written) == text
    assert not reads_as_formula(written)
    if not reads_as_formula(text.lstrip("'")):
        assert written == text
