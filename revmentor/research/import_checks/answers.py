"""``timepoints.csv`` and ``responses.csv`` against the scheme's stages and questionnaires."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from revmentor.analysis.problems import ProblemLog
from revmentor.core.spreadsheet import from_csv_text
from revmentor.instruments import Answerable, Domain, Instrument, check_answer
from revmentor.research.import_checks.model import MAX_STAGE_LABEL, Row, rows


def labels(folder: Path, log: ProblemLog, stages: Sequence[str]) -> tuple[dict[str, str], set[str]]:
    """Labels given in ``timepoints.csv``, and the time points it lists; checks its order."""
    name = "timepoints.csv"
    labels: dict[str, str] = {}
    listed: set[str] = set()
    last = -1
    for number, row in rows(folder, name):
        timepoint, label = row["timepoint"], from_csv_text(row.get("label", ""))
        listed.add(timepoint)
        if timepoint not in stages:
            log.add(
                name,
                number,
                "timepoint",
                f"'{timepoint}' is not a time point of a scheme here; use {', '.join(stages)}",
                "timepoint",
            )
            continue
        if stages.index(timepoint) < last:
            log.add(
                name,
                number,
                "timepoint",
                f"'{timepoint}' is listed after a later time point; list them in the order "
                f"{', '.join(stages)}",
                "order",
            )
        last = max(last, stages.index(timepoint))
        if len(label) > MAX_STAGE_LABEL:
            log.add(
                name, number, "label", f"keep the label to {MAX_STAGE_LABEL} characters", "label"
            )
        elif label:
            labels[timepoint] = label
    return labels, listed


def items_of(instrument: Instrument) -> str:
    """The item names of a questionnaire in words, a grid once (``confidence.<domain>``)."""
    names = [
        f"{item.name}.<domain>" if item.type == "domain_grid" else item.name
        for item in instrument.items
    ]
    return ", ".join(names)


def allowed(slot: Answerable) -> str:
    """What an answer to ``slot`` may be, in words."""
    item = slot.item
    if item.type == "number":
        return f"a whole number from {item.min} to {item.max}"
    if item.type == "text":
        return f"text of at most {item.max_length} characters"
    values = [value for value, _label in item.choices()]
    return "one of " + ", ".join(values)


class Answers:
    """Checks ``responses.csv`` against the questionnaires; collects the answers."""

    name = "responses.csv"

    def __init__(
        self,
        log: ProblemLog,
        stages: Sequence[str],
        instruments: Mapping[tuple[str, str], Instrument],
        domains: Sequence[Domain],
        listed: set[str],
        people: Mapping[str, str],
    ) -> None:
        self.log, self.stages, self.instruments, self.listed = log, stages, instruments, listed
        self.people = people
        self.slots = {
            key: {slot.name: slot for slot in instrument.answerables(domains)}
            for key, instrument in instruments.items()
        }
        self.rows_of: dict[tuple[str, str, str], int] = {}
        self.roles: dict[tuple[str, str], str] = {}

    def slot(self, number: int, row: Row) -> Answerable | None:
        """The question this row answers, or None (with a problem) if there is none."""
        role, timepoint, item = row["role"], row["timepoint"], row["item"]
        if self.people.get(row["participant_id"]) != role:
            return None  # an unknown participant or role: the reader says so
        if timepoint not in self.stages:
            if timepoint not in self.listed:  # else reported in timepoints.csv
                self.log.add(
                    self.name,
                    number,
                    "timepoint",
                    f"'{timepoint}' is not a time point of a scheme here; use "
                    f"{', '.join(self.stages)}",
                    "timepoint",
                )
            return None
        instrument = self.instruments.get((role, timepoint))
        if instrument is None:
            at = [tp for r, tp in self.instruments if r == role]
            self.log.add(
                self.name,
                number,
                "timepoint",
                f"{role}s answer no questionnaire at '{timepoint}'; they answer at "
                f"{', '.join(tp for tp in self.stages if tp in at)}",
                "no questionnaire",
            )
            return None
        slot = self.slots[(role, timepoint)].get(item)
        if slot is None:
            self.log.add(
                self.name,
                number,
                "item",
                f"'{item}' is not a question of the {role}s' questionnaire at '{timepoint}' "
                f"({instrument.title}); its items are {items_of(instrument)}",
                "item",
            )
        return slot

    def check(self, folder: Path) -> dict[tuple[str, str], dict[str, str]]:
        """The valid answers of ``responses.csv`` by (research ID, time point), in order."""
        answers: dict[tuple[str, str], dict[str, str]] = {}
        for number, row in rows(folder, self.name):
            slot = self.slot(number, row)
            value = from_csv_text(row["value"])
            if slot is None or value == "":
                continue
            problem = check_answer(slot, value)
            if problem is not None:
                shown = value if len(value) <= 40 else value[:40] + "…"
                self.log.add(
                    self.name,
                    number,
                    "value",
                    f"'{shown}' is not an answer to '{slot.name}'; give {allowed(slot)}",
                    "value",
                )
                continue
            key = (row["participant_id"], row["timepoint"])
            answers.setdefault(key, {})[slot.name] = value
            self.roles[key] = row["role"]
            self.rows_of[(*key, slot.name)] = number
        self.check_shown(answers)
        return answers

    def check_shown(self, answers: dict[tuple[str, str], dict[str, str]]) -> None:
        """An answer to a question asked only after another answer needs that answer."""
        for (pid, timepoint), given in answers.items():
            slots = self.slots[(self.roles[(pid, timepoint)], timepoint)]
            for name in given:
                condition = slots[name].item.show_if
                if condition and given.get(condition[0]) != condition[1]:
                    self.log.add(
                        self.name,
                        self.rows_of[(pid, timepoint, name)],
                        "item",
                        f"'{name}' is asked only when '{condition[0]}' is "
                        f"'{condition[1]}', and {pid} answered "
                        f"'{given.get(condition[0], '')}' at '{timepoint}'; remove the "
                        f"answer or correct '{condition[0]}'",
                        "shown",
                    )
