"""Shape questionnaires for pages: Your tasks rows, question pages, answer summaries."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

from django.urls import reverse

from revmentor.instruments import Domain, Instrument, Item, expand, is_shown
from revmentor.questionnaires import selectors
from revmentor.schemes.models import Participant
from revmentor.schemes.presenters import TaskRow

STATUS = {
    "not_started": ("Not started", "white"),
    "draft": ("In progress", "blue"),
}
#: The hint of the questionnaire before the session once it has closed (``closed``).
CLOSED_HINT = (
    "Questionnaire. It asked about the time before your one-to-one session, which has "
    "now been held, so it is closed. There is nothing you need to do."
)


def questionnaire_rows(participations: list[Participant]) -> dict[int, list[TaskRow]]:
    """Your tasks rows for open questionnaires (a TASK_PROVIDERS entry).

    The questionnaire before the session, once closed to someone whose session was held
    (``QuestionnaireTask.closed``), stays as a grey "Closed" row that links nowhere, as
    the other rows with nothing left to do do: they were asked it, and it says why it
    went.
    """
    rows: dict[int, list[TaskRow]] = {}
    by_pk = {p.pk: p for p in participations}
    for participant_pk, tasks in selectors.tasks_for(participations).items():
        scheme_id = by_pk[participant_pk].scheme_id
        for task in tasks:
            href = reverse("questionnaire", args=[scheme_id, task.stage.timepoint])
            if task.status == "submitted":
                rows.setdefault(participant_pk, []).append(
                    TaskRow(task.title, href, "completed", hint="Questionnaire")
                )
                continue
            if task.closed:
                rows.setdefault(participant_pk, []).append(
                    TaskRow(task.title, "", "Closed", "grey", hint=CLOSED_HINT)
                )
                continue
            text, colour = STATUS[task.status]
            hint = "Questionnaire"
            if task.due:
                when = "overdue: was due" if task.is_overdue else "due"
                hint = f"Questionnaire, {when} {task.due:%-d %B %Y}"
            if task.is_overdue:
                colour = "red"
            rows.setdefault(participant_pk, []).append(
                TaskRow(task.title, href, text, colour, hint)
            )
    return rows


def field_id(name: str) -> str:
    """The HTML id of an answer's first input (dots are not safe in fragment links)."""
    return "q-" + name.replace(".", "-").replace("_", "-")


@dataclass
class Question:
    """One question on a page, ready for the template."""

    item: Item
    name: str
    label: str
    value: str
    error: str | None
    id: str
    rows: list[Question] = field(default_factory=list)  # a grid's domains
    dependants: list[Question] = field(default_factory=list)  # shown by show_if
    choices: Sequence[tuple[str, str]] = ()

    @property
    def memo_key(self) -> Hashable | None:
        """Everything this question's HTML is made of, for the page to reuse it (``memo_by``).

        None when it, a row or a dependant shows what the person typed: someone's own
        words are never kept beyond their request.
        """
        if self.value and self.item.type in TYPED:
            return None
        rows: list[Hashable] = []
        dependants: list[Hashable] = []
        for keys, questions in ((rows, self.rows), (dependants, self.dependants)):
            for question in questions:
                key = question.memo_key
                if key is None:
                    return None
                keys.append(key)
        return (
            self.item,
            self.name,
            self.label,
            self.value,
            self.error,
            self.id,
            tuple(rows),
            tuple(dependants),
            tuple(self.choices),
        )


# Item types whose answer is typed rather than chosen.
TYPED = frozenset({"text", "number"})


def _question(
    item: Item, domains: Sequence[Domain], answers: Mapping[str, str], errors: Mapping[str, str]
) -> Question:
    slots = expand(item, domains)
    if item.type == "domain_grid":
        rows = [
            Question(
                item,
                s.name,
                s.label,
                answers.get(s.name, ""),
                errors.get(s.name),
                field_id(s.name),
                choices=item.choices(),
            )
            for s in slots
        ]
        first_error = next((r.error for r in rows if r.error), None)
        return Question(
            item,
            item.name,
            item.text,
            "",
            first_error,
            field_id(slots[0].name),
            rows=rows,
            choices=item.choices(),
        )
    slot = slots[0]
    return Question(
        item,
        slot.name,
        item.text,
        answers.get(slot.name, ""),
        errors.get(slot.name),
        field_id(slot.name),
        choices=item.choices(),
    )


def page_questions(
    definition: Instrument,
    section: int,
    domains: Sequence[Domain],
    answers: Mapping[str, str],
    errors: Mapping[str, str],
) -> list[Question]:
    """The questions of one page; a show_if question sits under the one it depends on."""
    questions: dict[str, Question] = {}
    top: list[Question] = []
    for item in definition.sections[section].items:
        question = _question(item, domains, answers, errors)
        questions[item.name] = question
        parent = questions.get(item.show_if[0]) if item.show_if else None
        if parent is not None:
            parent.dependants.append(question)
        else:
            top.append(question)
    return top


def error_list(questions: Sequence[Question]) -> list[dict[str, str]]:
    """The error summary: each error linking to its field."""
    found = []
    for question in questions:
        for q in [question, *question.rows, *question.dependants]:
            if q.error and not q.rows:
                found.append({"text": q.error, "href": f"#{q.id}"})
    return found


@dataclass(frozen=True)
class SummaryRow:
    section: int
    label: str
    value: str
    href_id: str


def summary(
    definition: Instrument, domains: Sequence[Domain], answers: Mapping[str, str]
) -> list[tuple[str, int, list[SummaryRow]]]:
    """Check-your-answers rows by page: (page title, page index, rows)."""
    pages = []
    for index, section in enumerate(definition.sections):
        rows = []
        for item in section.items:
            if not is_shown(item, answers):
                continue
            labels = dict(item.choices())
            for slot in expand(item, domains):
                value = answers.get(slot.name, "")
                shown = labels.get(value, value) if value else "Not answered"
                if item.unit and value:
                    shown = f"{value} {item.unit}"
                label = slot.label if item.type != "domain_grid" else f"{item.text} — {slot.label}"
                rows.append(SummaryRow(index, label, shown, field_id(slot.name)))
        pages.append((section.title, index, rows))
    return pages
