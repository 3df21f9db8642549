"""Writing responses.csv and timepoints.csv of the study data folder."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from revmentor.analysis.reader import read_study
from revmentor.core.spreadsheet import from_csv_text
from revmentor.instruments import STUDY_DOMAINS, builtin_instruments
from revmentor.instruments.studyfolder import (
    ResponseRow,
    answer_rows,
    write_responses_csv,
    write_timepoints_csv,
)
from tests.instruments.helpers import full_answers

STUDY = builtin_instruments()


def test_responses_csv_has_the_header_and_one_answer_a_row_exactly() -> None:
    out = io.StringIO()
    count = write_responses_csv(
        [
            ("p1", "mentor", "pre_phase1", "understanding", "4"),
            ("p1", "mentor", "pre_phase1", "concerns_text", 'Line one,\n"two"'),
            ("p2", "mentee", "pre_session", "comments", "=SUM(A1) café"),
        ],
        out,
    )
    assert count == 3
    assert out.getvalue() == (
        "participant_id,role,timepoint,item,value\n"
        "p1,mentor,pre_phase1,understanding,4\n"
        'p1,mentor,pre_phase1,concerns_text,"Line one,\n""two"""\n'
        "p2,mentee,pre_session,comments,'=SUM(A1) café\n"  # a spreadsheet shows it as text
    )
    read_back = list(csv.reader(io.StringIO(out.getvalue())))
    assert read_back[2][4] == 'Line one,\n"two"'
    assert from_csv_text(read_back[3][4]) == "=SUM(A1) café"


def test_rows_are_ordered_by_the_given_time_points_keeping_item_order() -> None:
    out = io.StringIO()
    write_responses_csv(
        [
            ("p2", "mentor", "pre_phase1", "understanding", "2"),
            ("p1", "mentor", "post_phase1", "understanding", "5"),
            ("p1", "mentor", "pre_phase1", "understanding", "3"),
            ("p1", "mentor", "pre_phase1", "concerns", "no"),
        ],
        out,
        timepoints=["pre_phase1", "post_phase1"],
    )
    lines = out.getvalue().splitlines()[1:]
    assert lines == [
        "p1,mentor,pre_phase1,understanding,3",
        "p1,mentor,pre_phase1,concerns,no",
        "p2,mentor,pre_phase1,understanding,2",
        "p1,mentor,post_phase1,understanding,5",
    ]


def test_empty_answers_are_left_out() -> None:
    out = io.StringIO()
    count = write_responses_csv([("p1", "mentor", "pre_phase1", "concerns_text", "")], out)
    assert count == 0
    assert out.getvalue() == "participant_id,role,timepoint,item,value\n"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("p1", "boss", "pre_phase1", "understanding", "4")], "role 'boss'"),
        ([("", "mentor", "pre_phase1", "understanding", "4")], "blank"),
        (
            [
                ("p1", "mentor", "pre_phase1", "understanding", "4"),
                ("p1", "mentor", "pre_phase1", "understanding", "5"),
            ],
            "answer 2 repeats",
        ),
        ([("p1", "mentor", "later", "understanding", "4")], "'later', which is not in"),
    ],
)
def test_bad_rows_are_refused_before_anything_is_written(
    rows: list[tuple[str, str, str, str, str]], message: str
) -> None:
    out = io.StringIO()
    with pytest.raises(ValueError, match=message):
        write_responses_csv(rows, out, timepoints=["pre_phase1"])
    assert out.getvalue() == ""


def test_timepoints_csv_keeps_the_chronological_order_given() -> None:
    out = io.StringIO()
    count = write_timepoints_csv(
        [("pre_phase1", "Before phase 1"), ("post_phase1", "After phase 1")], out
    )
    assert count == 2
    assert out.getvalue() == (
        "timepoint,label\npre_phase1,Before phase 1\npost_phase1,After phase 1\n"
    )
    with pytest.raises(ValueError, match="listed twice"):
        write_timepoints_csv([("a", ""), ("a", "")], io.StringIO())


def test_answer_rows_follow_the_instrument_order_and_drop_unknown_names() -> None:
    mentor_pre = STUDY[0]
    answers = {"confidence.technology": "2", "understanding": "4", "stray": "x"}
    assert list(answer_rows("p1", mentor_pre, STUDY_DOMAINS, answers)) == [
        ("p1", "mentor", "pre_phase1", "understanding", "4"),
        ("p1", "mentor", "pre_phase1", "confidence.technology", "2"),
    ]


def test_a_written_folder_is_read_by_the_analysis(tmp_path: Path) -> None:
    (tmp_path / "participants.csv").write_text(
        "participant_id,role,status\nm1,mentor,active\nc1,mentee,active\n", encoding="utf-8"
    )
    rows: list[ResponseRow] = []
    for instrument in STUDY:
        person = "m1" if instrument.role == "mentor" else "c1"
        answers = full_answers(instrument, STUDY_DOMAINS)
        rows += answer_rows(person, instrument, STUDY_DOMAINS, answers)
    order = ["pre_phase1", "post_phase1", "pre_session", "post_session"]
    with (tmp_path / "responses.csv").open("w", encoding="utf-8", newline="") as out:
        written = write_responses_csv(reversed(rows), out, timepoints=order)
    study = read_study(tmp_path)
    assert written == len(rows)
    assert study.timepoints == order
    assert "confidence.clinical_practice" in {item.name for item in study.items}


def test_a_number_is_stored_as_the_number_it_is_not_as_typed() -> None:
    from revmentor.instruments import clean_answers

    [mentee_pre] = [
        i for i in builtin_instruments() if any(x.name == "expected_minutes" for x in i.items)
    ]
    clean, errors = clean_answers(
        mentee_pre,
        STUDY_DOMAINS,
        {"expected_minutes": " 0045 "},
        only=[mentee_pre.item("expected_minutes")],
        complete=False,
    )
    assert (clean, errors) == ({"expected_minutes": "45"}, {})
