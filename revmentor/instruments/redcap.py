"""REDCap data dictionary interchange: export instruments as forms, import forms back.

Pure: nothing here imports Django. A data dictionary is a CSV file with REDCap's 18
standard columns (:data:`COLUMNS`); each instrument is one form (``Form Name`` = the
instrument key). How our items are written:

============  ==============================================================
our type      REDCap field
============  ==============================================================
likert        ``radio``, ``1, 1 - <low> | 2, 2 | 3, 3 | 4, 4 | 5, 5 - <high>``
domain_grid   a ``descriptive`` field ``<item>__question`` holding the question
              (and hint), then one ``radio`` field ``<item>__<domain>`` per
              domain with the likert choices, sharing ``Matrix Group Name``
choice        ``radio`` with the options as ``value, label``
yes_no        ``yesno`` (REDCap stores 1 for yes and 0 for no)
text          ``notes``, ``@CHARLIMIT=<max_length>`` in the annotation
number        ``text`` validated as ``integer`` with min and max
============  ==============================================================

**Variable names.** REDCap takes lowercase letters, digits and underscores, at most 100
characters, so an answer name's dot becomes a double underscore:
``confidence.clinical_practice`` ↔ ``confidence__clinical_practice``; plain item names
are kept. REDCap variable names are unique across a project, and the study's
instruments share names (``concerns`` is in all six), so when any name repeats between
the exported instruments every variable is *qualified* by its form:
``<form>___<variable>`` (three underscores), e.g.
``mentor_pre_phase1___confidence__clinical_practice``. Import strips ``<form>___``
where present and recognises a grid by its domain slugs as suffixes, so the mapping is
reversible given the scheme's domains.

Other details: ``required`` is ``y``; a section's title is the ``Section Header`` of its
first field; ``show_if`` is branching logic ``[concerns] = '1'`` (yes/no as 1/0, other
values quoted); a hint is the ``Field Note``; our custom required message and a number's
unit travel in the annotation as ``@REVMENTOR-ERROR="..."`` and ``@REVMENTOR-UNIT="..."``
(JSON strings; REDCap ignores tags it does not know). The first row is the record ID
field REDCap requires (``record_id``). REDCap has no form title or description, so
those do not travel; an imported form is titled from its name.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from revmentor.instruments import (
    LIKERT_VALUES,
    STUDY_DOMAINS,
    DefinitionError,
    Domain,
    Instrument,
    Item,
    load_definition,
)
from revmentor.instruments.problems import (
    ExportProblem,
    ImportProblem,
    explain_definition_error,
    likert_ends,
)

COLUMNS = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)
"""REDCap's data dictionary columns, in REDCap's order."""

(
    VAR,
    FORM,
    SECTION,
    TYPE,
    LABEL,
    CHOICES,
    NOTE,
    VALIDATION,
    VMIN,
    VMAX,
    IDENTIFIER,
    BRANCHING,
    REQUIRED,
    ALIGN,
    QNUM,
    MATRIX,
    RANKING,
    ANNOTATION,
) = range(len(COLUMNS))

QUALIFIER = "___"
"""Separates a form name from a variable when variables are qualified."""

GRID_QUESTION_SUFFIX = "question"
"""A grid ``S`` keeps its question in the descriptive field ``S__question``."""

IMPORTED_TEXT_MAX_LENGTH = 5000
"""``max_length`` of an imported text or notes field without ``@CHARLIMIT``."""

_VARIABLE = re.compile(r"^[a-z][a-z0-9_]*$")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_KEY = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
_OPTION_VALUE = re.compile(r"^[A-Za-z0-9_]{1,40}$")
_CHARLIMIT = re.compile(r"@CHARLIMIT\s*=\s*['\"]?(\d+)")
_OWN_TAG = re.compile(r"@REVMENTOR-(ERROR|UNIT)=")
_BRANCHING = re.compile(r"""^\s*\[([a-z][a-z0-9_]*)\]\s*=\s*(?:'([^']*)'|"([^"]*)"|(-?\d+))\s*$""")

