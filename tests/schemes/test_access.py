"""Every scheme page, for every persona: outsiders get 404, read-only users 403.

The matrix must name every URL of the schemes app and the participant pages; a URL
without a row fails ``test_every_url_has_a_row``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse
from django.utils import timezone

from revmentor.allocation.models import Allocation
from revmentor.core.models import User
from revmentor.feedback.models import Contribution
from revmentor.feedback.services import document_compile, interview_for, transcript_set
from revmentor.questionnaires.models import Response, Stage
from revmentor.questionnaires.services import response_save_page
from revmentor.schemes.models import Participant, Scheme
from tests.factories import ConsentFactory

PERSONAS = [
    "anonymous",
    "site_admin",
    "lead",
    "facilitator",
    "researcher",
    "other_lead",
    "mentor",
    "mentee",
    "outsider",
]

# Expected status for GET, per persona, in PERSONAS order. 302 is the sign-in redirect
# (or, for POST-only pages, 405 to everyone who gets past the lookup).
VIEW = [302, 200, 200, 200, 200, 404, 403, 403, 404]
MANAGE = [302, 200, 200, 403, 403, 404, 403, 403, 404]
POST_ONLY = [302, 405, 405, 403, 403, 404, 403, 403, 404]
FACILITATE = [302, 200, 200, 200, 403, 404, 403, 403, 404]
FACILITATE_POST = [302, 405, 405, 405, 403, 404, 403, 403, 404]
NOBODY = [302, 404, 404, 404, 404, 404, 404, 404, 404]
RESEARCH = [302, 200, 200, 403, 200, 404, 403, 403, 404]
ONLY_MENTOR = [302, 404, 404, 404, 404, 404, 200, 404, 404]

MATRIX: dict[str, tuple[list[int], str]] = {
    # url name: (statuses, which object the URL is about)
    "schemes:detail": (VIEW, "scheme"),
    "schemes:participants": (FACILITATE, "scheme"),
    "schemes:team": (VIEW, "scheme"),
    "schemes:edit": (MANAGE, "scheme"),
    "schemes:participant_add": (MANAGE, "scheme"),
    "schemes:participant_import": (MANAGE, "scheme"),
    "schemes:supervisors": (MANAGE, "scheme"),
    "schemes:participant_edit": (MANAGE, "participant"),
    "schemes:participant_withdraw": (MANAGE, "participant"),
    "schemes:advance": (POST_ONLY, "scheme"),
    "schemes:invite_all": (POST_ONLY, "scheme"),
    "schemes:participant_invite": (POST_ONLY, "participant"),
    "schemes:questionnaires": (VIEW, "scheme"),
    "schemes:stage_open": (POST_ONLY, "stage"),
    "schemes:instrument_toggle": (POST_ONLY, "instrument"),
    "schemes:questionnaire_responses": (MANAGE, "instrument"),
    "schemes:response_reopen": (POST_ONLY, "response"),
    "schemes:export_fhir": (VIEW, "instrument"),
    "schemes:export_redcap": (VIEW, "scheme"),
    "schemes:export_responses_csv": (RESEARCH, "scheme"),
    "schemes:export_fhir_responses": (RESEARCH, "instrument"),
    "schemes:import_instrument": (MANAGE, "scheme"),
    "schemes:questionnaire_reminders": (MANAGE, "scheme"),
    "schemes:interview": (FACILITATE, "scheme"),
    "schemes:interview_notes": (FACILITATE, "mentee"),
    "schemes:contribution_merge": (FACILITATE_POST, "contribution"),
    "schemes:interview_transcript": (FACILITATE, "scheme"),
    "schemes:documents": (FACILITATE, "scheme"),
    "schemes:document": (FACILITATE, "mentee"),
    "schemes:document_compile": (FACILITATE_POST, "mentee"),
    "schemes:document_approve": (POST_ONLY, "mentee"),
    "schemes:document_pdf": (FACILITATE, "mentee"),
    "schemes:willingness": (FACILITATE, "scheme"),
    "schemes:willingness_csv": (RESEARCH, "scheme"),
    "schemes:allocation": (FACILITATE, "scheme"),
    "schemes:allocation_publish": (POST_ONLY, "allocation"),
    "schemes:allocation_verify": (FACILITATE_POST, "allocation"),
    "schemes:allocation_record": (FACILITATE, "allocation"),
    "schemes:meetings": (FACILITATE, "scheme"),
    "schemes:sessions_csv": (RESEARCH, "scheme"),
    "schemes:results": (RESEARCH, "scheme"),
    "schemes:study_folder_zip": (RESEARCH, "scheme"),
    "schemes:results_xlsx": (RESEARCH, "scheme"),
    "schemes:results_sav": (RESEARCH, "scheme"),
    "schemes:results_pdf": (RESEARCH, "scheme"),
}
# Pages that are not about one scheme: (statuses, object).
OTHER: dict[str, tuple[list[int], str]] = {
    "schemes:list": ([302, 200, 200, 200, 200, 200, 200, 200, 200], ""),
    "schemes:create": ([302, 200, 200, 403, 403, 403, 403, 403, 403], ""),
    "consent": ([302, 404, 404, 404, 404, 404, 200, 200, 404], "scheme_consent"),
    "consent_withdraw": ([302, 404, 404, 404, 404, 404, 200, 200, 404], "scheme_consent"),
    # The mentor's open questionnaire: only the mentor may answer it.
    "questionnaire": (ONLY_MENTOR, "questionnaire"),
    "questionnaire_page": (ONLY_MENTOR, "questionnaire_page"),
    "questionnaire_check": (ONLY_MENTOR, "questionnaire"),
    "questionnaire_submitted": ([302, 404, 404, 404, 404, 404, 302, 404, 404], "questionnaire"),
    "own_willingness": (ONLY_MENTOR, "scheme_consent"),
    "own_feedback": (ONLY_MENTOR, "scheme_consent"),
    "own_feedback_mentee": (ONLY_MENTOR, "mentee"),
    # Documents are released by allocation (not yet published here): nobody else reads them.
    "released_document": (NOBODY, "mentee"),
    "released_document_pdf": (NOBODY, "mentee"),
    # Sessions: only the two people of a published pair (none is published here).
    "own_meeting": (NOBODY, "scheme_consent"),
    "own_meeting_ics": (NOBODY, "mentee"),
}


def _user(request: pytest.FixtureRequest, persona: str) -> User | None:
    if persona == "anonymous":
        return None
    value = request.getfixturevalue(persona)
    return value.user if isinstance(value, Participant) else value


def _allocation(scheme: Scheme) -> Allocation:
    found = Allocation.objects.filter(scheme=scheme).first()
    return found or Allocation.objects.create(
        scheme=scheme, number=1, seed=1, algorithm="x", inputs_sha256="0" * 64, record={}
    )


def _url(name: str, about: str, scheme: Scheme, participant: Participant) -> str:
    stage = Stage.objects.get(scheme=scheme, timepoint="pre_phase1")
    if about == "stage":
        return reverse(name, args=[scheme.pk, stage.pk])
    if about == "instrument":
        return reverse(name, args=[scheme.pk, stage.instruments.get().pk])
    if about == "response":
        return reverse(name, args=[scheme.pk, Response.objects.get().pk])
    if about == "questionnaire":
        return reverse(name, args=[scheme.pk, "pre_phase1"])
    if about == "questionnaire_page":
        return reverse(name, args=[scheme.pk, "pre_phase1", 1])
    if about == "scheme":
        return reverse(name, args=[scheme.pk])
    if about == "participant":
        return reverse(name, args=[scheme.pk, participant.pk])
    if about == "mentee":
        return reverse(name, args=[scheme.pk, participant.supervisor_id])
    if about == "contribution":
        return reverse(name, args=[scheme.pk, Contribution.objects.get().pk])
    if about == "allocation":
        return reverse(name, args=[scheme.pk, _allocation(scheme).pk])
    if about == "scheme_consent":
        return reverse(name, kwargs={"scheme_pk": scheme.pk})
    return reverse(name)


CASES = [
    (name, persona, statuses[i], about)
    for table in (MATRIX, OTHER)
    for name, (statuses, about) in table.items()
    for i, persona in enumerate(PERSONAS)
]


@pytest.mark.parametrize(("name", "persona", "expected", "about"), CASES)
def test_access(
    request: pytest.FixtureRequest,
    client_for: Callable[[User | None], Client],
    scheme: Scheme,
    mentor: Participant,
    name: str,
    persona: str,
    expected: int,
    about: str,
) -> None:
    # The mentor has consented and started the questionnaire of an open stage.
    ConsentFactory(participant=mentor)
    Stage.objects.filter(scheme=scheme, timepoint="pre_phase1").update(opened_at=timezone.now())
    stage = Stage.objects.get(scheme=scheme, timepoint="pre_phase1")
    response_save_page(
        participant=mentor, stage=stage, section=0, answers={"understanding": "2"}, complete=False
    )
    # Phase 1: notes, an online contribution, a compiled document and a transcript exist.
    interview = interview_for(scheme)
    transcript_set(actor=None, interview=interview, text="Transcript")  # type: ignore[arg-type]
    Contribution.objects.create(
        mentor=mentor, mentee=mentor.supervisor, domain="technology", text="x"
    )
    document_compile(actor=None, mentee=mentor.supervisor)  # type: ignore[arg-type]
    client = client_for(_user(request, persona))
    response = client.get(_url(name, about, scheme, mentor))
    assert response.status_code == expected, f"{name} as {persona}"
    if expected == 302 and persona == "anonymous":
        assert response["Location"].startswith(reverse("account_login"))


def _names(patterns: Any, namespace: str = "") -> list[str]:
    names = []
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            if pattern.name:
                names.append(f"{namespace}{pattern.name}")
        elif getattr(pattern, "namespace", None) in ("admin",):
            continue
        elif pattern.app_name == "schemes" or not getattr(pattern, "namespace", None):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            if str(pattern.pattern).startswith("accounts/"):
                continue
            names.extend(_names(pattern.url_patterns, inner))
    return names


def test_every_url_has_a_row() -> None:
    covered = set(MATRIX) | set(OTHER) | {"home", "about", "tasks", "sign_in_link"}
    missing = sorted(set(_names(get_resolver().url_patterns)) - covered)
    assert missing == [], f"add these URLs to the access matrix: {missing}"


def test_post_to_manage_actions_is_refused_to_read_only_staff(
    client_for: Callable[[User | None], Client], scheme: Scheme, facilitator: User
) -> None:
    response = client_for(facilitator).post(reverse("schemes:invite_all", args=[scheme.pk]))
    assert response.status_code == 403


def test_other_lead_cannot_post_to_this_scheme(
    client_for: Callable[[User | None], Client], scheme: Scheme, other_lead: User
) -> None:
    response = client_for(other_lead).post(
        reverse("schemes:advance", args=[scheme.pk]), {"to": "phase_1"}
    )
    assert response.status_code == 404
    scheme.refresh_from_db()
    assert scheme.phase == "setup"
