"""FHIR R5 interchange: Questionnaire export/import and QuestionnaireResponse checks."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fhir.resources.questionnaire import Questionnaire
from fhir.resources.questionnaireresponse import QuestionnaireResponse

from revmentor.instruments import (
    STUDY_DOMAINS,
    Domain,
    Instrument,
    builtin_instruments,
    clean_answers,
    load_definition,
)
from revmentor.instruments.fhir import (
    EXT_ITEM_TYPE,
    EXT_MAX_VALUE,
    EXT_MIN_VALUE,
    check_response,
    instrument_to_questionnaire,
    questionnaire_to_instrument,
    response_to_questionnaire_response,
)
from revmentor.instruments.problems import ExportProblem, ImportProblem
from tests.instruments.helpers import full_answers

STUDY = builtin_instruments()


def _walk(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for item in items:
        out.append(item)
        out += _walk(item.get("item", []))
        for answer in item.get("answer", []):
            out += _walk(answer.get("item", []))
    return out


def _answers_from(response: dict[str, Any]) -> dict[str, str]:
    """Decode a QuestionnaireResponse back into stored answer strings."""
    answers = {}
    for item in _walk(response.get("item", [])):
        for answer in item.get("answer", []):
            if "valueBoolean" in answer:
                answers[item["linkId"]] = "yes" if answer["valueBoolean"] else "no"
            elif "valueInteger" in answer:
                answers[item["linkId"]] = str(answer["valueInteger"])
            elif "valueString" in answer:
                answers[item["linkId"]] = answer["valueString"]
            else:
                answers[item["linkId"]] = answer["valueCoding"]["code"]
    return answers


@pytest.mark.parametrize("instrument", STUDY, ids=lambda i: i.key)
def test_study_instrument_round_trips_through_a_fhir_questionnaire(instrument: Instrument) -> None:
    questionnaire = instrument_to_questionnaire(instrument, STUDY_DOMAINS)
    back = questionnaire_to_instrument(
        questionnaire, role=instrument.role, timepoint=instrument.timepoint, domains=STUDY_DOMAINS
    )
    assert back.sections == instrument.sections
    assert (back.key, back.version, back.title, back.description) == (
        instrument.key,
        instrument.version,
        instrument.title,
        instrument.description,
    )


@pytest.mark.parametrize("instrument", STUDY, ids=lambda i: i.key)
def test_question_link_ids_are_the_answer_names(instrument: Instrument) -> None:
    questionnaire = instrument_to_questionnaire(instrument, STUDY_DOMAINS)
    Questionnaire.model_validate(questionnaire)
    questions = {
        i["linkId"] for i in _walk(questionnaire["item"]) if i["type"] not in ("group", "display")
    }
    assert questions == {a.name for a in instrument.answerables(STUDY_DOMAINS)}


def test_questionnaire_writes_types_ranges_and_conditions_as_fhir_r5() -> None:
    mentee_pre = next(i for i in STUDY if i.key == "mentee_pre_session")
    questionnaire = instrument_to_questionnaire(mentee_pre, STUDY_DOMAINS)
    by_link = {i["linkId"]: i for i in _walk(questionnaire["item"])}
    assert questionnaire["url"].endswith("/Questionnaire/mentee_pre_session")
    assert (questionnaire["version"], questionnaire["status"]) == ("1", "active")
    assert by_link["concerns"]["type"] == "boolean"
    assert by_link["concerns_text"]["type"] == "text"
    assert by_link["concerns_text"]["maxLength"] == 2000
    assert by_link["concerns_text"]["enableWhen"] == [
        {"question": "concerns", "operator": "=", "answerBoolean": True}
    ]
    minutes = by_link["expected_minutes"]
    assert minutes["type"] == "integer"
    extensions = {e["url"]: e for e in minutes["extension"]}
    assert extensions[EXT_MIN_VALUE]["valueInteger"] == 5
    assert extensions[EXT_MAX_VALUE]["valueInteger"] == 600
    assert extensions[EXT_ITEM_TYPE]["valueCode"] == "number"
    grid = by_link["awareness"]
    assert grid["type"] == "group"
    assert [c["linkId"] for c in grid["item"]] == [f"awareness.{d.slug}" for d in STUDY_DOMAINS]
    assert all(c["required"] for c in grid["item"])
    codes = [o["valueCoding"]["code"] for o in by_link["awareness.strengths"]["answerOption"]]
    assert codes == ["1", "2", "3", "4", "5"]


def test_grid_uses_the_schemes_own_domains() -> None:
    domains = (Domain("teaching", "Teaching"), Domain("rota", "Rota planning"))
    mentee_post = next(i for i in STUDY if i.key == "mentee_post_session")
    questionnaire = instrument_to_questionnaire(mentee_post, domains)
    links = {i["linkId"] for i in _walk(questionnaire["item"])}
    assert {"importance.teaching", "importance.rota"} <= links
    assert "importance.technology" not in links
    back = questionnaire_to_instrument(
        questionnaire, role="mentee", timepoint="post_session", domains=domains
    )
    assert back.sections == mentee_post.sections
    with pytest.raises(ImportProblem) as caught:
        questionnaire_to_instrument(
            questionnaire, role="mentee", timepoint="post_session", domains=STUDY_DOMAINS
        )
    assert any("'importance'" in p and "teaching, rota" in p for p in caught.value.problems)


@pytest.mark.parametrize("instrument", STUDY, ids=lambda i: i.key)
def test_full_response_validates_passes_the_check_and_keeps_every_answer(
    instrument: Instrument,
) -> None:
    answers = full_answers(instrument, STUDY_DOMAINS)
    response = response_to_questionnaire_response(
        instrument,
        STUDY_DOMAINS,
        answers,
        subject_ref="ResearchSubject/p017",
        authored="2025-03-04T10:15:00+00:00",
    )
    QuestionnaireResponse.model_validate(response)
    questionnaire = instrument_to_questionnaire(instrument, STUDY_DOMAINS)
    assert check_response(questionnaire, response) == []
    assert response["questionnaire"] == f"{questionnaire['url']}|{instrument.version}"
    assert response["subject"] == {"reference": "ResearchSubject/p017"}
    assert _answers_from(response) == answers


def test_response_leaves_out_unanswered_questions_and_empty_groups() -> None:
    mentor_pre = STUDY[0]
    answers = {"understanding": "3", "concerns": "no"}
    response = response_to_questionnaire_response(
        mentor_pre, STUDY_DOMAINS, answers, subject_ref="ResearchSubject/p1", authored=None
    )
    assert "authored" not in response
    assert [i["linkId"] for i in response["item"]] == ["section-1"]
    assert _answers_from(response) == answers


def _mentor_pre_response() -> tuple[dict[str, Any], dict[str, Any]]:
    mentor_pre = STUDY[0]
    questionnaire = instrument_to_questionnaire(mentor_pre, STUDY_DOMAINS)
    response = response_to_questionnaire_response(
        mentor_pre,
        STUDY_DOMAINS,
        full_answers(mentor_pre, STUDY_DOMAINS),
        subject_ref="ResearchSubject/p1",
        authored=None,
    )
    return questionnaire, response


def _item(response: dict[str, Any], link: str) -> dict[str, Any]:
    return next(i for i in _walk(response["item"]) if i["linkId"] == link)


def test_check_response_catches_a_value_of_the_wrong_type() -> None:
    questionnaire, response = _mentor_pre_response()
    _item(response, "concerns")["answer"] = [{"valueString": "yes"}]
    problems = check_response(questionnaire, response)
    assert len(problems) == 1
    assert "'concerns'" in problems[0] and "valueBoolean" in problems[0]
    # fhir.resources itself accepts it: this is why the check exists.
    QuestionnaireResponse.model_validate(response)


def test_check_response_catches_an_unknown_link_id_and_a_code_outside_the_options() -> None:
    questionnaire, response = _mentor_pre_response()
    response["item"][0]["item"].append({"linkId": "mood", "answer": [{"valueString": "ok"}]})
    _item(response, "confidence.technology")["answer"] = [{"valueCoding": {"code": "7"}}]
    problems = check_response(questionnaire, response)
    assert any("'mood' is not in the Questionnaire" in p for p in problems)
    assert any("'confidence.technology'" in p and "'7'" in p for p in problems)
    assert len(problems) == 2


def test_check_response_catches_numbers_out_of_range_and_text_too_long() -> None:
    mentee_pre = next(i for i in STUDY if i.key == "mentee_pre_session")
    questionnaire = instrument_to_questionnaire(mentee_pre, STUDY_DOMAINS)
    response = response_to_questionnaire_response(
        mentee_pre,
        STUDY_DOMAINS,
        full_answers(mentee_pre, STUDY_DOMAINS),
        subject_ref="ResearchSubject/p2",
        authored=None,
    )
    bad = copy.deepcopy(response)
    _item(bad, "expected_minutes")["answer"] = [{"valueInteger": 601}]
    _item(bad, "concerns_text")["answer"] = [{"valueString": "x" * 2001}]
    problems = check_response(questionnaire, bad)
    assert any("'expected_minutes'" in p and "maximum 600" in p for p in problems)
    assert any("'concerns_text'" in p and "maxLength 2000" in p for p in problems)


def test_check_response_catches_an_item_under_the_wrong_group_and_another_questionnaire() -> None:
    questionnaire, response = _mentor_pre_response()
    moved = response["item"][0]["item"].pop(0)
    response["item"][1]["item"].append(moved)
    response["questionnaire"] = "https://example.org/Questionnaire/other|1"
    problems = check_response(questionnaire, response)
    assert any("'understanding' is under 'section-2'" in p for p in problems)
    assert any("not for the Questionnaire" in p for p in problems)


def test_exporting_a_response_refuses_unknown_names_and_values_that_do_not_fit() -> None:
    with pytest.raises(ExportProblem) as caught:
        response_to_questionnaire_response(
            STUDY[0],
            STUDY_DOMAINS,
            {"understanding": "7", "mood": "good", "confidence.technology": "2"},
            subject_ref="ResearchSubject/p1",
            authored=None,
        )
    problems = caught.value.problems
    assert len(problems) == 2
    assert any("'mood' is not a question" in p for p in problems)
    assert any("'understanding' has the answer '7'" in p for p in problems)


def test_export_refuses_a_show_if_on_a_grid() -> None:
    instrument = load_definition(
        {
            "key": "odd",
            "version": 1,
            "title": "Odd",
            "role": "mentor",
            "timepoint": "pre_phase1",
            "sections": [
                {
                    "title": "One",
                    "items": [
                        {
                            "name": "confidence",
                            "type": "domain_grid",
                            "text": "How confident?",
                            "ends": {"low": "Not", "high": "Very"},
                        },
                        {
                            "name": "why",
                            "type": "text",
                            "text": "Why?",
                            "max_length": 100,
                            "show_if": {"item": "confidence", "equals": "5"},
                        },
                    ],
                }
            ],
        }
    )
    with pytest.raises(ExportProblem, match="'why' is shown only if 'confidence'"):
        instrument_to_questionnaire(instrument, STUDY_DOMAINS)


def _third_party(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "Questionnaire",
        "url": "https://trust.example.nhs.uk/fhir/Questionnaire/staff_feedback",
        "version": "3",
        "title": "Staff feedback",
        "status": "active",
        "item": items,
    }


def test_a_date_item_is_rejected_naming_its_link_id() -> None:
    questionnaire = _third_party(
        [
            {"linkId": "rating", "text": "Rate us", "type": "boolean"},
            {"linkId": "session_date", "text": "When did you meet?", "type": "date"},
        ]
    )
    with pytest.raises(ImportProblem) as caught:
        questionnaire_to_instrument(questionnaire, role="mentee", timepoint="post_session")
    assert len(caught.value.problems) == 1
    problem = caught.value.problems[0]
    assert "'session_date'" in problem and "'date'" in problem and "text question" in problem


def test_every_unmappable_item_is_listed_with_what_to_change() -> None:
    questionnaire = _third_party(
        [
            {"linkId": "weight", "text": "Weight", "type": "decimal"},
            {"linkId": "letter", "text": "Upload", "type": "attachment"},
            {"linkId": "colours", "text": "Colours", "type": "string", "repeats": True},
            {"linkId": "1.1", "text": "Name a thing", "type": "string"},
            {
                "linkId": "outer",
                "text": "Outer",
                "type": "group",
                "item": [
                    {
                        "linkId": "inner",
                        "text": "Inner",
                        "type": "group",
                        "item": [{"linkId": "deep", "text": "Deep", "type": "boolean"}],
                    }
                ],
            },
            {"linkId": "minutes", "text": "Minutes", "type": "integer"},
            {
                "linkId": "pick",
                "text": "Pick",
                "type": "coding",
                "answerValueSet": "http://example.org/ValueSet/x",
            },
        ]
    )
    with pytest.raises(ImportProblem) as caught:
        questionnaire_to_instrument(questionnaire, role="mentee", timepoint="post_session")
    text = "\n".join(caught.value.problems)
    assert "'weight' has type 'decimal'" in text and "integer" in text
    assert "'letter' has type 'attachment'" in text
    assert "'colours' repeats" in text
    assert "'1.1' cannot be an answer name" in text and "'q1_1'" in text
    assert "'inner' is a group inside group 'outer'" in text
    assert "'minutes'" in text and "minValue" in text
    assert "'pick'" in text and "answerOption" in text


def test_a_third_party_questionnaire_imports_as_a_custom_instrument() -> None:
    questionnaire = _third_party(
        [
            {
                "linkId": "about",
                "text": "About the session",
                "type": "group",
                "item": [
                    {
                        "linkId": "useful",
                        "text": "How useful was it?",
                        "type": "coding",
                        "required": True,
                        "answerOption": [
                            {"valueCoding": {"code": "1", "display": "1 - Not useful"}},
                            {"valueCoding": {"code": "2", "display": "2"}},
                            {"valueCoding": {"code": "3", "display": "3"}},
                            {"valueCoding": {"code": "4", "display": "4"}},
                            {"valueCoding": {"code": "5", "display": "5 - Very useful"}},
                        ],
                    },
                    {
                        "linkId": "format",
                        "text": "How did you meet?",
                        "type": "coding",
                        "answerOption": [
                            {"valueCoding": {"code": "in_person", "display": "In person"}},
                            {"valueCoding": {"code": "video", "display": "Video call"}},
                        ],
                    },
                    {"linkId": "again", "text": "Would you do it again?", "type": "boolean"},
                    {
                        "linkId": "why_not",
                        "text": "Why not?",
                        "type": "string",
                        "enableWhen": [
                            {"question": "again", "operator": "=", "answerBoolean": False}
                        ],
                        "item": [
                            {
                                "linkId": "why_not_help",
                                "text": "A sentence is enough.",
                                "type": "display",
                            }
                        ],
                    },
                    {
                        "linkId": "minutes",
                        "text": "How long did you meet?",
                        "type": "integer",
                        "extension": [
                            {"url": EXT_MIN_VALUE, "valueInteger": 0},
                            {"url": EXT_MAX_VALUE, "valueInteger": 240},
                        ],
                    },
                ],
            }
        ]
    )
    instrument = questionnaire_to_instrument(questionnaire, role="mentee", timepoint="post_session")
    assert (instrument.key, instrument.version, instrument.title) == (
        "staff_feedback",
        3,
        "Staff feedback",
    )
    assert [s.title for s in instrument.sections] == ["About the session"]
    types = {item.name: item.type for item in instrument.items}
    assert types == {
        "useful": "likert",
        "format": "choice",
        "again": "yes_no",
        "why_not": "text",
        "minutes": "number",
    }
    assert instrument.item("useful").ends == ("Not useful", "Very useful")
    assert instrument.item("useful").required
    assert instrument.item("why_not").show_if == ("again", "no")
    assert instrument.item("why_not").hint == "A sentence is enough."
    assert (instrument.item("minutes").min, instrument.item("minutes").max) == (0, 240)
    clean, errors = clean_answers(
        instrument,
        STUDY_DOMAINS,
        {"useful": "4", "format": "video", "again": "no", "why_not": "Too far", "minutes": "300"},
        complete=True,
    )
    assert errors == {"minutes": "Enter a number of 240 or less"}
    assert clean["why_not"] == "Too far"


def test_an_invalid_resource_is_rejected_before_mapping() -> None:
    with pytest.raises(ImportProblem, match="not a valid FHIR Questionnaire"):
        questionnaire_to_instrument(
            {"resourceType": "Questionnaire", "status": "active", "item": [{"type": "boolean"}]},
            role="mentor",
            timepoint="pre_phase1",
        )


def test_a_definition_rule_broken_by_the_import_names_the_link_id() -> None:
    questionnaire = _third_party(
        [
            {
                "linkId": "later",
                "text": "Shown later",
                "type": "boolean",
                "enableWhen": [{"question": "first", "operator": "=", "answerBoolean": True}],
            },
            {"linkId": "first", "text": "First", "type": "boolean"},
        ]
    )
    with pytest.raises(ImportProblem) as caught:
        questionnaire_to_instrument(questionnaire, role="mentor", timepoint="pre_phase1")
    assert caught.value.problems == [
        "'later' is shown only if 'first', which must be an earlier item"
    ]
