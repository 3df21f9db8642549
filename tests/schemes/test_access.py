"""Every page of the project, for every persona: outsiders get 404, read-only users 403.

The matrix must name every URL the resolver knows (our apps, django-allauth, the admin);
a URL without a row fails ``test_every_url_has_a_row`` unless ``EXCLUDED`` names it with
a reason. docs/permissions.md is this matrix as a table, written by
``python -m tests.schemes.permissions_doc``; a test fails when it is out of date.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from revmentor.allocation.models import Allocation, Pair
from revmentor.coding.models import Code, Codebook
from revmentor.core import audit
from revmentor.core.models import AuditEvent, User
from revmentor.feedback.models import Contribution
from revmentor.feedback.services import (
    document_approve,
    document_compile,
    interview_for,
    notes_save,
    transcript_set,
)
from revmentor.meetings.models import Meeting
from revmentor.questionnaires.models import Response, Stage
from revmentor.questionnaires.services import response_save_page
from revmentor.research import services as research_services
from revmentor.schemes.models import Participant, ParticipantStatus, Scheme
from tests.factories import ConsentFactory, SchemeFactory
from tests.meetings.conftest import publish
from tests.schemes.permissions_doc import Route, url_routes

# Who asks. Staff roles are in ``scheme``; ``other_lead`` leads another scheme. ``mentor``
# (supervised by ``mentee``), ``other_mentor`` and ``other_mentee`` take part in ``scheme``
# and have consented; ``withdrawn`` is a mentor who consented and then was withdrawn;
# ``outsider`` is signed in with no role anywhere. See tests/conftest.py.
PERSONAS = [
    "anonymous",
    "site_admin",
    "lead",
    "facilitator",
    "researcher",
    "other_lead",
    "mentor",
    "other_mentor",
    "mentee",
    "other_mentee",
    "withdrawn",
    "outsider",
]

# Expected status of a GET, per persona, in PERSONAS order. 302 is the sign-in redirect
# for "anonymous" (elsewhere in the row: sent on to another page); POST-only pages answer
# 405 to everyone who gets past the lookup and the permission.
# Scheme pages: people with no role in the scheme get 404; its participants, the withdrawn
# one too, see that it exists (403), as do staff without the permission.
# Order: anonymous, site_admin, lead, facilitator, researcher, other_lead, mentor,
# other_mentor, mentee, other_mentee, withdrawn, outsider.
VIEW = [302, 200, 200, 200, 200, 404, 403, 403, 403, 403, 403, 404]
MANAGE = [302, 200, 200, 403, 403, 404, 403, 403, 403, 403, 403, 404]
POST_ONLY = [302, 405, 405, 403, 403, 404, 403, 403, 403, 403, 403, 404]
FACILITATE = [302, 200, 200, 200, 403, 404, 403, 403, 403, 403, 403, 404]
FACILITATE_POST = [302, 405, 405, 405, 403, 404, 403, 403, 403, 403, 403, 404]
NOBODY = [302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404]
RESEARCH = [302, 200, 200, 403, 200, 404, 403, 403, 403, 403, 403, 404]
RESEARCH_POST = [302, 405, 405, 403, 405, 404, 403, 403, 403, 403, 403, 404]
# Participant pages are the person's own: mentors taking part (both), not the withdrawn.
ONLY_MENTOR = [302, 404, 404, 404, 404, 404, 200, 200, 404, 404, 404, 404]
PARTICIPANT = [302, 404, 404, 404, 404, 404, 200, 200, 200, 200, 404, 404]
# The approved document about ``mentee``: only the mentor allocated to deliver it (the
# withdrawn mentor was allocated to ``mentee`` too, before withdrawing).
DELIVERING_MENTOR = [302, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404]
# A published pair (``mentor`` with ``mentee``): its two people.
PAIR = [302, 404, 404, 404, 404, 404, 200, 404, 200, 404, 404, 404]
# Pages for anyone signed in, and pages for anyone at all.
SIGNED_IN = [302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]
EVERYONE = [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]
SIGNED_OUT_ONLY = [200, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302]
REDIRECT = [302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302]
# Creating a scheme (or importing one): site admins and members of an organisation.
CREATE = [302, 200, 200, 403, 403, 403, 403, 403, 403, 403, 403, 403]
SITE_ADMIN = [302, 200, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403]
# Django admin: site admins; anyone else is sent to its sign-in page, which refuses them.
ADMIN = [302, 200, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302]
ADMIN_REFUSED = [302, 403, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302]

MATRIX: dict[str, tuple[list[int], str]] = {
    # url name: (statuses, which object the URL is about)
    "schemes:detail": (VIEW, "scheme"),
    "schemes:participants": (FACILITATE, "scheme"),
    "schemes:team": (VIEW, "scheme"),
    "schemes:edit": (MANAGE, "scheme"),
    "schemes:audit_trail": (MANAGE, "scheme"),
    "schemes:audit_trail_csv": (MANAGE, "scheme"),
    "schemes:participant_add": (MANAGE, "scheme"),
    "schemes:participant_import": (MANAGE, "scheme"),
    "schemes:supervisors": (MANAGE, "scheme"),
    "schemes:participant_edit": (MANAGE, "participant"),
    "schemes:participant_withdraw": (MANAGE, "participant"),
    "schemes:participant_personal_data": (MANAGE, "participant"),
    "schemes:participant_erase": (MANAGE, "participant"),
    "schemes:advance": (MANAGE, "scheme"),
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
    "schemes:results_report": (RESEARCH, "scheme"),
    # The made report PDF: research staff download it (``made_report``: a report is made).
    "schemes:results_pdf": (RESEARCH, "made_report"),
    "schemes:coding": (RESEARCH, "scheme"),
    "schemes:coding_codebook": (RESEARCH, "scheme"),
    "schemes:coding_code": (RESEARCH, "code"),
    "schemes:coding_code_merge": (RESEARCH_POST, "code"),
    "schemes:coding_code_memo": (RESEARCH_POST, "code"),
    "schemes:coding_finish": (RESEARCH_POST, "scheme"),
    "schemes:coding_reopen": (RESEARCH_POST, "scheme"),
    "schemes:coding_agreement": (RESEARCH, "scheme"),
    "schemes:coding_decide": (RESEARCH_POST, "scheme"),
    "schemes:coding_blind": (RESEARCH_POST, "scheme"),
}
# Pages that are not about one scheme: (statuses, object).
OTHER: dict[str, tuple[list[int], str]] = {
    "schemes:list": (SIGNED_IN, ""),
    "schemes:create": (CREATE, ""),
    "schemes:import_study": (CREATE, ""),
    "consent": (PARTICIPANT, "scheme_consent"),
    # Deliberate: a withdrawn participant can still withdraw their consent (and with it
    # research use of their answers). Nothing else of the scheme is open to them.
    "consent_withdraw": (
        [302, 404, 404, 404, 404, 404, 200, 200, 200, 200, 200, 404],
        "scheme_consent",
    ),
    # The open questionnaire (for mentors at this stage): each mentor answers their own.
    "questionnaire": (ONLY_MENTOR, "questionnaire"),
    "questionnaire_page": (ONLY_MENTOR, "questionnaire_page"),
    "questionnaire_check": (ONLY_MENTOR, "questionnaire"),
    "questionnaire_submitted": (
        [302, 404, 404, 404, 404, 404, 302, 302, 404, 404, 404, 404],
        "questionnaire",
    ),
    "own_willingness": (ONLY_MENTOR, "scheme_consent"),
    "own_feedback": (ONLY_MENTOR, "scheme_consent"),
    "own_feedback_mentee": (ONLY_MENTOR, "mentee"),
    # Released by the published allocation to the delivering mentor only.
    "released_document": (DELIVERING_MENTOR, "released_mentee"),
    "released_document_pdf": (DELIVERING_MENTOR, "released_mentee"),
    # Sessions: only the two people of a published pair.
    "own_meeting": (PAIR, "published_scheme"),
    "own_meeting_ics": (PAIR, "pair"),
    # Pages of no one scheme.
    "home": (REDIRECT, ""),
    "about": (EVERYONE, ""),
    "tasks": (SIGNED_IN, ""),
    # Without a token (or with a used or expired one): "cannot be used", for everyone.
    "sign_in_link": ([400] * 12, ""),
    # The sign-in's time left, for the warning before it ends: JSON, to everyone (the
    # signed-out are told they are); staying signed in is POST only.
    "session_status": (EVERYONE, ""),
    "session_extend": ([302] + [405] * 11, ""),
    "audit_trail": (SITE_ADMIN, ""),
    "audit_trail_csv": (SITE_ADMIN, ""),
    # django-allauth: the sign-in pages we use (restyled), and the rest it mounts.
    "account_login": (SIGNED_OUT_ONLY, ""),
    "account_request_login_code": (SIGNED_OUT_ONLY, ""),
    "account_confirm_login_code": (REDIRECT, ""),
    "account_logout": (SIGNED_IN, ""),
    "account_signup": (SIGNED_OUT_ONLY, ""),
    "account_inactive": (EVERYONE, ""),
    "account_reauthenticate": (SIGNED_IN, ""),
    "account_request_reauthentication_code": (REDIRECT, ""),
    "account_confirm_reauthentication_code": (REDIRECT, ""),
    # Not offered: the email address is the identity, set by whoever invites a person.
    "account_email": ([302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404], ""),
    "account_email_verification_sent": (EVERYONE, ""),
    "account_confirm_email": (EVERYONE, "email_key"),
    "account_change_password": (SIGNED_IN, ""),
    "account_set_password": (REDIRECT, ""),
    "account_reset_password": (EVERYONE, ""),
    "account_reset_password_done": (EVERYONE, ""),
    "account_reset_password_from_key": (EVERYONE, "reset_key"),
    "account_reset_password_from_key_done": (EVERYONE, ""),
    # django-allauth's two-step verification (revmentor.core.mfa): everyone may set it
    # up; nobody here has an authenticator yet, so there is nothing to remove or show.
    "mfa_index": (SIGNED_IN, ""),
    "mfa_authenticate": (REDIRECT, ""),
    "mfa_reauthenticate": (REDIRECT, ""),
    "mfa_activate_totp": (SIGNED_IN, ""),
    "mfa_deactivate_totp": (NOBODY, ""),
    "mfa_view_recovery_codes": (NOBODY, ""),
    "mfa_generate_recovery_codes": (SIGNED_IN, ""),
    "mfa_download_recovery_codes": (NOBODY, ""),
    # Pooled results: the page (its own empty state for those with fewer than two schemes
    # to pool); the download of ``scheme`` pooled with a scheme only site admins export.
    "pooled_results": (SIGNED_IN, ""),
    "pooled_study_folder_zip": (
        [302, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404],
        "pooled",
    ),
    # Django admin: its door, and the audit trail's pages (read, never changed).
    "admin:index": (ADMIN, ""),
    "admin:logout": ([302, 405, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302], ""),
    "admin:password_change": (ADMIN, ""),
    "admin:password_change_done": (ADMIN, ""),
    "admin:jsi18n": (ADMIN, ""),
    # A site admin's lookup without a field to look up is refused.
    "admin:autocomplete": (ADMIN_REFUSED, ""),
    "admin:app_list": (ADMIN, "admin_app"),
    "admin:login": ([302, 302, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403], ""),
    "admin:core_auditevent_changelist": (ADMIN, ""),
    "admin:core_auditevent_add": (ADMIN_REFUSED, ""),
    "admin:core_auditevent_change": (ADMIN, "audit_event"),
    "admin:core_auditevent_history": (ADMIN, "audit_event"),
    "admin:core_auditevent_delete": (ADMIN_REFUSED, "audit_event"),
}


def user_of(request: pytest.FixtureRequest, persona: str) -> User | None:
    if persona == "anonymous":
        return None
    value = request.getfixturevalue(persona)
    return value.user if isinstance(value, Participant) else value


def _allocation(scheme: Scheme) -> Allocation:
    found = Allocation.objects.filter(scheme=scheme).first()
    return found or Allocation.objects.create(
        scheme=scheme, number=1, seed=1, algorithm="x", inputs_sha256="0" * 64, record={}
    )


def _publish(scheme: Scheme, mentor: Participant) -> Pair:
    """Publish an allocation pairing ``mentor`` and the withdrawn mentor (allocated before
    they withdrew) with ``mentor``'s mentee, whose document is approved; the mentor's pair
    has a confirmed time for their session. Return the mentor's pair."""
    mentee = mentor.supervisor
    assert mentee is not None
    notes_save(
        actor=None, interview=interview_for(scheme), mentee=mentee, texts={"technology": "Kind"}
    )  # type: ignore[arg-type]
    version = document_compile(actor=None, mentee=mentee)  # type: ignore[arg-type]
    document_approve(actor=None, mentee=mentee, number=version.number)  # type: ignore[arg-type]
    withdrawn = Participant.objects.get(scheme=scheme, status=ParticipantStatus.WITHDRAWN)
    pair, _other = publish(scheme, [(mentor, mentee), (withdrawn, mentee)])
    now = timezone.now()
    Meeting.objects.create(
        pair=pair,
        starts_at=now,
        place="Seminar room 2",
        proposed_at=now,
        proposed_by=mentor,
        confirmed_at=now,
        confirmed_by=mentee,
    )
    return pair


