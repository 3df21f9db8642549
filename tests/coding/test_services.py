"""The coding workspace's writes and the final coding they produce."""

from __future__ import annotations

import csv
import io

import pytest

from revmentor.coding import selectors, services
from revmentor.coding.models import Code, Codebook, CodeChange, Coding, Decision
from revmentor.core.models import AuditEvent, User
from revmentor.research import export
from revmentor.research import selectors as research_selectors
from revmentor.schemes.models import Participant, Scheme
from tests.coding.conftest import code


def _answers(scheme: Scheme) -> list[selectors.FreeText]:
    return selectors.free_text_answers(scheme)


def test_free_text_answers_are_those_open_to_research(
    demo_scheme: Scheme, no_research_mentor: Participant
) -> None:
    answers = _answers(demo_scheme)
    # Five mentors agreed to research use; each wrote their concerns before and after.
    assert len(answers) == 10
    assert {a.item for a in answers} == {"concerns_text"}
    assert {a.timepoint for a in answers} == {"pre_phase1", "post_phase1"}
    assert {a.role for a in answers} == {"mentor"}
    excluded = no_research_mentor.responses.get(stage__timepoint="pre_phase1")
    assert not {a.answer_id for a in answers} & set(excluded.answers.values_list("pk", flat=True))
    names = {p.user.full_name for p in demo_scheme.participants.select_related("user")}
    assert not any(a.research_id in names for a in answers)


def test_rename_and_move_keep_history(codebook: Codebook, ann: User) -> None:
    worry, anonymity = code(codebook, "supervisor"), code(codebook, "anonymity")
    services.code_update(
        actor=ann,
        code=anonymity,
        name="being_identified",
        label="Fear of being identified",
        description="Says they could be recognised.",
        parent=None,
    )
    kinds = list(anonymity.history.values_list("kind", "before", "after"))
    assert kinds == [
        (CodeChange.Kind.CREATED, "", "anonymity"),
        (CodeChange.Kind.RENAMED, "anonymity", "being_identified"),
        (CodeChange.Kind.EDITED, "Anonymity", "Fear of being identified"),
        (CodeChange.Kind.MOVED, "supervisor", ""),
    ]
    assert AuditEvent.objects.filter(summary__startswith="Changed code 'anonymity'").exists()
    with pytest.raises(services.CodingError, match="already a code"):
        services.code_update(
            actor=ann, code=worry, name="being_identified", label="x", description="", parent=None
        )


def test_a_code_cannot_sit_below_itself(codebook: Codebook, ann: User) -> None:
    worry, anonymity = code(codebook, "supervisor"), code(codebook, "anonymity")
    with pytest.raises(services.CodingError, match="itself or below it"):
        services.code_update(
            actor=ann, code=worry, name="supervisor", label="W", description="", parent=anonymity
        )
    assert Code.objects.get(pk=worry.pk).parent_id is None


def test_each_coder_codes_separately(codebook: Codebook, ann: User, ben: User) -> None:
    answers = _answers(codebook.scheme)
    worry = code(codebook, "supervisor")
    services.codings_save(actor=ann, codebook=codebook, chosen={answers[0].answer_id: [worry.pk]})
    services.codings_save(actor=ben, codebook=codebook, chosen={answers[1].answer_id: [worry.pk]})
    mine = selectors.codings_of(codebook, [a.answer_id for a in answers])
    assert mine[answers[0].answer_id] == {ann.pk: {worry.pk}}
    assert mine[answers[1].answer_id] == {ben.pk: {worry.pk}}
    # Saving again with nothing ticked removes only Ann's own coding of that answer.
    services.codings_save(actor=ann, codebook=codebook, chosen={answers[0].answer_id: []})
    assert not Coding.objects.filter(coder=ann).exists()
    assert Coding.objects.filter(coder=ben).count() == 1


def test_coding_refuses_unknown_answers_and_codes(
    codebook: Codebook, ann: User, no_research_mentor: Participant
) -> None:
    worry = code(codebook, "supervisor")
    hidden = no_research_mentor.responses.first().answers.get(name="concerns_text")  # type: ignore[union-attr]
    with pytest.raises(services.CodingError, match="no longer open"):
        services.codings_save(actor=ann, codebook=codebook, chosen={hidden.pk: [worry.pk]})
    answer = _answers(codebook.scheme)[0].answer_id
    with pytest.raises(services.CodingError, match="no longer in the codebook"):
        services.codings_save(actor=ann, codebook=codebook, chosen={answer: [worry.pk + 999]})
    assert not Coding.objects.exists()


