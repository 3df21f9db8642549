"""What a pair logged about their session, in words (for pages, emails and the audit
trail; pure)."""

from __future__ import annotations

#: A logged answer: whether the session took place (None: not logged) and its minutes.
Answer = tuple[bool | None, int | None]


def answer_text(held: bool | None, minutes: int | None) -> str:
    """A logged answer in words: "took place, 45 minutes", "did not take place"."""
    if held is None:
        return "not logged"
    return f"took place, {minutes} minutes" if held else "did not take place"


def change_text(old: Answer, new: Answer) -> str:
    """A change of answer in words: "from 45 to 60 minutes" when both say it took place,
    otherwise "from "took place, 45 minutes" to "did not take place"".
    """
    if old[0] and new[0]:
        return f"from {old[1]} to {new[1]} minutes"
    return f'from "{answer_text(*old)}" to "{answer_text(*new)}"'