_REJECTED_TYPES = {
    "file": "revmentor does not store files; remove the field",
    "calc": "a calculated field is not a question; remove it and calculate in the analysis",
    "slider": "change it to a radio field (for example 1 to 5) or an integer text field",
    "checkbox": (
        "it allows several answers and revmentor stores one answer a question; change it "
        "to a radio field or to one yesno field per option"
    ),
    "truefalse": "change it to a yesno field",
    "sql": "remove it (its choices come from a database query)",
    "descriptive": (
        "descriptive text on its own cannot be imported; move its text into the next "
        "field's Field Note or a Section Header"
    ),
}


def answer_to_variable(name: str) -> str:
    """Return the REDCap variable for an answer name: each ``.`` becomes ``__``.

    ``confidence.clinical_practice`` gives ``confidence__clinical_practice``; a plain
    item name is returned unchanged.
    """
    return name.replace(".", "__")


# --- export -------------------------------------------------------------------------


def instruments_to_data_dictionary(
    instruments: Iterable[Instrument],
    domains: Sequence[Domain],
    *,
    record_id: str = "record_id",
    qualify: bool | None = None,
) -> str:
    """Return a REDCap data dictionary (CSV text, header row, ``\\n`` line ends).

    Each instrument becomes one form named by its key, in the order given, after the
    record ID field ``record_id`` (on the first form). Grids are expanded over
    ``domains``. ``qualify`` prefixes every variable with ``<form>___``; by default this
    happens exactly when some variable would otherwise repeat between the instruments
    (REDCap needs unique names). Raises :class:`ExportProblem` if a variable would be
    invalid, longer than 100 characters or repeated, or a label holds ``|`` inside a
    choice list.
    """
    chosen = list(instruments)
    if qualify is None:
        seen: set[str] = set()
        qualify = False
        for instrument in chosen:
            names = {answer_to_variable(a.name) for a in instrument.answerables(domains)}
            qualify = qualify or bool(names & seen)
            seen |= names
    problems: list[str] = []
    rows: list[list[str]] = []
    if chosen:
        rows.append(_row(record_id, chosen[0].key, "text", "Record ID"))
    for instrument in chosen:
        prefix = f"{instrument.key}{QUALIFIER}" if qualify else ""
        by_name = {item.name: item for item in instrument.items}
        for section in instrument.sections:
            first = len(rows)
            for item in section.items:
                rows += _item_rows(instrument.key, prefix, item, by_name, domains, problems)
            if len(rows) > first:
                rows[first][SECTION] = section.title
    counts: dict[str, int] = {}
    for row in rows:
        counts[row[VAR]] = counts.get(row[VAR], 0) + 1
    for variable, count in counts.items():
        if not _VARIABLE.match(variable) or len(variable) > 100:
            problems.append(
                f"{variable!r} is not a REDCap variable name (lowercase letters, digits and "
                "underscores, starting with a letter, at most 100 characters)"
            )
        if count > 1:
            problems.append(f"the variable {variable!r} would appear {count} times")
    if problems:
        raise ExportProblem(problems)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


def _row(variable: str, form: str, field_type: str, label: str) -> list[str]:
    row = [""] * len(COLUMNS)
    row[VAR], row[FORM], row[TYPE], row[LABEL] = variable, form, field_type, label
    return row


def _item_rows(
    form: str,
    prefix: str,
    item: Item,
    by_name: Mapping[str, Item],
    domains: Sequence[Domain],
    problems: list[str],
) -> list[list[str]]:
    variable = prefix + answer_to_variable(item.name)
    branching = _branching(item, by_name, prefix, problems)
    annotation = _annotation(item)
    required = "y" if item.required else ""
    if item.type == "domain_grid":
        intro = _row(f"{variable}__{GRID_QUESTION_SUFFIX}", form, "descriptive", item.text)
        intro[NOTE], intro[BRANCHING] = item.hint, branching
        rows = [intro]
        choices = _choices(item, problems)
        for domain in domains:
            row = _row(f"{variable}__{domain.slug}", form, "radio", domain.label)
            row[CHOICES], row[BRANCHING], row[REQUIRED] = choices, branching, required
            row[MATRIX], row[ANNOTATION] = variable, annotation
            rows.append(row)
        return rows
    field_type = {"yes_no": "yesno", "text": "notes", "number": "text"}.get(item.type, "radio")
    row = _row(variable, form, field_type, item.text)
    row[NOTE], row[BRANCHING], row[REQUIRED], row[ANNOTATION] = (
        item.hint,
        branching,
        required,
        annotation,
    )
    if field_type == "radio":
        row[CHOICES] = _choices(item, problems)
    elif item.type == "number":
        row[VALIDATION], row[VMIN], row[VMAX] = "integer", str(item.min), str(item.max)
    return [row]


