"""HL7 FHIR R5 (5.0.0) interchange: Questionnaire, QuestionnaireResponse and import.

Pure: nothing here imports Django. Resources are plain JSON-ready dicts, validated by
building the ``fhir.resources`` (8.x, FHIR R5) model. How our item types are written:

============  ==============================================================
our type      FHIR ``Questionnaire.item``
============  ==============================================================
likert        ``coding``; answerOption codings ``1``..``5`` (displays as
              :meth:`Item.choices`, ends labelled ``1 – <low>``, ``5 – <high>``)
domain_grid   ``group`` whose children are ``coding`` questions, linkId
              ``<item>.<domain slug>``, the same five answerOptions each
choice        ``coding``; answerOption codings ``<value>``/``<label>``
yes_no        ``boolean`` (answers ``valueBoolean``; ``yes`` is ``true``)
text          ``text`` with ``maxLength``
number        ``integer`` with the minValue/maxValue extensions, unit in the
              questionnaire-unit extension
============  ==============================================================

Every question carries the extension :data:`EXT_ITEM_TYPE` with our type, so that an
export imports back exactly (a ``coding`` item could otherwise be a likert or a choice).
Sections are top-level ``group`` items with linkIds ``section-<n>`` (a hyphen, so they
never clash with an answer name); a hint is a child ``display`` item with the
``help`` item control; a custom "required" message is :data:`EXT_REQUIRED_MESSAGE`;
``show_if`` is one ``enableWhen`` with operator ``=``. linkIds of questions are our
answer names, so a response's linkIds are exactly the ``item`` column of
``responses.csv``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pydantic
from fhir.resources.questionnaire import Questionnaire
from fhir.resources.questionnaireresponse import QuestionnaireResponse

from revmentor.instruments import (
    DefinitionError,
    Domain,
    Instrument,
    Item,
    check_answer,
    load_definition,
)
from revmentor.instruments.problems import (
    ExportProblem,
    ImportProblem,
    explain_definition_error,
    likert_ends,
)

JSON = dict[str, Any]

FHIR_VERSION = "5.0.0"
"""The FHIR release written and expected (R5, the default of ``fhir.resources`` 8)."""

BASE = "https://revmentor.example/fhir"
EXT_ITEM_TYPE = f"{BASE}/StructureDefinition/item-type"
EXT_REQUIRED_MESSAGE = f"{BASE}/StructureDefinition/required-message"
EXT_MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
EXT_MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
EXT_UNIT = "http://hl7.org/fhir/StructureDefinition/questionnaire-unit"
EXT_ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"
UCUM = "http://unitsofmeasure.org"
_UCUM_CODES = {"minutes": "min", "hours": "h", "days": "d", "weeks": "wk"}

IMPORTED_TEXT_MAX_LENGTH = 5000
"""``max_length`` given to an imported string/text question that has no ``maxLength``."""

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_KEY = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
_OPTION_VALUE = re.compile(r"^[A-Za-z0-9_]{1,40}$")
_OUR_TYPES = ("likert", "domain_grid", "choice", "yes_no", "text", "number")

# The value[x] an answer may carry for each Questionnaire item type (R5, plus R4's
# choice/open-choice so that older resources can be checked too).
_ANSWER_KEYS: dict[str, tuple[str, ...]] = {
    "boolean": ("valueBoolean",),
    "decimal": ("valueDecimal",),
    "integer": ("valueInteger",),
    "date": ("valueDate",),
    "dateTime": ("valueDateTime",),
    "time": ("valueTime",),
    "string": ("valueString",),
    "text": ("valueString",),
    "url": ("valueUri",),
    "coding": ("valueCoding",),
    "choice": ("valueCoding",),
    "open-choice": ("valueCoding", "valueString"),
    "attachment": ("valueAttachment",),
    "reference": ("valueReference",),
    "quantity": ("valueQuantity",),
}

_UNSUPPORTED_ADVICE = {
    "decimal": "change it to an integer question with minValue and maxValue",
    "date": "change it to a text question or remove it",
    "dateTime": "change it to a text question or remove it",
    "time": "change it to a text question or remove it",
    "url": "change it to a text question or remove it",
    "attachment": "remove it (revmentor does not store files)",
    "reference": "remove it (revmentor does not link answers to other records)",
    "quantity": "change it to an integer question with a unit",
    "open-choice": "make it a coding question whose answers are only its answerOptions",
    "question": "give it a concrete answer type",
}


# --- export -------------------------------------------------------------------------


def instrument_to_questionnaire(instrument: Instrument, domains: Sequence[Domain]) -> JSON:
    """Return the instrument as a FHIR R5 ``Questionnaire`` (a JSON-ready dict).

    Grids are expanded over ``domains`` (the scheme's domains, in order). The resource is
    validated by ``fhir.resources`` and returned as that model serialises it. Raises
    :class:`ExportProblem` if a ``show_if`` cannot be written (it names a grid, or its
    value does not fit the item it names).
    """
    problems: list[str] = []
    by_name = {item.name: item for item in instrument.items}
    sections = [
        {
            "linkId": f"section-{number}",
            "text": section.title,
            "type": "group",
            "item": [_question(item, by_name, domains, problems) for item in section.items],
        }
        for number, section in enumerate(instrument.sections, start=1)
    ]
    if problems:
        raise ExportProblem(problems)
    resource: JSON = {
        "resourceType": "Questionnaire",
        "id": instrument.key.replace("_", "-"),
        "url": f"{BASE}/Questionnaire/{instrument.key}",
        "version": str(instrument.version),
        "name": instrument.key[0].upper() + instrument.key[1:],
        "title": instrument.title,
        "status": "active",
        "item": sections,
    }
    if instrument.description:
        resource["description"] = instrument.description
    return _validated(Questionnaire, resource)


def _validated(model: Any, resource: JSON) -> JSON:
    """Return ``resource`` as the fhir.resources ``model`` serialises it, or raise."""
    try:
        built = model.model_validate(resource)
    except pydantic.ValidationError as error:
        raise ExportProblem(_pydantic_problems(error)) from error
    result: JSON = json.loads(built.model_dump_json())
    return result


def _pydantic_problems(error: pydantic.ValidationError) -> list[str]:
    problems = []
    for detail in error.errors():
        where = ".".join(str(p) for p in detail["loc"]) or "resource"
        problems.append(f"{where}: {' '.join(detail['msg'].split())}")
    return problems


def _question(
    item: Item, by_name: Mapping[str, Item], domains: Sequence[Domain], problems: list[str]
) -> JSON:
    question: JSON = {"linkId": item.name, "text": item.text}
    extensions: list[JSON] = [{"url": EXT_ITEM_TYPE, "valueCode": item.type}]
    if item.error:
        extensions.append({"url": EXT_REQUIRED_MESSAGE, "valueString": item.error})
    children: list[JSON] = []
    if item.hint:
        children.append(
            {
                "linkId": f"{item.name}-hint",
                "text": item.hint,
                "type": "display",
                "extension": [
                    {
                        "url": EXT_ITEM_CONTROL,
                        "valueCodeableConcept": {
                            "coding": [{"system": ITEM_CONTROL_SYSTEM, "code": "help"}]
                        },
                    }
                ],
            }
        )
    if item.type == "domain_grid":
        question["type"] = "group"
        for domain in domains:
            child: JSON = {
                "linkId": f"{item.name}.{domain.slug}",
                "text": domain.label,
                "type": "coding",
                "answerOption": _answer_options(item),
            }
            if item.required:
                child["required"] = True
            children.append(child)
    elif item.type in ("likert", "choice"):
        question["type"] = "coding"
        question["answerOption"] = _answer_options(item)
    elif item.type == "yes_no":
        question["type"] = "boolean"
    elif item.type == "text":
        question["type"] = "text"
        question["maxLength"] = item.max_length
    else:  # number
        question["type"] = "integer"
        extensions.append({"url": EXT_MIN_VALUE, "valueInteger": item.min})
        extensions.append({"url": EXT_MAX_VALUE, "valueInteger": item.max})
        if item.unit:
            unit: JSON = {"display": item.unit}
            if item.unit in _UCUM_CODES:
                unit = {"system": UCUM, "code": _UCUM_CODES[item.unit], "display": item.unit}
            extensions.append({"url": EXT_UNIT, "valueCoding": unit})
    question["extension"] = extensions
    if item.required:
        question["required"] = True
    if item.show_if:
        condition = _enable_when(item, by_name)
        if isinstance(condition, str):
            problems.append(condition)
        else:
            question["enableWhen"] = [condition]
    if children:
        question["item"] = children
    return question


def _answer_options(item: Item) -> list[JSON]:
    return [{"valueCoding": {"code": v, "display": label}} for v, label in item.choices()]


def _enable_when(item: Item, by_name: Mapping[str, Item]) -> JSON | str:
    """Return the enableWhen of ``item``'s show_if, or a problem message."""
    assert item.show_if is not None
    name, equals = item.show_if
    source = by_name.get(name)
    if source is None or source.type == "domain_grid":
        return f"{item.name!r} is shown only if {name!r}, which is not a single question"
    condition: JSON = {"question": name, "operator": "="}
    if source.type == "yes_no":
        if equals not in ("yes", "no"):
            return f"{item.name!r} is shown only if {name!r} is {equals!r}, not yes or no"
        condition["answerBoolean"] = equals == "yes"
    elif source.type in ("likert", "choice"):
        condition["answerCoding"] = {"code": equals}
    elif source.type == "number":
        if not re.fullmatch(r"-?[0-9]{1,18}", equals):
            return f"{item.name!r} is shown only if {name!r} is {equals!r}, not a whole number"
        condition["answerInteger"] = int(equals)
    else:
        condition["answerString"] = equals
    return condition


def response_to_questionnaire_response(
    instrument: Instrument,
    domains: Sequence[Domain],
    answers: Mapping[str, str],
    *,
    subject_ref: str,
    authored: str | None,
) -> JSON:
    """Return one participant's answers as a FHIR R5 ``QuestionnaireResponse`` dict.

    ``answers`` maps answer names (``confidence.clinical_practice``) to stored strings;
    an empty string counts as unanswered and is left out. ``subject_ref`` is a FHIR
    reference such as ``ResearchSubject/p017`` (use a pseudonymous id); ``authored`` an
    ISO 8601 date-time with time zone, or ``None`` to leave it out. The response is
    ``completed``, refers to ``<Questionnaire url>|<version>`` and mirrors the
    Questionnaire's groups. Raises :class:`ExportProblem` for an answer name the
    instrument does not have, a value that does not fit its item, or a response that
    fails ``fhir.resources`` validation or :func:`check_response`.
    """
    questionnaire = instrument_to_questionnaire(instrument, domains)
    slots = {slot.name: slot for slot in instrument.answerables(domains)}
    problems = [
        f"{name!r} is not a question of {instrument.key} version {instrument.version}"
        for name in answers
        if name not in slots
    ]
    values: dict[str, JSON] = {}
    for name, slot in slots.items():
        value = answers.get(name, "")
        if value == "":
            continue
        problem = check_answer(slot, value)
        if problem:
            problems.append(f"{name!r} has the answer {value!r}, which does not fit: {problem}")
            continue
        values[name] = _answer_value(slot.item, value)
    if problems:
        raise ExportProblem(problems)
    resource: JSON = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{questionnaire['url']}|{questionnaire['version']}",
        "status": "completed",
        "subject": {"reference": subject_ref},
    }
    if authored is not None:
        resource["authored"] = authored
    items = _response_items(_dicts(questionnaire.get("item")), values)
    if items:
        resource["item"] = items
    response = _validated(QuestionnaireResponse, resource)
    problems = check_response(questionnaire, response)
    if problems:
        raise ExportProblem(problems)
    return response


