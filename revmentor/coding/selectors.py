"""Reads of the coding workspace, in a fixed number of queries whatever the scheme's size.

Which answers are coded: the free-text answers (items of type ``text``) of submitted
questionnaires of participants whose current consent allows research use, i.e. exactly
the free-text rows of the scheme's ``responses.csv``. Coders see them under research IDs.

The **final coding** is derived, not stored: with two or more coders finished, a code
belongs to an answer when every finished coder applied it; with one coder finished, that
coder's coding is final (single coding: no agreement is measured); with none, nothing is
final yet. A :class:`~revmentor.coding.models.Decision` overrides all of that for its
answer and code (adjudication of a disagreement, or a final coding imported from a
study data folder).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations

from django.http import Http404

from revmentor.analysis.agreement import cohen_kappa, krippendorff_alpha
from revmentor.coding.models import Code, Codebook, CoderFinish, Coding, Decision
from revmentor.core.models import User
from revmentor.instruments import Instrument
from revmentor.questionnaires import selectors as questionnaire_selectors
from revmentor.questionnaires.interchange import pseudonym
from revmentor.questionnaires.models import Response, SchemeInstrument
from revmentor.schemes import selectors as scheme_selectors
from revmentor.schemes.models import Scheme

ROLE_ORDER = {"mentor": 0, "mentee": 1}


@dataclass(frozen=True, slots=True)
class FreeText:
    """One free-text answer, as a coder sees it: research ID, never a name."""

    answer_id: int
    research_id: str
    role: str
    timepoint: str
    stage_label: str
    stage_position: int
    item: str
    question: str
    text: str


def free_text_answers(scheme: Scheme, submitted: list[Response] | None = None) -> list[FreeText]:
    """Every free-text answer open to research in the scheme, by stage, item, research ID.

    ``submitted``: the submitted responses of the participants open to research, when
    the caller has loaded them already (no query then); otherwise three queries
    (consent, responses, answers). Each questionnaire version's definition is read once.
    """
    if submitted is None:
        research_ids = scheme_selectors.research_participant_ids(scheme)
        submitted = questionnaire_selectors.submitted_responses(scheme, research_ids)
    domains = SchemeInstrument(scheme=scheme).domains()
    questions: dict[int, dict[str, str]] = {}
    found: list[FreeText] = []
    for response in submitted:
        if response.version_id not in questions:
            instrument: Instrument = response.version.instrument
            questions[response.version_id] = {
                slot.name: slot.label or slot.item.text
                for slot in instrument.answerables(domains)
                if slot.item.type == "text"
            }
        texts = questions[response.version_id]
        research_id = pseudonym(response.participant)
        for answer in response.answers.all():
            if answer.name in texts and answer.value.strip():
                found.append(
                    FreeText(
                        answer_id=answer.pk,
                        research_id=research_id,
                        role=response.participant.role,
                        timepoint=response.stage.timepoint,
                        stage_label=response.stage.label,
                        stage_position=response.stage.position,
                        item=answer.name,
                        question=texts[answer.name],
                        text=answer.value,
                    )
                )
    found.sort(key=lambda f: (f.stage_position, ROLE_ORDER.get(f.role, 2), f.item, f.research_id))
    return found


def codebook_of(scheme: Scheme) -> Codebook:
    """The scheme's codebook, made on first use (every scheme has exactly one)."""
    codebook, _created = Codebook.objects.get_or_create(scheme=scheme)
    codebook.scheme = scheme
    return codebook


@dataclass(frozen=True, slots=True)
class CodeRow:
    """An active code in codebook order, with its depth in the hierarchy."""

    code: Code
    depth: int
    parent_name: str


def codes_of(codebook: Codebook) -> list[CodeRow]:
    """The active codes (not merged away), parents before children, by name (one query)."""
    codes = list(Code.objects.filter(codebook=codebook, merged_into__isnull=True))
    by_parent: dict[int | None, list[Code]] = defaultdict(list)
    names = {c.pk: c.name for c in codes}
    for code in codes:
        parent = code.parent_id if code.parent_id in names else None
        by_parent[parent].append(code)
    rows: list[CodeRow] = []

    def walk(parent: int | None, depth: int) -> None:
        for code in sorted(by_parent.get(parent, []), key=lambda c: c.name):
            rows.append(CodeRow(code, depth, names.get(code.parent_id or 0, "")))
            walk(code.pk, depth + 1)

    walk(None, 0)
    return rows