def _choices(item: Item, problems: list[str]) -> str:
    if item.type in ("likert", "domain_grid"):
        low, high = item.ends or ("", "")
        pairs = [
            (v, f"1 - {low}" if v == "1" else f"5 - {high}" if v == "5" else v)
            for v in LIKERT_VALUES
        ]
    else:
        pairs = list(item.options)
    for _value, label in pairs:
        if "|" in label:
            problems.append(f"{item.name!r}: the label {label!r} holds '|'; remove it")
    return " | ".join(f"{value}, {label}" for value, label in pairs)


def _annotation(item: Item) -> str:
    tags: list[str] = []
    if item.type == "text" and item.max_length is not None:
        tags.append(f"@CHARLIMIT={item.max_length}")
    if item.error:
        tags.append(f"@REVMENTOR-ERROR={json.dumps(item.error, ensure_ascii=False)}")
    if item.unit:
        tags.append(f"@REVMENTOR-UNIT={json.dumps(item.unit, ensure_ascii=False)}")
    return " ".join(tags)


def _branching(item: Item, by_name: Mapping[str, Item], prefix: str, problems: list[str]) -> str:
    if item.show_if is None:
        return ""
    name, equals = item.show_if
    source = by_name.get(name)
    if source is None or source.type == "domain_grid":
        problems.append(f"{item.name!r} is shown only if {name!r}, which is not one question")
        return ""
    if source.type == "yes_no":
        if equals not in ("yes", "no"):
            problems.append(f"{item.name!r} is shown only if {name!r} is {equals!r}, not yes/no")
            return ""
        equals = "1" if equals == "yes" else "0"
    if "'" in equals:
        if '"' in equals:
            problems.append(f"{item.name!r}: the value {equals!r} holds both kinds of quote")
        return f'[{prefix}{name}] = "{equals}"'
    return f"[{prefix}{name}] = '{equals}'"


# --- import -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Field:
    """One data dictionary row, with its row number as a spreadsheet shows it."""

    number: int
    cells: tuple[str, ...]

    def __getitem__(self, column: int) -> str:
        return self.cells[column]

    @property
    def variable(self) -> str:
        return self.cells[VAR]

    def where(self) -> str:
        return f"row {self.number} ({self.variable!r})"