def _double_code(codebook: Codebook, ann: User, ben: User) -> list[selectors.FreeText]:
    """Ann applies 'supervisor' to the first 4 answers, Ben to the first 3 and the 5th."""
    answers = _answers(codebook.scheme)
    worry = code(codebook, "supervisor").pk
    services.codings_save(
        actor=ann, codebook=codebook, chosen={a.answer_id: [worry] for a in answers[:4]}
    )
    services.codings_save(
        actor=ben,
        codebook=codebook,
        chosen={a.answer_id: [worry] for a in [*answers[:3], answers[4]]},
    )
    services.coding_finish(actor=ann, codebook=codebook)
    services.coding_finish(actor=ben, codebook=codebook)
    return answers


def test_finishing_locks_and_compares(codebook: Codebook, ann: User, ben: User) -> None:
    answers = _double_code(codebook, ann, ben)
    with pytest.raises(services.CodingError, match="finished coding"):
        services.codings_save(actor=ann, codebook=codebook, chosen={answers[9].answer_id: []})
    with pytest.raises(services.CodingError, match="can no longer be reopened"):
        services.coding_reopen(actor=ann, codebook=codebook)
    found = selectors.agreement(codebook, answers)
    assert found is not None
    by_code = {c.row.code.name: c for c in found.codes}
    # 10 answers: both applied 3, Ann alone 1, Ben alone 1, neither 5.
    # p_o = 0.8; p_e = 0.4*0.4 + 0.6*0.6 = 0.52; kappa = 7/12.
    assert by_code["supervisor"].kappa == pytest.approx(7 / 12)
    assert (by_code["supervisor"].by_first, by_code["supervisor"].by_second) == (4, 4)
    # Nobody applied 'anonymity': kappa undefined.
    assert by_code["anonymity"].kappa is None
    # Alpha over 10 answers x 2 codes: the same two disagreements among 40 values,
    # eight 1s: 1 - 39 * 4 / (2 * 32 * 8) = 1 - 156/512.
    assert found.alpha == pytest.approx(1 - 156 / 512)
    assert [(d.answer.answer_id, d.code.name) for d in found.disagreements] == [
        (answers[3].answer_id, "supervisor"),
        (answers[4].answer_id, "supervisor"),
    ]


def test_reopen_before_anyone_is_compared(codebook: Codebook, ann: User) -> None:
    answer = _answers(codebook.scheme)[0].answer_id
    services.codings_save(
        actor=ann, codebook=codebook, chosen={answer: [code(codebook, "supervisor").pk]}
    )
    services.coding_finish(actor=ann, codebook=codebook)
    services.coding_reopen(actor=ann, codebook=codebook)
    services.codings_save(actor=ann, codebook=codebook, chosen={answer: []})
    assert not Coding.objects.exists()


def test_finishing_needs_some_coding(codebook: Codebook, ann: User) -> None:
    with pytest.raises(services.CodingError, match="at least one answer"):
        services.coding_finish(actor=ann, codebook=codebook)


def test_final_coding_and_adjudication(codebook: Codebook, ann: User, ben: User) -> None:
    answers = _double_code(codebook, ann, ben)
    worry = code(codebook, "supervisor")
    ids = [a.answer_id for a in answers]
    final = selectors.final_coding(codebook, ids)
    assert final.applied == {(a, worry.pk) for a in ids[:3]}
    assert final.unsettled == {(ids[3], worry.pk), (ids[4], worry.pk)}
    services.decide(actor=ann, codebook=codebook, answer_id=ids[3], code=worry, apply=True)
    services.decide(actor=ben, codebook=codebook, answer_id=ids[4], code=worry, apply=False)
    final = selectors.final_coding(codebook, ids)
    assert final.applied == {(a, worry.pk) for a in ids[:4]}
    assert not final.unsettled
    # Deciding again replaces the decision, never stores it twice.
    services.decide(actor=ben, codebook=codebook, answer_id=ids[4], code=worry, apply=True)
    assert Decision.objects.filter(answer_id=ids[4]).count() == 1
    assert len(selectors.final_coding(codebook, ids).applied) == 5


def test_decisions_wait_for_two_coders(codebook: Codebook, ann: User) -> None:
    answer = _answers(codebook.scheme)[0].answer_id
    worry = code(codebook, "supervisor")
    services.codings_save(actor=ann, codebook=codebook, chosen={answer: [worry.pk]})
    services.coding_finish(actor=ann, codebook=codebook)
    with pytest.raises(services.CodingError, match="two coders"):
        services.decide(actor=ann, codebook=codebook, answer_id=answer, code=worry, apply=True)
    # One coder finished: their coding is final (single coding).
    final = selectors.final_coding(codebook, [answer])
    assert final.single_coded and final.applied == {(answer, worry.pk)}


