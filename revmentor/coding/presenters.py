"""Shape the coding workspace for its pages."""

from __future__ import annotations

from dataclasses import dataclass

from revmentor.coding.selectors import Agreement, CodeRow, FreeText
from revmentor.core.models import User

PAGE_SIZE = 20


@dataclass(frozen=True, slots=True)
class GridRow:
    """One answer of the grid with the viewer's codes and, when visible, the others'."""

    answer: FreeText
    mine: frozenset[int]
    others: list[tuple[str, list[str]]]


def stage_choices(answers: list[FreeText]) -> list[tuple[str, str]]:
    """The stages that have free-text answers, in order."""
    seen: dict[str, str] = {}
    for a in answers:
        seen.setdefault(a.timepoint, a.stage_label)
    return list(seen.items())


def item_choices(answers: list[FreeText]) -> list[tuple[str, str]]:
    """The free-text questions that have answers, by name."""
    seen: dict[str, str] = {}
    for a in answers:
        seen.setdefault(a.item, a.question)
    return sorted(seen.items())


def filtered(
    answers: list[FreeText],
    *,
    role: str = "",
    stage: str = "",
    item: str = "",
    uncoded_by_me: set[int] | None = None,
) -> list[FreeText]:
    """The answers that pass the grid's filters (``uncoded_by_me``: answers I coded)."""
    return [
        a
        for a in answers
        if (not role or a.role == role)
        and (not stage or a.timepoint == stage)
        and (not item or a.item == item)
        and (uncoded_by_me is None or a.answer_id not in uncoded_by_me)
    ]


def coder_name(user: User) -> str:
    return user.full_name or user.email


def grid_rows(
    answers: list[FreeText],
    codings: dict[int, dict[int, set[int]]],
    *,
    viewer: User,
    coders: list[User],
    codes: list[CodeRow],
    show_others: bool,
) -> list[GridRow]:
    """The grid's rows: the viewer's codes, and the other coders' when they may be seen."""
    labels = {r.code.pk: r.code.label for r in codes}
    rows = []
    for answer in answers:
        by_coder = codings.get(answer.answer_id, {})
        others = (
            [
                (coder_name(c), sorted(labels[k] for k in by_coder.get(c.pk, set()) if k in labels))
                for c in coders
                if c.pk != viewer.pk
            ]
            if show_others
            else []
        )
        rows.append(GridRow(answer, frozenset(by_coder.get(viewer.pk, set())), others))
    return rows


def fmt(value: float | None, places: int = 2) -> str:
    """A statistic for the page: ``—`` when undefined."""
    return "—" if value is None else f"{value:.{places}f}"


def agreement_note(found: Agreement) -> str:
    """One sentence that says what the agreement figures cover."""
    first, second = (coder_name(c) for c in found.coders[:2])
    extra = len(found.coders) - 2
    more = f" Krippendorff's alpha also covers {extra} more coder(s)." if extra > 0 else ""
    return (
        f"Cohen's kappa compares {first} and {second}, answer by answer, for each code "
        f"(the code applied or not). Krippendorff's alpha (nominal) covers every finished "
        f"coder over {found.units} answer × code units.{more}"
    )