def _code(scheme: Scheme) -> Code:
    codebook, _created = Codebook.objects.get_or_create(scheme=scheme)
    found = Code.objects.filter(codebook=codebook).first()
    return found or Code.objects.create(codebook=codebook, name="theme", label="A theme")


def url_of(name: str, about: str, scheme: Scheme, participant: Participant) -> str:
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
    if about == "made_report":
        research_services.report_request(actor=None, scheme=scheme, quartiles="tukey")  # type: ignore[arg-type]
        return reverse(name, args=[scheme.pk])
    if about == "participant":
        return reverse(name, args=[scheme.pk, participant.pk])
    if about == "mentee":
        return reverse(name, args=[scheme.pk, participant.supervisor_id])
    if about == "contribution":
        return reverse(name, args=[scheme.pk, Contribution.objects.get().pk])
    if about == "allocation":
        return reverse(name, args=[scheme.pk, _allocation(scheme).pk])
    if about == "code":
        return reverse(name, args=[scheme.pk, _code(scheme).pk])
    if about == "scheme_consent":
        return reverse(name, kwargs={"scheme_pk": scheme.pk})
    if about == "released_mentee":
        return reverse(name, args=[scheme.pk, _publish(scheme, participant).mentee_id])
    if about == "published_scheme":
        _publish(scheme, participant)
        return reverse(name, kwargs={"scheme_pk": scheme.pk})
    if about == "pair":
        return reverse(name, args=[scheme.pk, _publish(scheme, participant).pk])
    if about == "email_key":
        return reverse(name, args=["no-such-key"])
    if about == "reset_key":
        return reverse(name, kwargs={"uidb36": "0", "key": "no-such-key"})
    if about == "audit_event":
        event = audit.record(actor=None, action=AuditEvent.Action.VIEW, obj=scheme, summary="x")
        return reverse(name, args=[event.pk])
    if about == "admin_app":
        return reverse(name, args=["core"])
    if about == "pooled":
        return f"{reverse(name)}?scheme={scheme.pk}&scheme={SchemeFactory().pk}"
    return reverse(name)


