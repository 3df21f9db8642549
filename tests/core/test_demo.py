from __future__ import annotations

import re

from django.test import Client

from revmentor.core import demo
from revmentor.core.models import User
from revmentor.schemes.models import Consent, Participant, ParticipantRole
from tests.pdfs import pdf_text


def test_demo_seeds_the_study_cohort_once(db: object) -> None:
    scheme = demo.seed()
    assert demo.seed() == scheme
    participants = Participant.objects.filter(scheme=scheme)
    assert participants.filter(role=ParticipantRole.MENTOR).count() == 6
    assert participants.filter(role=ParticipantRole.MENTEE).count() == 5
    assert participants.filter(role=ParticipantRole.MENTOR, supervisor__isnull=True).count() == 0
    assert participants.filter(role=ParticipantRole.MENTOR, sex="male").count() == 4
    # Everyone but the first mentor, whose sign-in link shows consent coming first.
    consented = Consent.objects.filter(participant__scheme=scheme)
    assert consented.count() == 10
    assert not consented.filter(
        participant__role=ParticipantRole.MENTOR,
        participant__pk=min(
            participants.filter(role=ParticipantRole.MENTOR).values_list("pk", flat=True)
        ),
    ).exists()


def test_every_printed_sign_in_link_works(db: object) -> None:
    scheme = demo.seed()
    links = demo.sign_in_links(scheme, "http://127.0.0.1:8000")
    assert [label for label, _e, _l in links] == [
        "Site admin",
        "Programme lead",
        "Facilitator",
        "Researcher",
        "Mentor",
        "Mentee",
    ]
    for _label, email, link in links:
        client = Client()
        path = link.removeprefix("http://127.0.0.1:8000")
        token = re.search(r"token=([^&]+)", path).group(1)  # type: ignore[union-attr]
        assert client.get(path).status_code == 200
        response = client.post("/sign-in/link/", {"token": token})
        assert response.status_code == 302
        assert int(client.session["_auth_user_id"]) == User.objects.get(email=email).pk
        landing = client.get(response["Location"], follow=True)
        assert landing.status_code == 200


def test_no_document_of_the_demo_names_any_mentor(db: object) -> None:
    from revmentor.feedback import documents, selectors
    from revmentor.feedback.models import DocumentVersion

    scheme = demo.seed()
    mentors = list(
        Participant.objects.filter(scheme=scheme, role=ParticipantRole.MENTOR).select_related(
            "user"
        )
    )
    versions = list(
        DocumentVersion.objects.filter(document__mentee__scheme=scheme).select_related(
            "document__mentee__user", "document__mentee__scheme__organisation"
        )
    )
    assert len(versions) == 5
    assert sum(1 for v in versions if v.approved_at) == 3
    for version in versions:
        mentee = version.document.mentee
        html = documents.html(mentee, version)
        text = pdf_text(documents.pdf(mentee, version))
        assert mentee.user.full_name in html and "Teaching at the bedside" in text
        for mentor in mentors:
            for rendered in (html, text):
                assert mentor.user.full_name not in rendered
                assert mentor.user.email not in rendered
                surname = mentor.user.full_name.split()[-1]
                assert surname not in rendered
    assert selectors.approved_version(versions[0].document.mentee) is not None


def test_demo_answers_give_the_researcher_results_and_answers_to_code(db: object) -> None:
    from revmentor.coding.selectors import free_text_answers
    from revmentor.research.selectors import results

    scheme = demo.seed()
    assert demo.seed_answers(scheme) == 5
    assert demo.seed_answers(scheme) == 0  # once only
    texts = {a.text for a in free_text_answers(scheme)}
    assert texts == set(demo.CONCERNS)
    found = results(scheme)
    assert found is not None
    assert {s["n"] for s in found["summaries"] if s["item"] == "total"} == {5}
    # The first mentor's questionnaire stays open for the demo's mentor journey.
    first = Participant.objects.filter(scheme=scheme).mentors().order_by("pk").first()
    assert first is not None and not first.responses.exists()