def _answer_value(item: Item, value: str) -> JSON:
    if item.type == "yes_no":
        return {"valueBoolean": value == "yes"}
    if item.type == "number":
        return {"valueInteger": int(value)}
    if item.type == "text":
        return {"valueString": value}
    return {"valueCoding": {"code": value, "display": dict(item.choices())[value]}}


def _response_items(questions: list[JSON], values: Mapping[str, JSON]) -> list[JSON]:
    out: list[JSON] = []
    for question in questions:
        link = question["linkId"]
        if question.get("type") == "group":
            children = _response_items(_dicts(question.get("item")), values)
            if children:
                out.append({"linkId": link, "text": question.get("text"), "item": children})
        elif link in values:
            out.append({"linkId": link, "text": question.get("text"), "answer": [values[link]]})
    return out


# --- checking a response ------------------------------------------------------------


def check_response(questionnaire: Mapping[str, Any], response: Mapping[str, Any]) -> list[str]:
    """Return every way ``response`` does not fit ``questionnaire`` (empty if it fits).

    Checks what ``fhir.resources`` does not: the response names this Questionnaire (its
    ``url``, with or without ``|version``); every item's linkId exists in the
    Questionnaire under the same parent; groups and display items carry no answers; a
    question has one answer unless it ``repeats``; each answer's ``value[x]`` is the
    one the item type takes (``valueBoolean`` for boolean, ``valueCoding`` for coding,
    ...) with a JSON value of the right kind; a coding is one of the answerOptions; an
    integer lies within the minValue/maxValue extensions; a string is no longer than
    ``maxLength``. Works on any R5 (or R4 choice) Questionnaire, not only ours.
    """
    problems: list[str] = []
    index: dict[str, tuple[JSON, str | None]] = {}
    _index(_dicts(questionnaire.get("item")), None, index)
    url = questionnaire.get("url")
    ref = response.get("questionnaire")
    if isinstance(url, str) and (not isinstance(ref, str) or ref.split("|")[0] != url):
        problems.append(f"the response is for {ref!r}, not for the Questionnaire {url!r}")
    _check_items(_dicts(response.get("item")), None, index, problems)
    return problems


