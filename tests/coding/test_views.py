"""The coding pages, through the real views."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from revmentor.allocation.models import Allocation
from revmentor.coding import selectors, services
from revmentor.coding.models import Codebook, Coding, Decision, Memo
from revmentor.core.models import AuditEvent, User
from revmentor.schemes.models import Scheme
from tests.coding.conftest import code
from tests.research.conftest import answers as mentor_answers
from tests.research.conftest import submit


def _grid(scheme: Scheme) -> str:
    return reverse("schemes:coding", args=[scheme.pk])


def test_grid_shows_answers_under_research_ids_and_records_the_view(
    client_for: Callable[[User | None], Client], codebook: Codebook, ann: User
) -> None:
    scheme = codebook.scheme
    page = client_for(ann).get(_grid(scheme)).content.decode()
    answers = selectors.free_text_answers(scheme)
    assert "Whether my supervisor will know what I said." in page
    for a in answers:
        assert a.research_id in page
    for person in scheme.participants.select_related("user"):
        assert person.user.full_name not in page and person.user.email not in page
    assert AuditEvent.objects.filter(
        actor=ann, action=AuditEvent.Action.VIEW, summary__startswith="Viewed 10 free-text answers"
    ).exists()


def test_empty_states(
    client_for: Callable[[User | None], Client], scheme: Scheme, researcher: User
) -> None:
    page = client_for(researcher).get(_grid(scheme)).content.decode()
    assert "There are no free-text answers to code yet" in page


def test_saving_a_page_of_coding(
    client_for: Callable[[User | None], Client], codebook: Codebook, ann: User
) -> None:
    answers = selectors.free_text_answers(codebook.scheme)
    worry, anonymity = code(codebook, "supervisor"), code(codebook, "anonymity")
    client = client_for(ann)
    response = client.post(
        _grid(codebook.scheme),
        {
            "answer": [answers[0].answer_id, answers[1].answer_id],
            f"code-{answers[0].answer_id}": [worry.pk, anonymity.pk],
            "query": "role=mentor",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?role=mentor")
    assert set(Coding.objects.values_list("answer_id", "code_id", "coder_id")) == {
        (answers[0].answer_id, worry.pk, ann.pk),
        (answers[0].answer_id, anonymity.pk, ann.pk),
    }
    page = client.get(response["Location"]).content.decode()
    assert "Saved your coding of 2 answers (2 changes)." in page


def test_a_tampered_post_changes_nothing(
    client_for: Callable[[User | None], Client], codebook: Codebook, ann: User
) -> None:
    answer = selectors.free_text_answers(codebook.scheme)[0].answer_id
    client = client_for(ann)
    for data in (
        {"answer": ["x"]},
        {"answer": [answer], f"code-{answer}": ["not-a-number"]},
        {"answer": [answer], f"code-{answer}": ["999999"]},
    ):
        response = client.post(_grid(codebook.scheme), data, follow=True)
        assert response.status_code == 200
        assert "reload" in response.content.decode()
    assert not Coding.objects.exists()


def test_blind_mode_hides_the_other_coder_until_both_finish(
    client_for: Callable[[User | None], Client], codebook: Codebook, ann: User, ben: User
) -> None:
    answers = selectors.free_text_answers(codebook.scheme)
    worry = code(codebook, "supervisor")
    services.codings_save(actor=ann, codebook=codebook, chosen={answers[0].answer_id: [worry.pk]})
    services.codings_save(actor=ben, codebook=codebook, chosen={answers[1].answer_id: [worry.pk]})
    services.coding_finish(actor=ann, codebook=codebook)
    ben_client = client_for(ben)
    page = ben_client.get(_grid(codebook.scheme)).content.decode()
    assert "Ann Coder:" not in page
    agreement = ben_client.get(reverse("schemes:coding_agreement", args=[codebook.scheme.pk]))
    assert "One coder has finished" in agreement.content.decode()
    services.coding_finish(actor=ben, codebook=codebook)
    page = ben_client.get(_grid(codebook.scheme)).content.decode()
    assert "Ann Coder: Worry about the supervisor" in page


def test_without_blind_mode_coders_see_each_other(
    client_for: Callable[[User | None], Client], codebook: Codebook, ann: User, ben: User
) -> None:
    answers = selectors.free_text_answers(codebook.scheme)
    services.codings_save(
        actor=ann,
        codebook=codebook,
        chosen={answers[0].answer_id: [code(codebook, "supervisor").pk]},
    )
    client_for(ben).post(reverse("schemes:coding_blind", args=[codebook.scheme.pk]), {})
    codebook.refresh_from_db()
    assert not codebook.blind
    page = client_for(ben).get(_grid(codebook.scheme)).content.decode()
    assert "Ann Coder: Worry about the supervisor" in page


def test_filters(
    client_for: Callable[[User | None], Client], codebook: Codebook, ann: User
) -> None:
    client = client_for(ann)
    page = client.get(_grid(codebook.scheme), {"role": "mentee"}).content.decode()
    assert "No answers match these filters." in page
    page = client.get(_grid(codebook.scheme), {"stage": "pre_phase1"}).content.decode()
    assert page.count("data-answer") == 5
    answer = selectors.free_text_answers(codebook.scheme)[0].answer_id
    services.codings_save(
        actor=ann, codebook=codebook, chosen={answer: [code(codebook, "supervisor").pk]}
    )
    page = client.get(_grid(codebook.scheme), {"show": "uncoded"}).content.decode()
    assert page.count("data-answer") == 9
    assert f'id="answer-{answer}"' not in page


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_query_count_does_not_grow_with_the_scheme(
    client_for: Callable[[User | None], Client], codebook: Codebook, ann: User, ben: User
) -> None:
    scheme = codebook.scheme
    client = client_for(ann)
    urls = [_grid(scheme), reverse("schemes:coding_agreement", args=[scheme.pk])]
    answers = selectors.free_text_answers(scheme)
    services.codings_save(
        actor=ann,
        codebook=codebook,
        chosen={answers[0].answer_id: [code(codebook, "supervisor").pk]},
    )
    services.codings_save(
        actor=ben,
        codebook=codebook,
        chosen={answers[1].answer_id: [code(codebook, "supervisor").pk]},
    )
    services.coding_finish(actor=ann, codebook=codebook)
    services.coding_finish(actor=ben, codebook=codebook)
    before = [_queries(client, url) for url in urls]
    # More answers: the paired mentors yet to answer the questionnaire after their
    # session (held in the demo) do.
    scheme.stages.filter(timepoint="post_session").update(opened_at=timezone.now())
    stage = scheme.stages.get(timepoint="post_session")
    paired = scheme.participants.mentors().filter(
        pairs_as_mentor__allocation__status=Allocation.Status.PUBLISHED
    )
    after = {
        "experience": "4",
        "time_devoted": "about_right",
        "concerns_now": "lesser",
        "change_practice": "yes",
        "include_in_appraisal": "yes",
        "comments": "It was easier than I had feared.",
    }
    for mentor in paired.exclude(responses__stage=stage).order_by("pk"):
        submit(mentor, stage, mentor_answers(1) | after)
    assert len(selectors.free_text_answers(scheme)) > len(answers)
    assert [_queries(client, url) for url in urls] == before


def test_agreement_page_and_settling(
    client_for: Callable[[User | None], Client], codebook: Codebook, ann: User, ben: User
) -> None:
    answers = selectors.free_text_answers(codebook.scheme)
    worry = code(codebook, "supervisor")
    services.codings_save(actor=ann, codebook=codebook, chosen={answers[0].answer_id: [worry.pk]})
    services.codings_save(actor=ben, codebook=codebook, chosen={answers[1].answer_id: [worry.pk]})
    services.coding_finish(actor=ann, codebook=codebook)
    services.coding_finish(actor=ben, codebook=codebook)
    client = client_for(ann)
    url = reverse("schemes:coding_agreement", args=[codebook.scheme.pk])
    page = client.get(url).content.decode()
    assert "Krippendorff" in page and "2, of which 2 not yet settled" in page
    response = client.post(
        reverse("schemes:coding_decide", args=[codebook.scheme.pk]),
        {"answer": answers[0].answer_id, "code": worry.pk, "apply": "yes"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#answer-{answers[0].answer_id}")
    assert Decision.objects.get().apply is True
    page = client.get(url).content.decode()
    assert "2, of which 1 not yet settled" in page
    # A bad verdict changes nothing.
    client.post(
        reverse("schemes:coding_decide", args=[codebook.scheme.pk]),
        {"answer": answers[1].answer_id, "code": worry.pk, "apply": "maybe"},
    )
    assert Decision.objects.count() == 1


def test_code_page_rename_merge_and_memo(
    client_for: Callable[[User | None], Client], codebook: Codebook, ben: User
) -> None:
    scheme = codebook.scheme
    client = client_for(ben)
    anonymity, worry = code(codebook, "anonymity"), code(codebook, "supervisor")
    url = reverse("schemes:coding_code", args=[scheme.pk, anonymity.pk])
    response = client.post(
        url, {"name": "Bad Name!", "label": "x", "description": "", "parent": ""}
    )
    assert "Use only lower-case letters" in response.content.decode()
    response = client.post(
        url, {"name": "identified", "label": "Being identified", "description": "", "parent": ""}
    )
    assert response.status_code == 302
    anonymity.refresh_from_db()
    assert anonymity.name == "identified" and anonymity.parent is None
    client.post(
        reverse("schemes:coding_code_memo", args=[scheme.pk, anonymity.pk]),
        {"text": "Close to the supervisor theme: merge?"},
    )
    assert Memo.objects.get().author == ben
    response = client.post(
        reverse("schemes:coding_code_merge", args=[scheme.pk, anonymity.pk]), {"into": worry.pk}
    )
    assert response["Location"] == reverse("schemes:coding_code", args=[scheme.pk, worry.pk])
    page = client.get(url).content.decode()
    assert "This code was merged into" in page and "Renamed" in page
