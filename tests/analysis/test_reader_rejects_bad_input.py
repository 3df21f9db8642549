"""Malformed study folders are rejected with one message per problem: file, row, column."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from revmentor.analysis import StudyDataError, read_study
from revmentor.analysis.reader import Study
from tests.analysis.conftest import paper_rows

RESPONSES = ["participant_id", "role", "timepoint", "item", "value"]
MakeStudy = Callable[..., Path]


def responses_with(*extra: tuple[object, ...]) -> tuple[list[str], list[tuple[object, ...]]]:
    """Return the paper's responses with ``extra`` rows appended (rows 2.. in the file)."""
    header, rows = paper_rows()["responses.csv"]
    return header, [*rows, *extra]


def problems(folder: Path) -> list[str]:
    with pytest.raises(StudyDataError) as caught:
        read_study(folder)
    return [str(p) for p in caught.value.problems]


def last_row() -> int:
    """Return the file row of the first appended response (header is row 1)."""
    return len(paper_rows()["responses.csv"][1]) + 2


def test_the_paper_folder_reads_without_problems(paper_study: Path) -> None:
    study = read_study(paper_study)
    assert isinstance(study, Study)
    assert study.timepoints[:4] == ["pre_phase1", "post_phase1", "pre_session", "post_session"]


def test_unknown_role_is_reported_with_row_and_column(make_study: MakeStudy) -> None:
    folder = make_study(responses_csv=responses_with(("M1", "boss", "pre_phase1", "x", "1")))
    assert problems(folder) == [
        f"responses.csv, row {last_row()}, column role: unknown role 'boss'; use mentor or mentee"
    ]


def test_value_out_of_range_is_reported(make_study: MakeStudy) -> None:
    folder = make_study(
        responses_csv=responses_with(("M6", "mentor", "post_phase1", "confidence.strengths", 7))
    )
    [message] = problems(folder)
    assert message.startswith(f"responses.csv, row {last_row()}, column value: 7 is out of range")
    assert "from 1 to 5" in message


def test_value_that_is_not_a_number_is_reported(make_study: MakeStudy) -> None:
    folder = make_study(
        responses_csv=responses_with(("M6", "mentor", "post_phase1", "confidence.strengths", "3,5"))
    )
    [message] = problems(folder)
    assert message.startswith(f"responses.csv, row {last_row()}, column value: '3,5' is not")


def test_duplicate_answer_names_both_rows(make_study: MakeStudy) -> None:
    header, rows = paper_rows()["responses.csv"]
    first = next(i for i, r in enumerate(rows) if r[3] == "understanding")
    folder = make_study(responses_csv=(header, [*rows, rows[first]]))
    assert problems(folder) == [
        f"responses.csv, row {last_row()}: duplicate answer: 'M1' already answered "
        f"'understanding' at 'pre_phase1' in row {first + 2}"
    ]


def test_answer_from_unknown_participant_is_reported(make_study: MakeStudy) -> None:
    folder = make_study(
        responses_csv=responses_with(("M9", "mentor", "pre_phase1", "understanding", 3))
    )
    assert problems(folder) == [
        f"responses.csv, row {last_row()}, column participant_id: answer from unknown "
        "participant 'M9' (not in participants.csv)"
    ]


def test_code_for_an_answer_that_does_not_exist_is_reported(make_study: MakeStudy) -> None:
    header, rows = paper_rows()["codes.csv"]
    folder = make_study(
        codes_csv=(
            header,
            [*rows, ("C3", "mentee", "pre_session", "concerns_text", "hierarchy", "")],
        )
    )
    [message] = problems(folder)
    assert message.startswith(f"codes.csv, row {len(rows) + 2}: code 'hierarchy' is applied")
    assert "'C3' has no answer to 'concerns_text' at 'pre_session'" in message


def test_missing_required_column_is_reported_on_the_header_row(make_study: MakeStudy) -> None:
    header, rows = paper_rows()["responses.csv"]
    folder = make_study(responses_csv=(header[:4], [r[:4] for r in rows]))
    assert problems(folder) == [
        "responses.csv, row 1, column value: required column is missing from the header"
    ]


def test_missing_participants_file_is_reported(make_study: MakeStudy) -> None:
    folder = make_study(participants_csv=None)
    assert any(p.startswith("participants.csv: is missing") for p in problems(folder))


def test_every_problem_is_listed_not_only_the_first(make_study: MakeStudy) -> None:
    folder = make_study(
        responses_csv=responses_with(
            ("M6", "boss", "post_phase1", "understanding", 3),
            ("X1", "mentor", "post_phase1", "understanding", 3),
            ("C1", "mentee", "post_phase1", "awareness.strengths", 0),
        )
    )
    row = last_row()
    assert sorted(problems(folder)) == sorted(
        [
            f"responses.csv, row {row}, column role: unknown role 'boss'; use mentor or mentee",
            f"responses.csv, row {row + 1}, column participant_id: answer from unknown "
            "participant 'X1' (not in participants.csv)",
            f"responses.csv, row {row + 2}, column value: 0 is out of range for "
            "'awareness.strengths': give a whole number from 1 to 5",
        ]
    )


def test_unknown_timepoint_is_rejected_when_timepoints_are_declared(make_study: MakeStudy) -> None:
    folder = make_study(
        responses_csv=responses_with(("M1", "mentor", "phase_9", "understanding", 3))
    )
    assert problems(folder) == [
        f"responses.csv, row {last_row()}, column timepoint: time point 'phase_9' is not "
        "listed in timepoints.csv"
    ]


def test_without_timepoints_file_order_is_first_appearance(make_study: MakeStudy) -> None:
    header, rows = paper_rows()["responses.csv"]
    later_first = sorted(rows, key=lambda r: r[2] != "post_session")
    study = read_study(make_study(responses_csv=(header, later_first), timepoints_csv=None))
    assert study.timepoints[0] == "post_session"


def test_role_disagreeing_with_participants_file_is_reported(make_study: MakeStudy) -> None:
    folder = make_study(
        responses_csv=responses_with(("C1", "mentor", "pre_session", "understanding", 3))
    )
    assert problems(folder) == [
        f"responses.csv, row {last_row()}, column role: participant 'C1' is a mentee in "
        "participants.csv, not a mentor"
    ]


def test_session_with_unknown_mentor_and_bad_duration_is_reported(make_study: MakeStudy) -> None:
    header, rows = paper_rows()["sessions.csv"]
    folder = make_study(sessions_csv=(header, [*rows, ("M7", "C1", "an hour", "", "")]))
    found = problems(folder)
    row = len(rows) + 2
    assert f"sessions.csv, row {row}, column mentor_id: unknown participant 'M7' " in found[0]
    assert found[1] == (
        f"sessions.csv, row {row}, column duration_minutes: 'an hour' is not a positive "
        "number of minutes"
    )


def test_a_flood_of_bad_rows_is_capped_and_counted(make_study: MakeStudy) -> None:
    extra = [("M1", "boss", "pre_phase1", f"x{k}", "yes") for k in range(50)]
    folder = make_study(responses_csv=responses_with(*extra))
    with pytest.raises(StudyDataError) as caught:
        read_study(folder, problem_limit=5)
    assert len(caught.value.problems) == 5
    assert caught.value.more == 45
    assert "45 more" in caught.value.describe()


def test_free_text_with_commas_quotes_and_newlines_is_read(make_study: MakeStudy) -> None:
    text = 'He said "fine", then\nleft; naïve café'
    study = read_study(
        make_study(
            responses_csv=responses_with(("M6", "mentor", "post_phase1", "notes_text", text))
        )
    )
    assert text in set(study.responses.texts.tolist())