def _index(
    items: list[JSON], parent: str | None, index: dict[str, tuple[JSON, str | None]]
) -> None:
    for item in items:
        link = item.get("linkId")
        if isinstance(link, str):
            index[link] = (item, parent)
            _index(_dicts(item.get("item")), link, index)


def _check_items(
    items: list[JSON],
    parent: str | None,
    index: Mapping[str, tuple[JSON, str | None]],
    problems: list[str],
) -> None:
    for item in items:
        link = item.get("linkId")
        entry = index.get(link) if isinstance(link, str) else None
        if entry is None:
            problems.append(f"linkId {link!r} is not in the Questionnaire")
            continue
        question, expected_parent = entry
        if expected_parent != parent:
            problems.append(
                f"linkId {link!r} is under {_where(parent)} in the response but under "
                f"{_where(expected_parent)} in the Questionnaire"
            )
        kind = question.get("type")
        answers = _dicts(item.get("answer"))
        if kind in ("group", "display"):
            if answers:
                problems.append(f"linkId {link!r} is a {kind} item and cannot have answers")
        else:
            if len(answers) > 1 and not question.get("repeats"):
                problems.append(f"linkId {link!r} has {len(answers)} answers but does not repeat")
            for answer in answers:
                problem = _check_value(question, answer)
                if problem:
                    problems.append(f"linkId {link!r}: {problem}")
                _check_items(_dicts(answer.get("item")), link, index, problems)
        _check_items(_dicts(item.get("item")), link, index, problems)