def test_merge_moves_codings_once_and_keeps_history(
    codebook: Codebook, ann: User, ben: User
) -> None:
    answers = _answers(codebook.scheme)
    worry, anonymity = code(codebook, "supervisor"), code(codebook, "anonymity")
    services.codings_save(
        actor=ann,
        codebook=codebook,
        chosen={
            answers[0].answer_id: [worry.pk, anonymity.pk],
            answers[1].answer_id: [anonymity.pk],
        },
    )
    services.code_merge(actor=ben, code=anonymity, into=worry)
    assert set(Coding.objects.values_list("answer_id", "code_id")) == {
        (answers[0].answer_id, worry.pk),
        (answers[1].answer_id, worry.pk),
    }
    anonymity.refresh_from_db()
    assert anonymity.merged_into_id == worry.pk and not anonymity.is_active
    assert [r.code.name for r in selectors.codes_of(codebook)] == ["supervisor"]
    assert anonymity.history.last().kind == CodeChange.Kind.MERGED  # type: ignore[union-attr]
    with pytest.raises(services.CodingError, match="already merged"):
        services.code_merge(actor=ben, code=anonymity, into=worry)


def _csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def test_final_coding_fills_codes_csv_and_table_1(codebook: Codebook, ann: User, ben: User) -> None:
    answers = _double_code(codebook, ann, ben)
    worry = code(codebook, "supervisor")
    services.decide(
        actor=ann, codebook=codebook, answer_id=answers[3].answer_id, code=worry, apply=True
    )
    files = export.study_folder(codebook.scheme)
    codes = _csv_rows(files["codes.csv"])
    assert len(codes) == 4
    assert {r["code"] for r in codes} == {"supervisor"}
    assert {r["participant_id"] for r in codes} <= {a.research_id for a in answers}
    assert _csv_rows(files["codebook.csv"]) == [
        {
            "code": "supervisor",
            "label": "Worry about the supervisor",
            "parent": "",
            "description": "",
        },
        {"code": "anonymity", "label": "Anonymity", "parent": "supervisor", "description": ""},
    ]
    results = research_selectors.results(codebook.scheme)
    assert results is not None
    themes = {t["code"]: t for t in results["themes"]}
    expected: dict[str, int] = {}
    for a in answers[:4]:
        expected[f"mentor/{a.timepoint}"] = expected.get(f"mentor/{a.timepoint}", 0) + 1
    assert themes["supervisor"]["label"] == "Worry about the supervisor"
    assert themes["supervisor"]["counts"] == expected


def test_every_write_is_audited_with_its_author(codebook: Codebook, ann: User, ben: User) -> None:
    _double_code(codebook, ann, ben)
    summaries = list(
        AuditEvent.objects.filter(scheme_id=codebook.scheme_id).values_list(
            "actor__email", "summary"
        )
    )
    assert ("ann@example.ac.uk", "Added code 'supervisor' to the codebook") in summaries
    assert ("ben@example.ac.uk", "Finished coding") in summaries
    assert any(e == "ann@example.ac.uk" and s.startswith("Coded 4 answers") for e, s in summaries)
    # No audit summary quotes an answer.
    text = _answers(codebook.scheme)[0].text
    assert not any(text in s for _e, s in summaries)


def test_import_stores_a_final_coding(demo_scheme: Scheme, ann: User) -> None:
    book = selectors.codebook_of(demo_scheme)
    answers = _answers(demo_scheme)
    services.coding_import(
        actor=ann,
        codebook=book,
        codes=[("worry", "Worry", "", "About the supervisor"), ("names", "Names", "worry", "")],
        applied=[(answers[0].answer_id, "names"), (answers[1].answer_id, "extra")],
    )
    final = selectors.final_coding(book, [a.answer_id for a in answers])
    names = dict(Code.objects.values_list("pk", "name"))
    assert {(a, names[c]) for a, c in final.applied} == {
        (answers[0].answer_id, "names"),
        (answers[1].answer_id, "extra"),
    }
    assert code(book, "names").parent == code(book, "worry")
    with pytest.raises(services.CodingError, match="already has a codebook"):
        services.coding_import(actor=ann, codebook=book, codes=[], applied=[])


def test_import_refuses_a_cycle_of_parents(demo_scheme: Scheme, ann: User) -> None:
    book = selectors.codebook_of(demo_scheme)
    with pytest.raises(services.CodingError, match="own ancestor"):
        services.coding_import(
            actor=ann, codebook=book, codes=[("a", "A", "b", ""), ("b", "B", "a", "")], applied=[]
        )
