"""Questionnaire instruments as data: load, validate, expand and check answers.

Pure: nothing here imports Django. A definition (YAML or JSON, see ``schema.json``) has
pages ("sections") of items. Item types:

- ``likert``: a whole number 1–5 with labelled ends;
- ``domain_grid``: one 1–5 scale for each of the scheme's domains; an item named ``S``
  is answered as ``S.<domain slug>`` (e.g. ``confidence.clinical_practice``);
- ``choice``: one of a list of options; ``yes_no``: ``yes`` or ``no``;
- ``text``: free text up to ``max_length`` characters;
- ``number``: a whole number between ``min`` and ``max`` (e.g. minutes).

Any item may be ``required`` and may carry ``show_if`` (asked only when an earlier answer
equals a value). Answers are strings, exactly as they appear in ``responses.csv`` of the
study data folder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

HERE = Path(__file__).resolve().parent
LIKERT_VALUES = ("1", "2", "3", "4", "5")
YES_NO = (("yes", "Yes"), ("no", "No"))
WHOLE_NUMBER = re.compile(r"-?[0-9]+")


class DefinitionError(ValueError):
    """A definition is not valid; ``problems`` lists each one in plain words."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Domain:
    slug: str
    label: str


STUDY_DOMAINS: tuple[Domain, ...] = (
    Domain("technology", "Use of technology"),
    Domain("clinical_practice", "Clinical practice"),
    Domain("approach_to_juniors", "Approach to juniors"),
    Domain("time_management", "Time management"),
    Domain("approachability", "Approachability"),
    Domain("strengths", "Strengths"),
    Domain("areas_for_improvement", "Areas for improvement"),
)
"""The seven domains of the study, in the order the group interview takes them."""


@dataclass(frozen=True)
class Item:
    """One question as written in the definition (a grid is one item)."""

    name: str
    type: str
    text: str
    hint: str = ""
    error: str = ""
    required: bool = False
    show_if: tuple[str, str] | None = None
    ends: tuple[str, str] | None = None
    options: tuple[tuple[str, str], ...] = ()
    max_length: int | None = None
    min: int | None = None
    max: int | None = None
    unit: str = ""

    def choices(self) -> tuple[tuple[str, str], ...]:
        """The allowed values and their labels, for items answered by choosing."""
        if self.type in ("likert", "domain_grid"):
            low, high = self.ends or ("", "")
            return tuple(
                (v, f"{v} – {low}" if v == "1" else f"{v} – {high}" if v == "5" else v)
                for v in LIKERT_VALUES
            )
        if self.type == "yes_no":
            return YES_NO
        return self.options

    def required_message(self, label: str | None = None) -> str:
        if self.error:
            return self.error
        what = label or self.text
        if self.type in ("text", "number"):
            return f"Enter your answer to: {what}"
        return f"Select your answer to: {what}"


@dataclass(frozen=True)
class Answerable:
    """One stored answer's slot: a plain item, or one domain of a grid."""

    name: str
    item: Item
    label: str


@dataclass(frozen=True)
class Section:
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Instrument:
    key: str
    version: int
    title: str
    role: str
    timepoint: str
    sections: tuple[Section, ...]
    description: str = ""
    timepoint_label: str = ""
    source: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def items(self) -> list[Item]:
        return [item for section in self.sections for item in section.items]

    def item(self, name: str) -> Item:
        for item in self.items:
            if item.name == name:
                return item
        raise KeyError(name)

    def answerables(self, domains: Sequence[Domain]) -> list[Answerable]:
        """Every answer slot in order, grids expanded over ``domains``."""
        return [a for item in self.items for a in expand(item, domains)]

    def to_dict(self) -> dict[str, Any]:
        """The definition as JSON-ready data (what was loaded, unchanged)."""
        return dict(self.source)