def _where(parent: str | None) -> str:
    return "the top level" if parent is None else repr(parent)


def _check_value(question: Mapping[str, Any], answer: Mapping[str, Any]) -> str | None:
    kind = str(question.get("type"))
    keys = [key for key in answer if key.startswith("value")]
    if len(keys) != 1:
        return f"an answer must have exactly one value[x], not {keys or 'none'}"
    key = keys[0]
    value = answer[key]
    allowed = _ANSWER_KEYS.get(kind, ())
    if key not in allowed:
        wanted = " or ".join(allowed) or "no answer"
        return f"the answer is a {key} but a {kind!r} question takes {wanted}"
    if key == "valueBoolean" and not isinstance(value, bool):
        return f"valueBoolean must be true or false, not {value!r}"
    if key == "valueInteger":
        if not isinstance(value, int) or isinstance(value, bool):
            return f"valueInteger must be a whole number, not {value!r}"
        low = _extension_value(question, EXT_MIN_VALUE, "valueInteger")
        high = _extension_value(question, EXT_MAX_VALUE, "valueInteger")
        if isinstance(low, int) and value < low:
            return f"{value} is below the minimum {low}"
        if isinstance(high, int) and value > high:
            return f"{value} is above the maximum {high}"
    if key == "valueString":
        if not isinstance(value, str):
            return f"valueString must be text, not {value!r}"
        limit = question.get("maxLength")
        if isinstance(limit, int) and len(value) > limit:
            return f"the text has {len(value)} characters, more than maxLength {limit}"
    if key == "valueCoding":
        if not isinstance(value, dict):
            return f"valueCoding must be a Coding, not {value!r}"
        options = [
            o["valueCoding"]
            for o in _dicts(question.get("answerOption"))
            if isinstance(o.get("valueCoding"), dict)
        ]
        if options and not any(_same_coding(value, option) for option in options):
            codes = ", ".join(repr(o.get("code")) for o in options)
            return f"the code {value.get('code')!r} is not one of the answerOptions ({codes})"
    return None