ROWS = [
    (name, statuses, about)
    for table in (MATRIX, OTHER)
    for name, (statuses, about) in table.items()
]

# URLs left out of the matrix on purpose, with the reason: a regular expression matched
# against the URL's name or, for a pattern without a name, against "path:<its route>".
EXCLUDED: dict[str, str] = {
    r"admin:(?!core_auditevent_)[a-z0-9]+_\w+_(changelist|add|change|delete|history)": (
        "Django admin pages of the other models: the same door as the audit event pages "
        "(site admins only), then Django's own model permissions"
    ),
    r"admin:auth_user_password_change": "Django admin: set a user's password (site admins only)",
    r"admin:view_on_site": "Django admin: a redirect to a record's own page (site admins only)",
    r"path:admin/.*": "Django admin: redirects to a record's change page, and its catch-all",
}


@pytest.fixture
def in_use(
    scheme: Scheme,
    mentor: Participant,
    other_mentor: Participant,
    mentee: Participant,
    other_mentee: Participant,
    withdrawn: Participant,
) -> tuple[Scheme, Participant]:
    """The scheme in use, with every persona's participant in it; returns it and ``mentor``.

    Everyone has consented; ``mentor`` has started the questionnaire of an open stage;
    phase 1 has notes, an online contribution, a compiled document and a transcript.
    """
    for participant in (mentor, other_mentor, mentee, other_mentee):
        ConsentFactory(participant=participant)
    # The mentor has started the questionnaire of an open stage.
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
    return scheme, mentor