def code_in(codebook: Codebook, pk: int) -> Code:
    """A code of this codebook (merged ones included), or 404."""
    found = Code.objects.filter(codebook=codebook, pk=pk).select_related("merged_into").first()
    if found is None:
        raise Http404("No such code in this codebook.")
    return found


def descendants(codebook: Codebook, code: Code) -> set[int]:
    """Primary keys of every code below ``code`` in the hierarchy (one query)."""
    children: dict[int, list[int]] = defaultdict(list)
    for pk, parent in Code.objects.filter(codebook=codebook).values_list("pk", "parent_id"):
        if parent is not None:
            children[parent].append(pk)
    found: set[int] = set()
    stack = [code.pk]
    while stack:
        for child in children[stack.pop()]:
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


@dataclass(frozen=True, slots=True)
class CoderState:
    """Who has coded in this codebook and who has finished (two queries)."""

    coders: list[User]
    finished: dict[int, object]  # user pk -> finished_at

    def has_finished(self, user: User) -> bool:
        return user.pk in self.finished

    @property
    def finished_coders(self) -> list[User]:
        """Finished coders, in the order they finished."""
        order = list(self.finished)
        return sorted(
            (c for c in self.coders if c.pk in self.finished), key=lambda c: order.index(c.pk)
        )

    @property
    def compared(self) -> bool:
        """Whether two or more coders have finished, so their work is compared."""
        return len(self.finished) >= 2


def coder_state(codebook: Codebook) -> CoderState:
    """The coders of the codebook (anyone who coded an answer or finished)."""
    finishes = list(
        CoderFinish.objects.filter(codebook=codebook)
        .select_related("coder")
        .order_by("finished_at", "pk")
    )
    coder_ids = set(
        Coding.objects.filter(code__codebook=codebook).values_list("coder_id", flat=True).distinct()
    )
    coders = {f.coder.pk: f.coder for f in finishes}
    missing = coder_ids - set(coders)
    if missing:
        coders.update({u.pk: u for u in User.objects.filter(pk__in=missing)})
    return CoderState(
        coders=sorted(coders.values(), key=lambda u: (u.full_name or u.email).lower()),
        finished={f.coder_id: f.finished_at for f in finishes},
    )


def may_see_others(codebook: Codebook, state: CoderState) -> bool:
    """Whether coders may see each other's coding: not blind, or compared already."""
    return not codebook.blind or state.compared


def codings_of(codebook: Codebook, answer_ids: Iterable[int]) -> dict[int, dict[int, set[int]]]:
    """``{answer pk: {coder pk: {code pk, ...}}}`` for these answers (one query)."""
    found: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    rows = Coding.objects.filter(code__codebook=codebook, answer_id__in=list(answer_ids))
    for answer_id, coder_id, code_id in rows.values_list("answer_id", "coder_id", "code_id"):
        found[answer_id][coder_id].add(code_id)
    return found


def decisions_of(codebook: Codebook) -> dict[tuple[int, int], Decision]:
    """``{(answer pk, code pk): decision}`` of the codebook (one query)."""
    return {
        (d.answer_id, d.code_id): d
        for d in Decision.objects.filter(code__codebook=codebook).select_related("decided_by")
    }


@dataclass(slots=True)
class Final:
    """The final coding and what still stops it being settled."""

    applied: set[tuple[int, int]] = field(default_factory=set)  # (answer pk, code pk)
    unsettled: set[tuple[int, int]] = field(default_factory=set)
    single_coded: bool = False


def final_coding(codebook: Codebook, answer_ids: Iterable[int]) -> Final:
    """The final coding of these answers (see the module docstring). Four queries."""
    answers = set(answer_ids)
    state = coder_state(codebook)
    finished = set(state.finished)
    codings = codings_of(codebook, answers)
    decisions = decisions_of(codebook)
    final = Final(single_coded=len(finished) == 1)
    for answer_id in answers:
        by_coder = codings.get(answer_id, {})
        applied_by: dict[int, int] = defaultdict(int)
        for coder_id in finished:
            for code_id in by_coder.get(coder_id, set()):
                applied_by[code_id] += 1
        for code_id, count in applied_by.items():
            if count == len(finished):
                final.applied.add((answer_id, code_id))
            else:
                final.unsettled.add((answer_id, code_id))
    for key, decision in decisions.items():
        if key[0] not in answers:
            continue
        final.unsettled.discard(key)
        if decision.apply:
            final.applied.add(key)
        else:
            final.applied.discard(key)
    return final