def _same_coding(answer: Mapping[str, Any], option: Mapping[str, Any]) -> bool:
    if answer.get("code") != option.get("code"):
        return False
    return answer.get("system") == option.get("system") or "system" not in option


def _extension_value(node: Mapping[str, Any], url: str, key: str) -> Any:
    for extension in _dicts(node.get("extension")):
        if extension.get("url") == url:
            return extension.get(key)
    return None


def _dicts(value: Any) -> list[JSON]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


# --- import -------------------------------------------------------------------------


def questionnaire_to_instrument(
    questionnaire: Mapping[str, Any],
    *,
    key: str | None = None,
    role: str,
    timepoint: str,
    domains: Sequence[Domain] | None = None,
) -> Instrument:
    """Return a FHIR Questionnaire (R5, or R4 ``choice``) as a custom instrument.

    ``key`` defaults to the last part of the ``url``, else the ``name`` or ``id`` made
    lowercase; the version is ``version`` when it is a whole number, else 1. Top-level
    groups become sections; top-level questions outside any group are gathered into
    sections titled with the questionnaire's title. A group of ``coding`` questions
    with linkIds ``<group linkId>.<slug>`` and the five likert options (or marked
    ``domain_grid`` by :data:`EXT_ITEM_TYPE`) becomes a domain grid; when ``domains``
    is given its slugs must be exactly those. ``coding`` questions become likert items
    when their options are ``1``..``5`` with labelled ends (or they are marked
    ``likert``), else choice items; ``boolean`` becomes yes/no; ``string``/``text``
    become text (``maxLength``, else :data:`IMPORTED_TEXT_MAX_LENGTH`); ``integer``
    becomes a number and needs the minValue and maxValue extensions. A child
    ``display`` item of a question becomes its hint.

    Raises :class:`ImportProblem` listing everything that cannot be mapped, each naming
    the linkId and what to change: types such as date, decimal, attachment, reference;
    ``repeats``; groups nested beyond one level; linkIds that are not answer names;
    answerValueSet; enableWhen other than one ``=`` condition; and anything the
    resulting definition breaks (see :func:`load_definition`).
    """
    try:
        Questionnaire.model_validate(dict(questionnaire))
    except pydantic.ValidationError as error:
        raise ImportProblem(
            [f"not a valid FHIR Questionnaire: {p}" for p in _pydantic_problems(error)]
        ) from error
    problems: list[str] = []
    title = _first_text(questionnaire, "title", "name") or "Imported questionnaire"
    sections: list[JSON] = []
    loose: list[JSON] = []

    def flush() -> None:
        if loose:
            sections.append({"title": title[:200], "items": list(loose)})
            loose.clear()

    for top in _dicts(questionnaire.get("item")):
        if top.get("type") == "group" and not _looks_like_grid(top):
            flush()
            items = [
                converted
                for child in _dicts(top.get("item"))
                if (converted := _import_item(child, top, domains, problems)) is not None
            ]
            if not items:
                problems.append(
                    f"linkId {top.get('linkId')!r} is a group with no questions revmentor can "
                    "ask; add a question to it or remove it"
                )
                continue
            sections.append({"title": (_text(top.get("text")) or title)[:200], "items": items})
        else:
            converted = _import_item(top, None, domains, problems)
            if converted is not None:
                loose.append(converted)
    flush()
    if not sections and not problems:
        problems.append("the Questionnaire has no questions")
    chosen_key = key or _derive_key(questionnaire)
    if chosen_key is None:
        problems.append(
            "no key could be made from the Questionnaire's url, name or id; give one "
            "(lowercase letters, digits and underscores, starting with a letter)"
        )
    if problems:
        raise ImportProblem(problems)
    version = _text(questionnaire.get("version"))
    data: JSON = {
        "format": 1,
        "key": chosen_key,
        "version": int(version) if re.fullmatch(r"[0-9]{1,9}", version) and int(version) else 1,
        "title": title[:200],
        "role": role,
        "timepoint": timepoint,
        "sections": sections,
    }
    description = _text(questionnaire.get("description"))
    if description:
        data["description"] = description
    try:
        return load_definition(data)
    except DefinitionError as error:
        raise explain_definition_error(error, data, lambda name: f"linkId {name!r}") from error


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _first_text(node: Mapping[str, Any], *keys: str) -> str:
    for key in keys:
        if text := _text(node.get(key)).strip():
            return text
    return ""