def data_dictionary_to_instruments(
    csv_text: str,
    *,
    role: str,
    timepoint_by_form: Mapping[str, str] | None = None,
    role_by_form: Mapping[str, str] | None = None,
    domains: Sequence[Domain] = STUDY_DOMAINS,
    record_id_field: str | None = None,
) -> list[Instrument]:
    """Return one instrument a form of a REDCap data dictionary, in order of appearance.

    Each instrument's key is the form name, its version 1, its title the form name made
    readable ("feedback_survey" → "Feedback survey"), its time point
    ``timepoint_by_form[form]`` or else the form name, its role ``role_by_form[form]``
    or else ``role``. The record ID field is skipped:
    ``record_id_field`` if given, else the first row when it is an unvalidated text field
    named ``record_id`` or ending in ``_id``. Variables qualified ``<form>___`` lose the
    qualifier. ``radio`` and ``dropdown`` fields become likert items when their choices
    are ``1``..``5`` labelled ``1 - <low>`` … ``5 - <high>``, else choice items; radio
    fields sharing a matrix group, named ``<scale>__<domain>`` over exactly the slugs of
    ``domains``, become one domain grid (a descriptive field just before them gives its
    question); ``yesno`` becomes yes/no; ``notes`` and unvalidated ``text`` become text
    (``@CHARLIMIT``, else :data:`IMPORTED_TEXT_MAX_LENGTH`); ``text`` validated as
    ``integer`` with a min and a max becomes a number. A ``Section Header`` starts a
    section; fields before the first header form a section titled like the form.

    Raises :class:`ImportProblem` listing every row that cannot be mapped, by row number
    (the header is row 1) and variable: file, calc, slider, checkbox, truefalse, sql
    and stray descriptive fields; validation other than integer (date_ymd, email,
    number…); integers without min and max; branching logic other than one
    ``[field] = 'value'``; names that are not answer names; and every problem of the
    resulting definitions (see :func:`load_definition`).
    """
    fields, problems = _read(csv_text)
    if problems:
        raise ImportProblem(problems)
    if fields:
        first = fields[0]
        is_record_id = (
            first.variable == record_id_field
            if record_id_field is not None
            else first[TYPE] == "text"
            and not first[VALIDATION]
            and (first.variable == "record_id" or first.variable.endswith("_id"))
        )
        if is_record_id:
            fields = fields[1:]
    types = {f.variable: f[TYPE] for f in fields}
    forms: dict[str, list[_Field]] = {}
    for f in fields:
        forms.setdefault(f[FORM], []).append(f)
    instruments: list[Instrument] = []
    for form, form_fields in forms.items():
        timepoint = (timepoint_by_form or {}).get(form, form)
        form_role = (role_by_form or {}).get(form, role)
        try:
            instruments.append(_form(form, form_fields, types, form_role, timepoint, domains))
        except ImportProblem as error:
            problems += error.problems
    if problems:
        raise ImportProblem(problems)
    return instruments


def _read(csv_text: str) -> tuple[list[_Field], list[str]]:
    reader = csv.reader(io.StringIO(csv_text.removeprefix("\ufeff"), newline=""))
    try:
        table = list(reader)
    except csv.Error as error:  # a value longer than the csv module allows, say
        return [], [f"this is not a CSV file that can be read: {error} (line {reader.line_num})"]
    if not table or "variable" not in (table[0][0].lower() if table[0] else ""):
        return [], [
            "this is not a REDCap data dictionary: its first column must be 'Variable / Field Name'"
        ]
    if len(table[0]) < MATRIX + 1:
        return [], [
            f"this is not a REDCap data dictionary: it has {len(table[0])} columns, and "
            f"REDCap writes {len(COLUMNS)} ({', '.join(COLUMNS)})"
        ]
    fields = []
    for number, raw in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in raw):
            continue
        cells = [cell.strip() for cell in raw[: len(COLUMNS)]]
        cells += [""] * (len(COLUMNS) - len(cells))
        cells[TYPE] = cells[TYPE].lower()
        fields.append(_Field(number, tuple(cells)))
    return fields, []


def _form(
    form: str,
    fields: list[_Field],
    types: Mapping[str, str],
    role: str,
    timepoint: str,
    domains: Sequence[Domain],
) -> Instrument:
    problems: list[str] = []
    title = form.replace("_", " ").strip().capitalize() or form
    if not _KEY.match(form):
        problems.append(
            f"the form name {form!r} cannot be an instrument key; rename it to 2 to 64 "
            "lowercase letters, digits and underscores, starting with a letter"
        )
    prefix = f"{form}{QUALIFIER}"
    sections: list[dict[str, Any]] = []
    rows_of: dict[str, _Field] = {}

    def name_of(variable: str) -> str:
        return variable.removeprefix(prefix)

    def add(field: _Field, item: dict[str, Any] | None) -> None:
        if field[SECTION] or not sections:
            sections.append({"title": (field[SECTION] or title)[:200], "items": []})
        if item is not None:
            sections[-1]["items"].append(item)
            rows_of.setdefault(item["name"], field)

    index = 0
    while index < len(fields):
        field = fields[index]
        group = _matrix_run(fields, index + (field[TYPE] == "descriptive"))
        grid = _grid(group, name_of, domains) if group else None
        if field[TYPE] == "descriptive" and grid is not None:
            item = _grid_item(grid, group, field, name_of, types, problems)
            add(field, item)
            index += 1 + len(group)
        elif field[MATRIX] and grid is not None:
            item = _grid_item(grid, group, None, name_of, types, problems)
            add(field, item)
            index += len(group)
        else:
            add(field, _field_item(field, name_of, types, problems))
            index += 1
    sections = [s for s in sections if s["items"]]
    if not sections and not problems:
        problems.append(f"the form {form!r} has no fields revmentor can ask")
    if problems:
        raise ImportProblem(problems)
    data: dict[str, Any] = {
        "format": 1,
        "key": form,
        "version": 1,
        "title": title[:200],
        "role": role,
        "timepoint": timepoint,
        "sections": sections,
    }

    def describe(name: str) -> str:
        field = rows_of.get(name)
        return field.where() if field is not None else f"{name!r}"

    try:
        return load_definition(data)
    except DefinitionError as error:
        raise explain_definition_error(error, data, describe) from error