@dataclass(frozen=True, slots=True)
class CodeAgreement:
    """Agreement on one code between the first two coders to finish."""

    row: CodeRow
    kappa: float | None
    by_first: int
    by_second: int
    by_both: int


@dataclass(frozen=True, slots=True)
class Disagreement:
    """One answer and code on which the finished coders differ."""

    answer: FreeText
    code: Code
    applied_by: list[User]
    not_applied_by: list[User]
    decision: Decision | None


@dataclass(frozen=True, slots=True)
class Agreement:
    """Cohen's kappa per code, Krippendorff's alpha overall and every disagreement."""

    coders: list[User]
    codes: list[CodeAgreement]
    alpha: float | None
    units: int
    disagreements: list[Disagreement]
    pairs: list[tuple[User, User, float | None]]

    @property
    def unsettled(self) -> int:
        return sum(1 for d in self.disagreements if d.decision is None)


def agreement(codebook: Codebook, answers: list[FreeText]) -> Agreement | None:
    """Agreement of the finished coders over ``answers``; ``None`` until two have finished.

    Cohen's kappa per code compares the first two coders to finish (answer as the unit:
    the code applied or not); with more coders, ``pairs`` gives each pair's kappa over
    every answer x code unit. Krippendorff's alpha (nominal) covers every finished coder
    and every answer x active code unit. A fixed number of queries.
    """
    state = coder_state(codebook)
    if not state.compared:
        return None
    coders = state.finished_coders
    rows = codes_of(codebook)
    codings = codings_of(codebook, [a.answer_id for a in answers])
    decisions = decisions_of(codebook)

    def applied(coder: User, answer: FreeText, code: Code) -> bool:
        return code.pk in codings.get(answer.answer_id, {}).get(coder.pk, set())

    first, second = coders[0], coders[1]
    per_code: list[CodeAgreement] = []
    for row in rows:
        a = [applied(first, answer, row.code) for answer in answers]
        b = [applied(second, answer, row.code) for answer in answers]
        per_code.append(
            CodeAgreement(
                row=row,
                kappa=cohen_kappa(a, b),
                by_first=sum(a),
                by_second=sum(b),
                by_both=sum(x and y for x, y in zip(a, b, strict=True)),
            )
        )
    ratings = [
        [float(applied(coder, answer, row.code)) for answer in answers for row in rows]
        for coder in coders
    ]
    pairs = [
        (x, y, cohen_kappa([bool(v) for v in ratings[i]], [bool(v) for v in ratings[j]]))
        for (i, x), (j, y) in combinations(enumerate(coders), 2)
    ]
    disagreements = [
        Disagreement(
            answer=answer,
            code=row.code,
            applied_by=[c for c in coders if applied(c, answer, row.code)],
            not_applied_by=[c for c in coders if not applied(c, answer, row.code)],
            decision=decisions.get((answer.answer_id, row.code.pk)),
        )
        for answer in answers
        for row in rows
        if 0 < sum(applied(c, answer, row.code) for c in coders) < len(coders)
    ]
    return Agreement(
        coders=coders,
        codes=per_code,
        alpha=krippendorff_alpha(ratings) if rows and answers else None,
        units=len(answers) * len(rows),
        disagreements=disagreements,
        pairs=pairs,
    )


def codes_csv_rows(scheme: Scheme, answers: list[FreeText]) -> list[tuple[str, ...]]:
    """Rows of ``codes.csv`` (final coding) for these answers, sorted; a fixed query count."""
    codebook = Codebook.objects.filter(scheme=scheme).first()
    if codebook is None:
        return []
    final = final_coding(codebook, [a.answer_id for a in answers])
    names = dict(Code.objects.filter(codebook=codebook).values_list("pk", "name"))
    by_id = {a.answer_id: a for a in answers}
    return sorted(
        (
            by_id[answer_id].research_id,
            by_id[answer_id].role,
            by_id[answer_id].timepoint,
            by_id[answer_id].item,
            names[code_id],
        )
        for answer_id, code_id in final.applied
        if answer_id in by_id
    )


def codebook_csv_rows(scheme: Scheme) -> list[tuple[str, ...]]:
    """Rows of ``codebook.csv``: every active code, parents first (two queries)."""
    codebook = Codebook.objects.filter(scheme=scheme).first()
    if codebook is None:
        return []
    return [
        (row.code.name, row.code.label, row.parent_name, row.code.description)
        for row in codes_of(codebook)
    ]