def _derive_key(questionnaire: Mapping[str, Any]) -> str | None:
    candidates = [
        _text(questionnaire.get("url")).rstrip("/").rsplit("/", 1)[-1],
        _text(questionnaire.get("name")).lower(),
        _text(questionnaire.get("id")).replace("-", "_").lower(),
    ]
    for candidate in candidates:
        if _KEY.match(candidate):
            return candidate
    return None


def _options(question: Mapping[str, Any]) -> list[tuple[str, str]] | None:
    """Return the (code, label) answerOptions, or None if one has no usable value."""
    out: list[tuple[str, str]] = []
    for option in _dicts(question.get("answerOption")):
        coding = option.get("valueCoding")
        if isinstance(coding, dict) and isinstance(coding.get("code"), str):
            code = coding["code"]
            out.append((code, _text(coding.get("display")) or code))
        elif isinstance(option.get("valueString"), str):
            out.append((option["valueString"], option["valueString"]))
        elif isinstance(option.get("valueInteger"), int):
            out.append((str(option["valueInteger"]), str(option["valueInteger"])))
        else:
            return None
    return out


def _marked_type(node: Mapping[str, Any]) -> str | None:
    value = _extension_value(node, EXT_ITEM_TYPE, "valueCode")
    return value if isinstance(value, str) and value in _OUR_TYPES else None


def _looks_like_grid(group: Mapping[str, Any]) -> bool:
    if _marked_type(group) == "domain_grid":
        return True
    link = _text(group.get("linkId"))
    questions = [c for c in _dicts(group.get("item")) if c.get("type") != "display"]
    return bool(questions) and all(
        _text(q.get("linkId")).startswith(f"{link}.")
        and q.get("type") in ("coding", "choice")
        and likert_ends(_options(q) or []) is not None
        for q in questions
    )