def expand(item: Item, domains: Sequence[Domain]) -> list[Answerable]:
    """Return the answer slots of one item: one per domain for a grid, else one."""
    if item.type == "domain_grid":
        return [Answerable(f"{item.name}.{d.slug}", item, d.label) for d in domains]
    return [Answerable(item.name, item, item.text)]


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((HERE / "schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _where(path: Sequence[Any]) -> str:
    parts = [f"[{p}]" if isinstance(p, int) else f".{p}" for p in path]
    return "definition" + "".join(parts)


def load_definition(data: Mapping[str, Any]) -> Instrument:
    """Validate a definition against the schema and its own rules; return the Instrument.

    Raises DefinitionError listing every problem: schema violations (with where they
    are), repeated item names, a ``show_if`` on an item that is not asked earlier, a
    ``min`` above ``max``, or options that repeat a value.
    """
    problems = [
        f"{_where(error.absolute_path)}: {error.message}"
        for error in sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    ]
    if problems:
        raise DefinitionError(problems)
    sections: list[Section] = []
    seen: dict[str, Item] = {}
    for section in data["sections"]:
        items = []
        for raw in section["items"]:
            item = _item(raw)
            if item.name in seen:
                problems.append(f"the item name {item.name!r} is used twice")
            if item.show_if and item.show_if[0] not in seen:
                problems.append(
                    f"{item.name!r} is shown only if {item.show_if[0]!r}, "
                    "which must be an earlier item"
                )
            if item.min is not None and item.max is not None and item.min > item.max:
                problems.append(f"{item.name!r} has min above max")
            values = [value for value, _label in item.options]
            if len(values) != len(set(values)):
                problems.append(f"{item.name!r} repeats an option value")
            seen[item.name] = item
            items.append(item)
        sections.append(Section(section["title"], tuple(items)))
    if problems:
        raise DefinitionError(problems)
    return Instrument(
        key=data["key"],
        version=data["version"],
        title=data["title"],
        role=data["role"],
        timepoint=data["timepoint"],
        sections=tuple(sections),
        description=data.get("description", ""),
        timepoint_label=data.get("timepoint_label", ""),
        source=json.loads(json.dumps(data)),
    )


def _item(raw: Mapping[str, Any]) -> Item:
    ends = raw.get("ends")
    show_if = raw.get("show_if")
    return Item(
        name=raw["name"],
        type=raw["type"],
        text=raw["text"],
        hint=raw.get("hint", ""),
        error=raw.get("error", ""),
        required=bool(raw.get("required", False)),
        show_if=(show_if["item"], show_if["equals"]) if show_if else None,
        ends=(ends["low"], ends["high"]) if ends else None,
        options=tuple((o["value"], o["label"]) for o in raw.get("options", ())),
        max_length=raw.get("max_length"),
        min=raw.get("min"),
        max=raw.get("max"),
        unit=raw.get("unit", ""),
    )


def load_file(path: Path) -> Instrument:
    """Load a definition from a ``.yaml``/``.yml`` or ``.json`` file."""
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if not isinstance(data, dict):
        raise DefinitionError([f"{path.name}: the file must hold one definition (a mapping)"])
    return load_definition(data)


def builtin_instruments() -> list[Instrument]:
    """The study's six questionnaires, in the order they are answered."""
    instruments = [load_file(p) for p in sorted((HERE / "definitions").glob("*.yaml"))]
    return instruments


def is_shown(item: Item, answers: Mapping[str, str]) -> bool:
    """Whether ``item`` is asked, given the answers so far (``show_if``)."""
    return item.show_if is None or answers.get(item.show_if[0]) == item.show_if[1]


def check_answer(slot: Answerable, value: str) -> str | None:
    """Return an error message if ``value`` does not fit the slot's item, else None.

    ``value`` is non-empty and already stripped.
    """
    item = slot.item
    if item.type in ("likert", "domain_grid", "choice", "yes_no"):
        if value not in {v for v, _ in item.choices()}:
            return item.required_message(slot.label)
    elif item.type == "text":
        if item.max_length is not None and len(value) > item.max_length:
            return f"Your answer must be {item.max_length} characters or fewer"
        if "\x00" in value:  # no database can store it, and nobody types it
            return "Remove the hidden null character from your answer"
    elif item.type == "number":
        if not WHOLE_NUMBER.fullmatch(value):
            return f"Enter a whole number, like {item.min if item.min is not None else 30}"
        # Digits only (not ², not ٣), so responses.csv holds what the analysis reads; a
        # number too long to be in any range is not converted (int() refuses 4,300 digits).
        number = int(value) if len(value) <= 18 else (-(10**18) if value[0] == "-" else 10**18)
        if item.min is not None and number < item.min:
            return f"Enter a number of {item.min} or more"
        if item.max is not None and number > item.max:
            return f"Enter a number of {item.max} or less"
    return None


def clean_answers(
    instrument: Instrument,
    domains: Sequence[Domain],
    answers: Mapping[str, str],
    *,
    only: Sequence[Item] | None = None,
    complete: bool,
) -> tuple[dict[str, str], dict[str, str]]:
    """Check answers; return ``(clean answers, errors by answer name)``.

    Unknown names and answers to items that are not shown (``show_if``) are dropped.
    Empty answers are left out. With ``complete`` every shown required item must be
    answered (a submission); without it only the answers given are checked (a draft).
    ``only`` limits the check to some items (one page).
    """
    items = list(only) if only is not None else instrument.items
    merged = {k: v.strip() for k, v in answers.items() if isinstance(v, str)}
    clean: dict[str, str] = {}
    errors: dict[str, str] = {}
    for item in items:
        if not is_shown(item, merged):
            continue
        for slot in expand(item, domains):
            value = merged.get(slot.name, "")
            if not value:
                if complete and item.required:
                    errors[slot.name] = item.required_message(slot.label)
                continue
            problem = check_answer(slot, value)
            if problem:
                errors[slot.name] = problem
            elif item.type == "number" and len(value) <= 18:
                # Stored as the number it is: "0045" is 45 (a longer one, beyond any
                # range, is kept as typed: int() refuses 4,300 digits).
                clean[slot.name] = str(int(value))
            else:
                clean[slot.name] = value
    return clean, errors
