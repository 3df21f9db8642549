"""Writes of the coding workspace: keyword-only, atomic, audited.

A :class:`CodingError` says in plain words why something cannot be done. Audit
summaries name codes and counts, never the text of an answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import IntegrityError, transaction

from revmentor.coding import selectors
from revmentor.coding.models import (
    MAX_DESCRIPTION,
    MAX_LABEL,
    MAX_MEMO,
    Code,
    Codebook,
    CodeChange,
    CoderFinish,
    Coding,
    Decision,
    Memo,
)
from revmentor.core import audit
from revmentor.core.models import AuditEvent, User
from revmentor.schemes.services import ServiceError


class CodingError(ServiceError):
    """The coding action cannot be done; the message tells the person why."""


def _record(
    actor: User, action: AuditEvent.Action, obj: object, codebook: Codebook, text: str
) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=obj,  # type: ignore[arg-type]
        summary=text,
        scheme_id=codebook.scheme_id,
    )


def _check_parent(codebook: Codebook, code: Code | None, parent: Code | None) -> None:
    if parent is None:
        return
    if parent.codebook_id != codebook.pk or not parent.is_active:
        raise CodingError("Choose a parent code from this codebook.")
    if code is not None and (
        parent.pk == code.pk or parent.pk in selectors.descendants(codebook, code)
    ):
        raise CodingError(
            f"'{parent.name}' is {code.name} itself or below it: choose another parent."
        )


def _check_text(label: str, description: str) -> tuple[str, str]:
    label, description = label.strip(), description.strip()
    if not label:
        raise CodingError("Enter a label for the code.")
    if len(label) > MAX_LABEL:
        raise CodingError(f"Keep the label to {MAX_LABEL} characters.")
    if len(description) > MAX_DESCRIPTION:
        raise CodingError(f"Keep the description to {MAX_DESCRIPTION} characters.")
    return label, description


@transaction.atomic
def code_create(
    *,
    actor: User,
    codebook: Codebook,
    name: str,
    label: str,
    description: str = "",
    parent: Code | None = None,
) -> Code:
    """Add a code to the codebook."""
    label, description = _check_text(label, description)
    _check_parent(codebook, None, parent)
    if Code.objects.filter(codebook=codebook, name=name).exists():
        raise CodingError(f"There is already a code called '{name}': choose another short name.")
    code = Code.objects.create(
        codebook=codebook,
        name=name,
        label=label,
        description=description,
        parent=parent,
        created_by=actor,
    )
    CodeChange.objects.create(code=code, kind=CodeChange.Kind.CREATED, after=name, actor=actor)
    _record(actor, AuditEvent.Action.CREATE, code, codebook, f"Added code '{name}' to the codebook")
    return code


@transaction.atomic
def code_update(
    *,
    actor: User,
    code: Code,
    name: str,
    label: str,
    description: str,
    parent: Code | None,
) -> Code:
    """Rename, relabel, describe or move a code; each change is kept in its history."""
    codebook = code.codebook
    if not code.is_active:
        raise CodingError(f"'{code.name}' was merged into another code and cannot be changed.")
    label, description = _check_text(label, description)
    _check_parent(codebook, code, parent)
    changes: list[tuple[str, str, str]] = []
    if name != code.name:
        if Code.objects.filter(codebook=codebook, name=name).exclude(pk=code.pk).exists():
            raise CodingError(
                f"There is already a code called '{name}': choose another short name."
            )
        changes.append((CodeChange.Kind.RENAMED, code.name, name))
    if label != code.label or description != code.description:
        changes.append((CodeChange.Kind.EDITED, code.label, label))
    if (parent.pk if parent else None) != code.parent_id:
        before = code.parent.name if code.parent else ""
        changes.append((CodeChange.Kind.MOVED, before, parent.name if parent else ""))
    if not changes:
        return code
    old_name = code.name
    code.name, code.label, code.description, code.parent = name, label, description, parent
    code.save(update_fields=["name", "label", "description", "parent"])
    CodeChange.objects.bulk_create(
        CodeChange(code=code, kind=kind, before=before[:300], after=after[:300], actor=actor)
        for kind, before, after in changes
    )
    what = ", ".join(CodeChange.Kind(kind).label.lower() for kind, _b, _a in changes)
    _record(actor, AuditEvent.Action.UPDATE, code, codebook, f"Changed code '{old_name}': {what}")
    return code


@transaction.atomic
def code_merge(*, actor: User, code: Code, into: Code) -> Code:
    """Merge ``code`` into ``into``: every coder's codings and every decision move over
    (once per answer), children move under ``into``, and ``code`` stays in the history."""
    codebook = code.codebook
    if into.codebook_id != codebook.pk or not into.is_active:
        raise CodingError("Choose a code of this codebook to merge into.")
    if into.pk == code.pk:
        raise CodingError("A code cannot be merged into itself.")
    if not code.is_active:
        raise CodingError(f"'{code.name}' was already merged.")
    if into.pk in selectors.descendants(codebook, code):
        raise CodingError(
            f"'{into.name}' is below '{code.name}': move it first, or merge the other way."
        )
    existing = set(Coding.objects.filter(code=into).values_list("answer_id", "coder_id"))
    moving = list(Coding.objects.filter(code=code))
    Coding.objects.filter(
        pk__in=[c.pk for c in moving if (c.answer_id, c.coder_id) in existing]
    ).delete()
    Coding.objects.filter(code=code).update(code=into)
    decided = set(Decision.objects.filter(code=into).values_list("answer_id", flat=True))
    Decision.objects.filter(code=code, answer_id__in=decided).delete()
    Decision.objects.filter(code=code).update(code=into)
    Code.objects.filter(parent=code).update(parent=into)
    code.merged_into = into
    code.save(update_fields=["merged_into"])
    CodeChange.objects.create(
        code=code, kind=CodeChange.Kind.MERGED, before=code.name, after=into.name, actor=actor
    )
    CodeChange.objects.create(
        code=into, kind=CodeChange.Kind.MERGED, before=code.name, after=into.name, actor=actor
    )
    _record(
        actor,
        AuditEvent.Action.UPDATE,
        code,
        codebook,
        f"Merged code '{code.name}' into '{into.name}' ({len(moving)} codings moved)",
    )
    return into


@transaction.atomic
def memo_add(*, actor: User, code: Code, text: str) -> Memo:
    """Add a memo to a code."""
    text = text.strip()
    if not text:
        raise CodingError("Write the memo before saving it.")
    if len(text) > MAX_MEMO:
        raise CodingError(f"Keep a memo to {MAX_MEMO} characters.")
    memo = Memo.objects.create(code=code, author=actor, text=text)
    _record(
        actor, AuditEvent.Action.CREATE, memo, code.codebook, f"Added a memo to code '{code.name}'"
    )
    return memo


def _lock(codebook: Codebook) -> Codebook:
    """Lock the codebook's row for this transaction (serialises coders' finishing)."""
    return Codebook.objects.select_for_update().get(pk=codebook.pk)


@transaction.atomic
def codings_save(
    *,
    actor: User,
    codebook: Codebook,
    chosen: Mapping[int, Iterable[int]],
) -> int:
    """Set the actor's codes on each answer of ``chosen`` (answer pk -> code pks).

    Answers must be free-text answers of the scheme open to research, codes active codes
    of the codebook. Replaces the actor's codes on those answers only; returns how many
    codes were added or removed. Refused once the actor has finished coding.
    """
    _lock(codebook)
    if CoderFinish.objects.filter(codebook=codebook, coder=actor).exists():
        raise CodingError("You have finished coding: reopen your coding to change it.")
    answers = {a.answer_id for a in selectors.free_text_answers(codebook.scheme)}
    active = set(
        Code.objects.filter(codebook=codebook, merged_into__isnull=True).values_list(
            "pk", flat=True
        )
    )
    wanted: dict[int, set[int]] = {}
    for answer_id, code_ids in chosen.items():
        if answer_id not in answers:
            raise CodingError("One of the answers is no longer open to coding: reload the page.")
        codes = set(code_ids)
        if not codes <= active:
            raise CodingError("One of the codes is no longer in the codebook: reload the page.")
        wanted[answer_id] = codes
    have: dict[int, set[int]] = {a: set() for a in wanted}
    mine = Coding.objects.filter(code__codebook=codebook, coder=actor, answer_id__in=list(wanted))
    for answer_id, code_id in mine.values_list("answer_id", "code_id"):
        have[answer_id].add(code_id)
    removed = [(a, c) for a in wanted for c in have[a] - wanted[a]]
    added = [(a, c) for a in wanted for c in wanted[a] - have[a]]
    for answer_id, code_id in removed:
        Coding.objects.filter(answer_id=answer_id, code_id=code_id, coder=actor).delete()
    try:
        Coding.objects.bulk_create(Coding(answer_id=a, code_id=c, coder=actor) for a, c in added)
    except IntegrityError as error:  # pragma: no cover - the row lock above prevents it
        raise CodingError("Your coding was saved twice at once: reload the page.") from error
    if added or removed:
        _record(
            actor,
            AuditEvent.Action.UPDATE,
            codebook,
            codebook,
            f"Coded {len(wanted)} answers: {len(added)} codes applied, {len(removed)} removed",
        )
    return len(added) + len(removed)


@transaction.atomic
def coding_finish(*, actor: User, codebook: Codebook) -> CoderFinish:
    """Mark the actor's coding finished: it is locked and, with another coder finished,
    compared."""
    _lock(codebook)
    if not Coding.objects.filter(code__codebook=codebook, coder=actor).exists():
        raise CodingError("Code at least one answer before you finish.")
    finish, created = CoderFinish.objects.get_or_create(codebook=codebook, coder=actor)
    if created:
        _record(actor, AuditEvent.Action.UPDATE, codebook, codebook, "Finished coding")
    return finish


@transaction.atomic
def coding_reopen(*, actor: User, codebook: Codebook) -> None:
    """Reopen the actor's finished coding, while nobody's coding has been compared yet."""
    _lock(codebook)
    finished = CoderFinish.objects.filter(codebook=codebook)
    if not finished.filter(coder=actor).exists():
        raise CodingError("Your coding is not finished.")
    if finished.count() >= 2:
        raise CodingError(
            "Two coders have finished and the coding has been compared: it can no longer be "
            "reopened. Settle the disagreements instead."
        )
    finished.filter(coder=actor).delete()
    _record(actor, AuditEvent.Action.UPDATE, codebook, codebook, "Reopened their coding")


@transaction.atomic
def decide(*, actor: User, codebook: Codebook, answer_id: int, code: Code, apply: bool) -> Decision:
    """Settle whether ``code`` applies to an answer in the final coding."""
    _lock(codebook)
    if CoderFinish.objects.filter(codebook=codebook).count() < 2:
        raise CodingError("Disagreements are settled once two coders have finished.")
    if code.codebook_id != codebook.pk or not code.is_active:
        raise CodingError("That code is not in the codebook any more: reload the page.")
    if answer_id not in {a.answer_id for a in selectors.free_text_answers(codebook.scheme)}:
        raise CodingError("That answer is no longer open to coding: reload the page.")
    decision, _created = Decision.objects.update_or_create(
        answer_id=answer_id, code=code, defaults={"apply": apply, "decided_by": actor}
    )
    verdict = "applies" if apply else "does not apply"
    _record(
        actor,
        AuditEvent.Action.UPDATE,
        decision,
        codebook,
        f"Settled a disagreement: code '{code.name}' {verdict} to answer {answer_id}",
    )
    return decision


@transaction.atomic
def blind_set(*, actor: User, codebook: Codebook, blind: bool) -> Codebook:
    """Turn blind double coding on or off."""
    codebook = _lock(codebook)
    if codebook.blind != blind:
        codebook.blind = blind
        codebook.save(update_fields=["blind"])
        _record(
            actor,
            AuditEvent.Action.UPDATE,
            codebook,
            codebook,
            f"Turned blind double coding {'on' if blind else 'off'}",
        )
    return codebook


@transaction.atomic
def coding_import(
    *,
    actor: User,
    codebook: Codebook,
    codes: Iterable[tuple[str, str, str, str]],
    applied: Iterable[tuple[int, str]],
) -> int:
    """Load a final coding from a study data folder into an empty codebook.

    ``codes`` are ``codebook.csv`` rows ``(code, label, parent, description)``; a code
    used in ``applied`` but missing there is created with its name as label.
    ``applied`` are ``(answer pk, code name)`` pairs of ``codes.csv``. The coding is kept
    as decisions, so it is final as imported. Returns how many codes were applied.
    Raises CodingError if the codebook already has codes or a parent is unknown.
    """
    if Code.objects.filter(codebook=codebook).exists():
        raise CodingError("This scheme already has a codebook: import into a new scheme.")
    rows = list(codes)
    pairs = list(applied)
    known = {name for name, _label, _parent, _description in rows}
    rows += [(name, name, "", "") for name in sorted({c for _a, c in pairs} - known)]
    made: dict[str, Code] = {}
    for name, label, _parent, description in rows:
        code = Code.objects.create(
            codebook=codebook,
            name=name,
            label=label or name,
            description=description,
            created_by=actor,
        )
        CodeChange.objects.create(code=code, kind=CodeChange.Kind.CREATED, after=name, actor=actor)
        made[name] = code
    for name, _label, parent, _description in rows:
        if parent:
            if parent not in made or parent == name:
                raise CodingError(f"Code '{name}' has the parent '{parent}', which is not a code.")
            made[name].parent = made[parent]
            made[name].save(update_fields=["parent"])
    parents = {name: parent for name, _label, parent, _description in rows if parent}
    for name in parents:
        seen = {name}
        up = parents.get(name)
        while up:
            if up in seen:
                raise CodingError(
                    f"Code '{name}' is its own ancestor in codebook.csv: fix the parents."
                )
            seen.add(up)
            up = parents.get(up)
    Decision.objects.bulk_create(
        Decision(answer_id=answer_id, code=made[name], apply=True, decided_by=actor)
        for answer_id, name in sorted(set(pairs))
    )
    _record(
        actor,
        AuditEvent.Action.CREATE,
        codebook,
        codebook,
        f"Imported a codebook of {len(made)} codes and {len(set(pairs))} applied codes",
    )
    return len(set(pairs))