def _import_item(
    node: Mapping[str, Any],
    parent: Mapping[str, Any] | None,
    domains: Sequence[Domain] | None,
    problems: list[str],
) -> JSON | None:
    """Return our item for one Questionnaire item, or None after recording problems."""
    link = _text(node.get("linkId"))
    kind = _text(node.get("type"))
    before = len(problems)
    if node.get("repeats") is True:
        problems.append(
            f"linkId {link!r} repeats (allows several answers); revmentor stores one answer "
            "a question, so set repeats to false or split it into separate questions"
        )
    if kind == "display":
        problems.append(
            f"linkId {link!r} is a display item on its own; move its text into a "
            "question's hint (a display item inside that question) or remove it"
        )
        return None
    if kind == "group":
        if _looks_like_grid(node):
            result = _import_grid(node, domains, problems)
            return result if len(problems) == before else None
        where = f" inside group {parent.get('linkId')!r}" if parent is not None else ""
        problems.append(
            f"linkId {link!r} is a group{where}; revmentor takes one level of groups "
            "(sections), so move its questions up into the enclosing group or make it a "
            "top-level group"
        )
        return None
    if kind in _UNSUPPORTED_ADVICE or kind not in _ANSWER_KEYS:
        advice = _UNSUPPORTED_ADVICE.get(kind, "change it to a supported type or remove it")
        problems.append(f"linkId {link!r} has type {kind!r}, which revmentor cannot ask; {advice}")
        return None
    if not _NAME.match(link):
        problems.append(
            f"linkId {link!r} cannot be an answer name; change it to lowercase letters, digits "
            f"and underscores starting with a letter, at most 64 characters (for example "
            f"{_suggest(link)!r})"
        )
    item: JSON = {"name": link, "text": _text(node.get("text")) or link}
    item.update(_common(node, problems))
    marked = _marked_type(node)
    if kind == "boolean":
        item["type"] = "yes_no"
    elif kind in ("string", "text"):
        item["type"] = "text"
        limit = node.get("maxLength")
        item["max_length"] = limit if isinstance(limit, int) else IMPORTED_TEXT_MAX_LENGTH
    elif kind == "integer":
        item["type"] = "number"
        if node.get("answerOption"):
            problems.append(
                f"linkId {link!r} is an integer question with answerOptions; make it a "
                "coding question instead"
            )
        low = _extension_value(node, EXT_MIN_VALUE, "valueInteger")
        high = _extension_value(node, EXT_MAX_VALUE, "valueInteger")
        if not isinstance(low, int) or not isinstance(high, int):
            problems.append(
                f"linkId {link!r} is an integer question without both a minValue and a "
                f"maxValue extension ({EXT_MIN_VALUE}, valueInteger); add them"
            )
        item["min"], item["max"] = low, high
        unit = _extension_value(node, EXT_UNIT, "valueCoding")
        if isinstance(unit, dict):
            label = _text(unit.get("display")) or _text(unit.get("code"))
            if label:
                item["unit"] = label
    else:  # coding, or R4 choice
        _import_coding(node, item, marked, problems)
    _import_children(node, item, problems)
    return item if len(problems) == before else None


def _import_coding(
    node: Mapping[str, Any], item: JSON, marked: str | None, problems: list[str]
) -> None:
    link = item["name"]
    if node.get("answerValueSet") and not node.get("answerOption"):
        problems.append(
            f"linkId {link!r} takes its answers from a value set; list them as answerOption "
            "codings in the Questionnaire instead"
        )
        return
    constraint = _text(node.get("answerConstraint"))
    if constraint and constraint != "optionsOnly":
        problems.append(
            f"linkId {link!r} also accepts answers outside its options ({constraint}); set "
            "answerConstraint to optionsOnly"
        )
    options = _options(node)
    if not options:
        problems.append(
            f"linkId {link!r} has no answerOptions revmentor can read (valueCoding, "
            "valueString or valueInteger); add them"
        )
        return
    ends = likert_ends(options)
    if marked == "likert" and ends is None:
        problems.append(
            f"linkId {link!r} is marked likert but its options are not 1 to 5 with labelled ends"
        )
        return
    if ends is not None and marked != "choice":
        item["type"] = "likert"
        item["ends"] = {"low": ends[0], "high": ends[1]}
        return
    bad = [code for code, _ in options if not _OPTION_VALUE.match(code)]
    if bad:
        problems.append(
            f"linkId {link!r} has answer codes {', '.join(map(repr, bad))}; codes must be "
            "1 to 40 letters, digits or underscores, so change them"
        )
    item["type"] = "choice"
    item["options"] = [{"value": code, "label": label[:120]} for code, label in options]