def _matrix_run(fields: list[_Field], start: int) -> list[_Field]:
    """Return the fields from ``start`` that share its Matrix Group Name (may be empty)."""
    if start >= len(fields) or not fields[start][MATRIX]:
        return []
    group = fields[start][MATRIX]
    end = start
    while end < len(fields) and fields[end][MATRIX] == group:
        end += 1
    return fields[start:end]


def _grid(
    group: list[_Field], name_of: Callable[[str], str], domains: Sequence[Domain]
) -> tuple[str, tuple[str, str]] | None:
    """Return ``(scale name, ends)`` if ``group`` is a domain grid over ``domains``."""
    slugs = sorted((d.slug for d in domains), key=len, reverse=True)
    scales: set[str] = set()
    found: list[str] = []
    choice_lists: set[str] = set()
    for field in group:
        if field[TYPE] != "radio":
            return None
        name = name_of(field.variable)
        slug = next((s for s in slugs if name.endswith(f"__{s}")), None)
        if slug is None:
            return None
        scales.add(name[: -len(slug) - 2])
        found.append(slug)
        choice_lists.add(field[CHOICES])
    if len(scales) != 1 or len(choice_lists) != 1 or sorted(found) != sorted(slugs):
        return None
    ends = likert_ends(_parse_choices(next(iter(choice_lists))) or [])
    if ends is None:
        return None
    return next(iter(scales)), ends


def _grid_item(
    grid: tuple[str, tuple[str, str]],
    group: list[_Field],
    intro: _Field | None,
    name_of: Callable[[str], str],
    types: Mapping[str, str],
    problems: list[str],
) -> dict[str, Any]:
    scale, (low, high) = grid
    first = group[0]
    text = intro[LABEL] if intro is not None and intro[LABEL] else first[SECTION] or scale
    item: dict[str, Any] = {
        "name": scale,
        "type": "domain_grid",
        "text": text,
        "ends": {"low": low, "high": high},
    }
    if intro is not None and intro[NOTE]:
        item["hint"] = intro[NOTE]
    if any(f[REQUIRED].lower() == "y" for f in group):
        item["required"] = True
    item.update(_annotation_values(first))
    logic = (intro[BRANCHING] if intro is not None else "") or first[BRANCHING]
    if logic:
        show_if = _show_if(intro or first, logic, name_of, types, problems)
        if show_if is not None:
            item["show_if"] = show_if
    if not _NAME.match(scale):
        problems.append(f"{first.where()}: the scale name {scale!r} is not a valid item name")
    return item