@pytest.mark.parametrize(("name", "expected", "about"), ROWS, ids=[row[0] for row in ROWS])
def test_access(
    request: pytest.FixtureRequest,
    client_for: Callable[[User | None], Client],
    in_use: tuple[Scheme, Participant],
    name: str,
    expected: list[int],
    about: str,
) -> None:
    assert len(expected) == len(PERSONAS), f"{name}: one status for each of {PERSONAS}"
    scheme, mentor = in_use
    url = url_of(name, about, scheme, mentor)
    got = {}
    for persona in PERSONAS:
        response = client_for(user_of(request, persona)).get(url)
        got[persona] = response.status_code
        if response.status_code == 302 and persona == "anonymous":
            assert response["Location"].startswith(
                (reverse("account_login"), reverse("admin:login"))
            ), f"{name}: signed out, sent to {response['Location']}"
    wrong = "; ".join(
        f"{p} expected {e}, got {got[p]}"
        for p, e in zip(PERSONAS, expected, strict=True)
        if got[p] != e
    )
    assert [got[p] for p in PERSONAS] == expected, f"{url} ({name}): {wrong}"


def _key(route: Route) -> str:
    return route.name if route.name is not None else f"path:{route.route}"


def test_every_url_has_a_row() -> None:
    keys = {_key(route) for route in url_routes()}
    covered = set(MATRIX) | set(OTHER)
    excluded = {k for k in keys if any(re.fullmatch(p, k) for p in EXCLUDED)}
    missing = sorted(keys - covered - excluded)
    assert missing == [], f"add these URLs to the access matrix (or to EXCLUDED): {missing}"
    assert covered - keys == set(), "the matrix names URLs that do not exist"
    assert covered & excluded == set(), "a URL is both in the matrix and excluded"


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