def _common(node: Mapping[str, Any], problems: list[str]) -> JSON:
    """Return required, error and show_if of a question or grid."""
    link = _text(node.get("linkId"))
    out: JSON = {}
    if node.get("required") is True:
        out["required"] = True
    error = _extension_value(node, EXT_REQUIRED_MESSAGE, "valueString")
    if isinstance(error, str) and error:
        out["error"] = error
    conditions = _dicts(node.get("enableWhen"))
    if not conditions:
        return out
    condition = conditions[0]
    source = _text(condition.get("question"))
    if len(conditions) > 1 or condition.get("operator") != "=":
        problems.append(
            f"linkId {link!r} has an enableWhen other than one '=' condition; revmentor can "
            "show a question only when one earlier answer equals a value, so simplify it"
        )
        return out
    value: str | None = None
    if isinstance(condition.get("answerBoolean"), bool):
        value = "yes" if condition["answerBoolean"] else "no"
    elif isinstance(condition.get("answerCoding"), dict):
        value = _text(condition["answerCoding"].get("code")) or None
    elif isinstance(condition.get("answerInteger"), int):
        value = str(condition["answerInteger"])
    elif isinstance(condition.get("answerString"), str):
        value = condition["answerString"]
    if value is None or not _NAME.match(source):
        problems.append(
            f"linkId {link!r} is enabled by {source!r} in a way revmentor cannot express; "
            "make it depend on one earlier question equal to a boolean, code, integer or text"
        )
        return out
    out["show_if"] = {"item": source, "equals": value}
    return out


def _import_children(node: Mapping[str, Any], item: JSON, problems: list[str]) -> None:
    """Take a question's child display item as its hint; reject other children."""
    hints: list[str] = []
    for child in _dicts(node.get("item")):
        if child.get("type") == "display":
            hints.append(_text(child.get("text")))
        else:
            problems.append(
                f"linkId {child.get('linkId')!r} is a question nested inside question "
                f"{item['name']!r}; move it to the same level"
            )
    hint = " ".join(h for h in hints if h)
    if hint:
        item["hint"] = hint


def _import_grid(
    group: Mapping[str, Any], domains: Sequence[Domain] | None, problems: list[str]
) -> JSON:
    link = _text(group.get("linkId"))
    questions = [c for c in _dicts(group.get("item")) if c.get("type") != "display"]
    item: JSON = {"name": link, "type": "domain_grid", "text": _text(group.get("text")) or link}
    item.update(_common(group, problems))
    slots: list[str] = []
    scales: set[tuple[tuple[str, str], ...]] = set()
    for question in questions:
        child = _text(question.get("linkId"))
        options = _options(question) or []
        if not child.startswith(f"{link}.") or question.get("type") not in ("coding", "choice"):
            problems.append(
                f"linkId {child!r} in domain grid {link!r} must be a coding question named "
                f"'{link}.<domain>'"
            )
        elif likert_ends(options) is None:
            problems.append(
                f"linkId {child!r} in domain grid {link!r} must have the options 1 to 5 "
                "with labelled ends"
            )
        else:
            scales.add(tuple(options))
        slots.append(child.removeprefix(f"{link}."))
        if question.get("required") is True:
            item["required"] = True
    if len(scales) > 1:
        problems.append(f"the questions of domain grid {link!r} must all have the same options")
    if scales:
        ends = likert_ends(next(iter(scales)))
        assert ends is not None
        item["ends"] = {"low": ends[0], "high": ends[1]}
    if domains is not None and sorted(slots) != sorted(d.slug for d in domains):
        problems.append(
            f"domain grid {link!r} covers the domains {', '.join(slots)}, but this scheme's "
            f"domains are {', '.join(d.slug for d in domains)}; rename its questions "
            f"'{link}.<domain>' to match"
        )
    hints = [_text(c.get("text")) for c in _dicts(group.get("item")) if c.get("type") == "display"]
    if hint := " ".join(h for h in hints if h):
        item["hint"] = hint
    return item


def _suggest(link: str) -> str:
    name = re.sub(r"[^a-z0-9_]+", "_", link.lower()).strip("_") or "question"
    if not name[0].isalpha():
        name = f"q{name}"
    return name[:64]
