"""The study data folder zip: every file, pseudonymised, audited, read back by the CLI."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest

from revmentor.analysis.cli import main as analyse_main
from revmentor.core.models import AuditEvent, User
from revmentor.questionnaires.interchange import pseudonym
from revmentor.research import export, selectors
from revmentor.schemes.models import Participant, Scheme

HEADERS = {
    "participants.csv": [
        "participant_id",
        "role",
        "sex",
        "age",
        "years_as_consultant",
        "previous_mentor",
        "status",
    ],
    "responses.csv": ["participant_id", "role", "timepoint", "item", "value"],
    "timepoints.csv": ["timepoint", "label"],
    "sessions.csv": ["mentor_id", "mentee_id", "duration_minutes", "held_on", "mode"],
    "willingness.csv": ["mentor_id", "mentee_id", "willing", "own_supervisor"],
    "codes.csv": ["participant_id", "role", "timepoint", "item", "code"],
    "codebook.csv": ["code", "label", "parent", "description"],
}


def _lead(scheme: Scheme) -> User:
    return User.objects.get(email__startswith="lead")


def _unzip(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_zip_holds_every_file_of_the_folder_with_its_header(demo_scheme: Scheme) -> None:
    files = _unzip(export.study_folder_zip(actor=_lead(demo_scheme), scheme=demo_scheme))
    folder = export.folder_name(demo_scheme)
    assert sorted(files) == sorted(f"{folder}/{name}" for name in HEADERS)
    for name, header in HEADERS.items():
        assert files[f"{folder}/{name}"].splitlines()[0].split(",") == header, name


def test_zip_is_recorded_once_in_the_audit_trail(demo_scheme: Scheme) -> None:
    before = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count()
    export.study_folder_zip(actor=_lead(demo_scheme), scheme=demo_scheme)
    events = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).order_by("pk")
    assert events.count() == before + 1
    assert "study data folder" in events.last().summary  # type: ignore[union-attr]


def test_no_name_or_email_of_anyone_appears_anywhere_in_the_zip(demo_scheme: Scheme) -> None:
    content = export.study_folder_zip(actor=_lead(demo_scheme), scheme=demo_scheme)
    files = _unzip(content)
    assert any(_rows(text) for text in files.values())  # the search has data to search
    people = list(demo_scheme.participants.select_related("user"))
    assert len(people) == 11
    haystack = "\n".join([*files, *files.values()]).lower()
    for person in people:
        for secret in (person.user.email, person.user.full_name, *person.user.full_name.split()):
            if len(secret) > 2:
                assert secret.lower() not in haystack, secret


def test_everyone_consented_is_a_participant_but_only_research_consent_answers(
    demo_scheme: Scheme, no_research_mentor: Participant
) -> None:
    files = export.study_folder(demo_scheme)
    people = _rows(files["participants.csv"].decode())
    consented = [p for p in demo_scheme.participants.all() if p.current_consent()]
    assert sorted(p["participant_id"] for p in people) == sorted(pseudonym(p) for p in consented)
    answered = {r["participant_id"] for r in _rows(files["responses.csv"].decode())}
    hidden = pseudonym(no_research_mentor)
    assert hidden in {p["participant_id"] for p in people}
    assert hidden not in answered
    assert answered  # the other mentors' answers are there
    willing = _rows(files["willingness.csv"].decode())
    assert willing and hidden not in {r["mentor_id"] for r in willing}
    assert {r["participant_id"] for r in people} >= answered


def test_sessions_are_exported_with_research_ids(demo_scheme: Scheme) -> None:
    rows = _rows(export.study_folder(demo_scheme)["sessions.csv"].decode())
    assert sorted(int(r["duration_minutes"]) for r in rows) == [30, 45, 180]
    ids = {
        r["participant_id"]
        for r in _rows(export.study_folder(demo_scheme)["participants.csv"].decode())
    }
    assert {r["mentor_id"] for r in rows} | {r["mentee_id"] for r in rows} <= ids


@pytest.mark.parametrize("quartiles", ["tukey", "haverage"])
def test_analyse_on_the_unzipped_folder_gives_the_results_page_json(
    demo_scheme: Scheme, tmp_path: Path, quartiles: str
) -> None:
    content = export.study_folder_zip(actor=_lead(demo_scheme), scheme=demo_scheme)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        archive.extractall(tmp_path)
    out = tmp_path / "results.json"
    folder = tmp_path / export.folder_name(demo_scheme)
    assert analyse_main([str(folder), "--json", str(out), "--quartiles", quartiles]) == 0
    from_cli = json.loads(out.read_text())
    page = selectors.results(demo_scheme, quartiles)  # type: ignore[arg-type]
    assert page is not None
    assert from_cli["summaries"] and from_cli["comparisons"] and from_cli["sessions"]["n"] == 3
    assert json.loads(json.dumps(page, allow_nan=False)) == from_cli