def _field_item(
    field: _Field,
    name_of: Callable[[str], str],
    types: Mapping[str, str],
    problems: list[str],
) -> dict[str, Any] | None:
    """Return our item for one field, or None after recording why it cannot be mapped."""
    kind = field[TYPE]
    before = len(problems)
    if kind in _REJECTED_TYPES:
        problems.append(
            f"{field.where()}: field type {kind!r} cannot be imported; {_REJECTED_TYPES[kind]}"
        )
        return None
    if kind not in ("radio", "dropdown", "yesno", "notes", "text"):
        problems.append(
            f"{field.where()}: field type {kind!r} is not one revmentor knows; change it to "
            "radio, dropdown, yesno, notes or text"
        )
        return None
    name = name_of(field.variable)
    if not _NAME.match(name):
        problems.append(
            f"{field.where()}: the variable name is longer than 64 characters or not "
            "lowercase letters, digits and underscores; shorten or rename it"
        )
    item: dict[str, Any] = {"name": name, "text": field[LABEL] or name}
    if field[NOTE]:
        item["hint"] = field[NOTE]
    if field[REQUIRED].lower() == "y":
        item["required"] = True
    item.update(_annotation_values(field))
    if field[BRANCHING]:
        show_if = _show_if(field, field[BRANCHING], name_of, types, problems)
        if show_if is not None:
            item["show_if"] = show_if
    validation = field[VALIDATION].lower()
    if kind in ("radio", "dropdown"):
        options = _parse_choices(field[CHOICES])
        ends = likert_ends(options) if options else None
        if options is None or len(options) < 2:
            problems.append(
                f"{field.where()}: its choices cannot be read; write them as "
                "'1, First | 2, Second' with at least two choices"
            )
        elif ends is not None:
            item.update(type="likert", ends={"low": ends[0], "high": ends[1]})
        else:
            bad = [code for code, _ in options if not _OPTION_VALUE.match(code)]
            if bad:
                problems.append(
                    f"{field.where()}: the choice codes {', '.join(map(repr, bad))} must be "
                    "1 to 40 letters, digits or underscores; change them"
                )
            item.update(
                type="choice",
                options=[{"value": code, "label": label[:120]} for code, label in options],
            )
    elif kind == "yesno":
        item["type"] = "yes_no"
    elif kind == "notes" or not validation:
        item["type"] = "text"
        limit = _CHARLIMIT.search(field[ANNOTATION])
        item["max_length"] = int(limit.group(1)) if limit else IMPORTED_TEXT_MAX_LENGTH
    elif validation in ("integer", "int"):
        item["type"] = "number"
        low, high = _integer(field[VMIN]), _integer(field[VMAX])
        if low is None or high is None:
            problems.append(
                f"{field.where()}: an integer field needs a whole-number Text Validation "
                "Min and Max; add them"
            )
        item["min"], item["max"] = low, high
    else:
        advice = (
            "change the validation to integer (whole numbers)"
            if validation.startswith("number")
            else "remove the validation to take free text, or remove the field"
        )
        problems.append(
            f"{field.where()}: text validated as {validation!r} cannot be imported; "
            f"revmentor takes free text or whole numbers, so {advice}"
        )
    return item if len(problems) == before else None


def _integer(text: str) -> int | None:
    return int(text) if re.fullmatch(r"-?\d+", text) else None


def _parse_choices(text: str) -> list[tuple[str, str]] | None:
    """Return ``[(code, label)]`` from ``'1, One | 2, Two'``, or None if malformed."""
    out = []
    for part in text.split("|"):
        if not part.strip():
            continue
        code, comma, label = part.partition(",")
        if not comma or not code.strip():
            return None
        out.append((code.strip(), label.strip() or code.strip()))
    return out


def _annotation_values(field: _Field) -> dict[str, str]:
    """Return ``error`` and ``unit`` from the field's @REVMENTOR-… tags."""
    out: dict[str, str] = {}
    text = field[ANNOTATION]
    decoder = json.JSONDecoder()
    for match in _OWN_TAG.finditer(text):
        try:
            value, _end = decoder.raw_decode(text, match.end())
        except json.JSONDecodeError:
            continue
        if isinstance(value, str) and value:
            out[match.group(1).lower()] = value
    return out


def _show_if(
    field: _Field,
    logic: str,
    name_of: Callable[[str], str],
    types: Mapping[str, str],
    problems: list[str],
) -> dict[str, str] | None:
    match = _BRANCHING.match(logic)
    if match is None:
        problems.append(
            f"{field.where()}: the branching logic {logic!r} cannot be imported; revmentor "
            "shows a question only when one earlier field equals a value, written "
            "[field] = 'value'"
        )
        return None
    variable = match.group(1)
    value = next(g for g in match.groups()[1:] if g is not None)
    if types.get(variable) == "yesno":
        if value not in ("0", "1"):
            problems.append(
                f"{field.where()}: the branching logic compares the yesno field "
                f"{variable!r} with {value!r}; use '1' for yes or '0' for no"
            )
            return None
        value = "yes" if value == "1" else "no"
    return {"item": name_of(variable), "equals": value}
