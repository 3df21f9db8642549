"""REDCap data dictionary interchange: export, import, round trips and rejections."""

from __future__ import annotations

import csv
import io

import pytest

from revmentor.instruments import (
    STUDY_DOMAINS,
    Domain,
    Instrument,
    builtin_instruments,
    clean_answers,
)
from revmentor.instruments.problems import ExportProblem, ImportProblem
from revmentor.instruments.redcap import (
    COLUMNS,
    answer_to_variable,
    data_dictionary_to_instruments,
    instruments_to_data_dictionary,
)

STUDY = builtin_instruments()


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _dictionary(rows: list[dict[str, str]]) -> str:
    """Write a data dictionary from partial rows (missing columns blank)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, restval="")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def _field(name: str, form: str, kind: str, label: str, **more: str) -> dict[str, str]:
    columns = {
        "section": "Section Header",
        "choices": "Choices, Calculations, OR Slider Labels",
        "note": "Field Note",
        "validation": "Text Validation Type OR Show Slider Number",
        "vmin": "Text Validation Min",
        "vmax": "Text Validation Max",
        "branching": "Branching Logic (Show field only if...)",
        "required": "Required Field?",
        "matrix": "Matrix Group Name",
        "annotation": "Field Annotation",
    }
    row = {
        "Variable / Field Name": name,
        "Form Name": form,
        "Field Type": kind,
        "Field Label": label,
    }
    row.update({columns[key]: value for key, value in more.items()})
    return row


def test_all_six_study_instruments_round_trip_through_one_dictionary() -> None:
    text = instruments_to_data_dictionary(STUDY, STUDY_DOMAINS)
    back = data_dictionary_to_instruments(
        text,
        role="mentor",
        role_by_form={i.key: i.role for i in STUDY},
        timepoint_by_form={i.key: i.timepoint for i in STUDY},
    )
    assert [i.key for i in back] == [i.key for i in STUDY]
    for original, imported in zip(STUDY, back, strict=True):
        assert imported.sections == original.sections, original.key
        assert (imported.role, imported.timepoint) == (original.role, original.timepoint)


@pytest.mark.parametrize("instrument", STUDY, ids=lambda i: i.key)
def test_each_study_instrument_round_trips_alone_with_plain_names(instrument: Instrument) -> None:
    text = instruments_to_data_dictionary([instrument], STUDY_DOMAINS)
    (back,) = data_dictionary_to_instruments(text, role=instrument.role)
    assert back.sections == instrument.sections
    variables = [r["Variable / Field Name"] for r in _rows(text)]
    for slot in instrument.answerables(STUDY_DOMAINS):
        assert answer_to_variable(slot.name) in variables


def test_dictionary_has_redcap_columns_record_id_first_and_unique_variables() -> None:
    text = instruments_to_data_dictionary(STUDY, STUDY_DOMAINS)
    header = next(csv.reader(io.StringIO(text)))
    assert tuple(header) == COLUMNS
    assert len(header) == 18
    rows = _rows(text)
    assert rows[0]["Variable / Field Name"] == "record_id"
    variables = [r["Variable / Field Name"] for r in rows]
    assert len(variables) == len(set(variables))
    assert all(len(v) <= 100 and v == v.lower() for v in variables)
    # Names shared between instruments are qualified by the form.
    assert "mentor_pre_phase1___confidence__clinical_practice" in variables
    assert [r["Form Name"] for r in rows[1:]].count("mentee_post_session") > 0


def test_items_are_written_as_the_matching_redcap_fields() -> None:
    mentor_post = next(i for i in STUDY if i.key == "mentor_post_session")
    rows = {
        r["Variable / Field Name"]: r
        for r in _rows(instruments_to_data_dictionary([mentor_post], STUDY_DOMAINS))
    }
    understanding = rows["understanding"]
    assert understanding["Field Type"] == "radio"
    assert understanding["Choices, Calculations, OR Slider Labels"] == (
        "1, 1 - Not at all | 2, 2 | 3, 3 | 4, 4 | 5, 5 - Completely"
    )
    assert understanding["Required Field?"] == "y"
    assert understanding["Section Header"] == "Understanding and concerns"
    assert rows["concerns"]["Field Type"] == "yesno"
    concerns_text = rows["concerns_text"]
    assert concerns_text["Field Type"] == "notes"
    assert concerns_text["Branching Logic (Show field only if...)"] == "[concerns] = '1'"
    assert "@CHARLIMIT=2000" in concerns_text["Field Annotation"]
    grid_row = rows["confidence__clinical_practice"]
    assert grid_row["Field Type"] == "radio"
    assert grid_row["Matrix Group Name"] == "confidence"
    assert grid_row["Field Label"] == "Clinical practice"
    assert rows["time_devoted"]["Choices, Calculations, OR Slider Labels"] == (
        "too_short, Too short | about_right, About right | too_long, Too long"
    )


def test_number_items_are_integer_text_fields_with_min_and_max() -> None:
    mentee_pre = next(i for i in STUDY if i.key == "mentee_pre_session")
    rows = {
        r["Variable / Field Name"]: r
        for r in _rows(instruments_to_data_dictionary([mentee_pre], STUDY_DOMAINS))
    }
    minutes = rows["expected_minutes"]
    assert minutes["Field Type"] == "text"
    assert minutes["Text Validation Type OR Show Slider Number"] == "integer"
    assert (minutes["Text Validation Min"], minutes["Text Validation Max"]) == ("5", "600")


def test_refusing_to_qualify_shared_names_is_an_export_problem() -> None:
    with pytest.raises(ExportProblem) as caught:
        instruments_to_data_dictionary(STUDY, STUDY_DOMAINS, qualify=False)
    assert any("'concerns' would appear 6 times" in p for p in caught.value.problems)


def test_a_file_field_and_a_date_field_are_both_named_by_row() -> None:
    text = _dictionary(
        [
            _field("record_id", "intake", "text", "Record ID"),
            _field("consent_form", "intake", "file", "Upload your consent form"),
            _field("role_title", "intake", "text", "Your job title"),
            _field("start_date", "intake", "text", "Start date", validation="date_ymd"),
        ]
    )
    with pytest.raises(ImportProblem) as caught:
        data_dictionary_to_instruments(text, role="mentee")
    problems = caught.value.problems
    assert len(problems) == 2
    assert problems[0].startswith("row 3 ('consent_form'): field type 'file'")
    assert problems[1].startswith("row 5 ('start_date'): text validated as 'date_ymd'")


def test_every_unmappable_row_is_listed() -> None:
    text = _dictionary(
        [
            _field("record_id", "intake", "text", "Record ID"),
            _field("bmi", "intake", "calc", "BMI", choices="[weight]/([height]^2)"),
            _field("mood", "intake", "slider", "Mood"),
            _field("topics", "intake", "checkbox", "Topics", choices="1, A | 2, B"),
            _field("intro", "intake", "descriptive", "Please read this first"),
            _field("email", "intake", "text", "Email", validation="email"),
            _field("weight", "intake", "text", "Weight", validation="number"),
            _field("age", "intake", "text", "Age", validation="integer"),
            _field("ok", "intake", "yesno", "OK?", branching="[age] > 18"),
        ]
    )
    with pytest.raises(ImportProblem) as caught:
        data_dictionary_to_instruments(text, role="mentee")
    text_of = "\n".join(caught.value.problems)
    for row, variable in [
        (3, "bmi"),
        (4, "mood"),
        (5, "topics"),
        (6, "intro"),
        (7, "email"),
        (8, "weight"),
        (9, "age"),
        (10, "ok"),
    ]:
        assert f"row {row} ('{variable}')" in text_of
    assert "change the validation to integer" in text_of
    assert "Min and Max" in text_of
    assert "[field] = 'value'" in text_of


FEEDBACK_SURVEY = [
    _field("record_id", "feedback_survey", "text", "Record ID"),
    _field(
        "overall",
        "feedback_survey",
        "radio",
        "Overall, how would you rate the scheme?",
        section="Your experience",
        choices="1, Poor | 2, Fair | 3, Good | 4, Very good | 5, Excellent",
        required="y",
    ),
    _field(
        "helpful",
        "feedback_survey",
        "radio",
        "How helpful was your mentor?",
        choices="1, 1 - Not helpful | 2, 2 | 3, 3 | 4, 4 | 5, 5 - Very helpful",
        required="y",
    ),
    _field("recommend", "feedback_survey", "yesno", "Would you recommend it?", required="y"),
    _field(
        "why_not",
        "feedback_survey",
        "notes",
        "Why would you not recommend it?",
        branching="[recommend] = '0'",
        annotation="@CHARLIMIT=500",
    ),
    _field(
        "hours",
        "feedback_survey",
        "text",
        "How many hours did you spend on the scheme?",
        validation="integer",
        vmin="0",
        vmax="100",
        note="Whole hours",
    ),
    _field(
        "site",
        "feedback_survey",
        "dropdown",
        "Which site do you work at?",
        choices="ri, Royal Infirmary | gh, General Hospital",
        section="About you",
    ),
    _field(
        "skills__listening",
        "feedback_survey",
        "radio",
        "Listening",
        choices="1, 1 - Low | 2, 2 | 3, 3 | 4, 4 | 5, 5 - High",
        matrix="skills",
    ),
    _field(
        "skills__speaking",
        "feedback_survey",
        "radio",
        "Speaking",
        choices="1, 1 - Low | 2, 2 | 3, 3 | 4, 4 | 5, 5 - High",
        matrix="skills",
    ),
]


def test_a_trusts_own_feedback_survey_imports_and_validates() -> None:
    (survey,) = data_dictionary_to_instruments(
        _dictionary(FEEDBACK_SURVEY),
        role="mentee",
        timepoint_by_form={"feedback_survey": "post_session"},
    )
    assert (survey.key, survey.title, survey.timepoint, survey.role) == (
        "feedback_survey",
        "Feedback survey",
        "post_session",
        "mentee",
    )
    assert [s.title for s in survey.sections] == ["Your experience", "About you"]
    types = {item.name: item.type for item in survey.items}
    # A matrix whose names are not the scheme's domains stays separate likert items.
    assert types == {
        "overall": "choice",
        "helpful": "likert",
        "recommend": "yes_no",
        "why_not": "text",
        "hours": "number",
        "site": "choice",
        "skills__listening": "likert",
        "skills__speaking": "likert",
    }
    assert survey.item("helpful").ends == ("Not helpful", "Very helpful")
    assert survey.item("why_not").show_if == ("recommend", "no")
    assert survey.item("why_not").max_length == 500
    assert (survey.item("hours").min, survey.item("hours").max) == (0, 100)
    assert survey.item("hours").hint == "Whole hours"
    clean, errors = clean_answers(
        survey,
        STUDY_DOMAINS,
        {"overall": "5", "helpful": "4", "recommend": "no", "hours": "12"},
        complete=True,
    )
    assert errors == {}
    assert clean == {"overall": "5", "helpful": "4", "recommend": "no", "hours": "12"}
    _, errors = clean_answers(survey, STUDY_DOMAINS, {"recommend": "yes"}, complete=True)
    assert set(errors) == {"overall", "helpful"}


def test_a_matrix_over_the_schemes_domains_becomes_a_grid() -> None:
    domains = (Domain("listening", "Listening"), Domain("speaking", "Speaking"))
    (survey,) = data_dictionary_to_instruments(
        _dictionary(FEEDBACK_SURVEY), role="mentee", domains=domains
    )
    grid = survey.item("skills")
    assert grid.type == "domain_grid"
    assert grid.ends == ("Low", "High")
    assert [a.name for a in survey.answerables(domains) if a.item is grid] == [
        "skills.listening",
        "skills.speaking",
    ]


def test_import_without_a_record_id_row_keeps_the_first_field() -> None:
    text = _dictionary(FEEDBACK_SURVEY[1:])
    (survey,) = data_dictionary_to_instruments(text, role="mentee")
    assert survey.items[0].name == "overall"


def test_a_form_name_that_is_not_a_key_is_named() -> None:
    text = _dictionary([_field("q", "x", "yesno", "Question")])
    with pytest.raises(ImportProblem, match="form name 'x'"):
        data_dictionary_to_instruments(text, role="mentee")


def test_a_file_that_is_not_a_data_dictionary_is_refused() -> None:
    with pytest.raises(ImportProblem, match="not a REDCap data dictionary"):
        data_dictionary_to_instruments("participant_id,role\np1,mentor\n", role="mentee")
