"""Shared test data: a full set of answers for an instrument."""

from __future__ import annotations

from collections.abc import Sequence

from revmentor.instruments import Domain, Instrument


def full_answers(instrument: Instrument, domains: Sequence[Domain]) -> dict[str, str]:
    """Return an answer for every slot (show_if ignored), varied so that mix-ups show."""
    answers: dict[str, str] = {}
    for index, slot in enumerate(instrument.answerables(domains)):
        item = slot.item
        if item.type in ("likert", "domain_grid"):
            answers[slot.name] = str(index % 5 + 1)
        elif item.type == "yes_no":
            answers[slot.name] = "yes" if index % 2 else "no"
        elif item.type == "choice":
            answers[slot.name] = item.options[-1][0]
        elif item.type == "text":
            answers[slot.name] = f"Answer to {slot.name}, with “quotes” and a comma"
        else:
            assert item.min is not None
            answers[slot.name] = str(item.min + 1)
    return answers
