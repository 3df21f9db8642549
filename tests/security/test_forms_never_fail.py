"""Every form of the app, posted hostile values: never a server error, never a partial write.

Each endpoint that accepts a POST is driven through the real view, signed in as someone
allowed to use it, with the scheme in the phase where the form is open. Field values are
drawn by hypothesis (see ``hostile``): arbitrary Unicode, control characters and NULs,
huge strings, numbers out of range, dates that do not exist, missing fields, fields sent
twice, fields nobody asked for, and bodies that are not forms at all. Whatever is sent:

- the answer is never a server error (the test client raises the view's exception);
- when the answer refuses the request (an error status, the form shown again, or a
  redirect with an error message), nothing the project stores has changed.

The one deliberate exception is a questionnaire's "Save as draft", which keeps the
answers that are right and reports the others: there every stored answer must be valid.
"Nothing stored" includes the email addresses and second factors allauth keeps, so its
two-step verification pages are driven too.

Pages that read their query string (the coding grid's filters, pooled results, the
participants search, the audit trail and the downloads of both) are sent hostile query strings the same way:
never a server error, and nothing written but a download's own record in the trail.

Every form posted with every field empty, "x", or 5,000 characters long, that comes back
with an error summary: each of its links goes to a box on the page (an input, select or
textarea with that id), where the NHS.UK error summary puts the cursor, and says what to
do rather than Django's "This field is required." or "Ensure this value has..."; each
box with an error is listed once, and every error shown at a box is in the summary.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
from allauth.mfa.totp.internal import auth as totp
from allauth.mfa.totp.internal.auth import TOTP
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from revmentor.coding import services as coding
from revmentor.core.models import User
from revmentor.instruments import (
    STUDY_DOMAINS,
    builtin_instruments,
    check_answer,
    clean_answers,
    expand,
)
from revmentor.questionnaires.models import Answer, Stage
from revmentor.schemes.models import OrganisationMember, Phase, StaffRole
from tests.factories import MembershipFactory, SchemeFactory
from tests.forms import date_names
from tests.security.conftest import World
from tests.security.hostile import (
    FUZZ,
    characters,
    fixed,
    form,
    hostile_text,
    refused,
    snapshot,
)

DOMAINS = (
    "technology",
    "clinical_practice",
    "approach_to_juniors",
    "time_management",
    "approachability",
    "strengths",
    "areas_for_improvement",
)


@dataclass(frozen=True)
class Endpoint:
    """A POST endpoint: who uses it, in which phase, its URL and its fields."""

    name: str
    who: str  # a World attribute: lead, facilitator, mentor..., or "" for nobody signed in
    phase: Phase
    url: Callable[[World], str]
    fields: Callable[[World], list[str]] = lambda w: []
    fixed: Callable[[World], dict[str, str]] = lambda w: {}
    files: tuple[str, ...] = ()
    headers: tuple[dict[str, str], ...] = ({},)
    extra: dict[str, Any] = field(default_factory=dict)


def _s(name: str, *args: Callable[[World], object]) -> Callable[[World], str]:
    return lambda w: reverse(name, args=[f(w) for f in args])


def scheme(w: World) -> int:
    return w.scheme.pk


def mentee(w: World) -> int:
    return w.mentee.pk


def own(w: World) -> int:
    return w.scheme.pk


def page_fields(number: int) -> Callable[[World], list[str]]:
    def names(w: World) -> list[str]:
        definition = w.instrument.version.instrument
        return [
            slot.name
            for item in definition.sections[number - 1].items
            for slot in expand(item, w.instrument.domains())
        ]

    return names


PERSON = ["full_name", "email", "role"]
SCHEME_FIELDS = ["name", "specialty", "domains", "information_sheet"]
SCHEME_FIELDS += ["information_sheet_version", "release_documents_to_mentees"]
SCHEME_FIELDS += date_names("retention_date")
DETAILS = ["grade", "sex", "age", "years_as_consultant", "previous_mentoring"]
AUTOSAVE = ({}, {"HTTP_X_AUTOSAVE": "1"})
CODE = ["name", "label", "description", "parent"]

ENDPOINTS = [
    Endpoint(
        "scheme create",
        "lead",
        Phase.SETUP,
        lambda w: reverse("schemes:create"),
        lambda w: ["organisation", "name", "specialty"],
        lambda w: {"organisation": str(w.scheme.organisation_id)},
    ),
    Endpoint(
        "scheme edit in set-up",
        "lead",
        Phase.SETUP,
        _s("schemes:edit", scheme),
        lambda w: SCHEME_FIELDS,
    ),
    Endpoint(
        "scheme edit in phase 1",
        "lead",
        Phase.PHASE_1,
        _s("schemes:edit", scheme),
        lambda w: SCHEME_FIELDS,
        lambda w: {"name": "N", "specialty": "S", "information_sheet_version": "2"},
    ),
    Endpoint(
        "scheme advance",
        "lead",
        Phase.SETUP,
        _s("schemes:advance", scheme),
        lambda w: ["to", "seen", "confirm"],
    ),
    Endpoint("team", "lead", Phase.SETUP, _s("schemes:team", scheme), lambda w: PERSON),
    Endpoint(
        "participant add",
        "lead",
        Phase.SETUP,
        _s("schemes:participant_add", scheme),
        lambda w: [*PERSON, *DETAILS, "add_another"],
        lambda w: {"role": "mentee", "email": "new@example.nhs.uk", "full_name": "New"},
    ),
    Endpoint(
        "participant edit (mentor)",
        "lead",
        Phase.SETUP,
        lambda w: reverse("schemes:participant_edit", args=[w.scheme.pk, w.mentor.pk]),
        lambda w: [*DETAILS, "supervisor"],
        lambda w: {"supervisor": str(w.other_mentee.pk)},
    ),
    Endpoint(
        "participant edit (mentee)",
        "lead",
        Phase.SETUP,
        lambda w: reverse("schemes:participant_edit", args=[w.scheme.pk, w.mentee.pk]),
        lambda w: DETAILS,
    ),
    Endpoint(
        "supervisors",
        "lead",
        Phase.SETUP,
        _s("schemes:supervisors", scheme),
        lambda w: [f"supervisor-{w.mentor.pk}", f"supervisor-{w.other_mentor.pk}"],
        lambda w: {f"supervisor-{w.mentor.pk}": str(w.mentor.pk)},
    ),
    Endpoint(
        "participant withdraw",
        "lead",
        Phase.PHASE_1,
        lambda w: reverse("schemes:participant_withdraw", args=[w.scheme.pk, w.other_mentor.pk]),
        lambda w: ["reason"],
    ),
    Endpoint(
        "participant invite",
        "lead",
        Phase.SETUP,
        lambda w: reverse("schemes:participant_invite", args=[w.scheme.pk, w.mentor.pk]),
    ),
    Endpoint("invite all", "lead", Phase.SETUP, _s("schemes:invite_all", scheme)),
    Endpoint(
        "consent", "other_mentee_user", Phase.PHASE_1, _s("consent", own), lambda w: ["take_part"]
    ),
    Endpoint(
        "consent withdraw", "mentor_user", Phase.PHASE_1, _s("consent_withdraw", own), lambda w: []
    ),
    *[
        Endpoint(
            f"questionnaire page {number}",
            "mentor_user",
            Phase.PHASE_1,
            lambda w, n=number: reverse(  # type: ignore[misc]
                "questionnaire_page", args=[w.scheme.pk, "pre_phase1", n]
            ),
            page_fields(number),
            lambda w: {"save_draft": ""},
        )
        for number in (1, 2, 3, 4)
    ],
    Endpoint(
        "questionnaire check",
        "mentor_user",
        Phase.PHASE_1,
        lambda w: reverse("questionnaire_check", args=[w.scheme.pk, "pre_phase1"]),
    ),
    Endpoint(
        "stage open",
        "lead",
        Phase.PHASE_1,
        lambda w: reverse(
            "schemes:stage_open",
            args=[w.scheme.pk, Stage.objects.get(scheme=w.scheme, timepoint="post_phase1").pk],
        ),
    ),
    Endpoint(
        "instrument toggle",
        "lead",
        Phase.PHASE_1,
        lambda w: reverse("schemes:instrument_toggle", args=[w.scheme.pk, w.instrument.pk]),
        lambda w: ["enabled"],
    ),
    Endpoint(
        "response reopen",
        "lead",
        Phase.PHASE_1,
        lambda w: reverse("schemes:response_reopen", args=[w.scheme.pk, w.response.pk]),
    ),
    Endpoint(
        "questionnaire import",
        "lead",
        Phase.PHASE_1,
        _s("schemes:import_instrument", scheme),
        lambda w: ["role", "label", "phase"],
        lambda w: {"role": "mentor", "label": "Later", "phase": "phase_2"},
        files=("file",),
    ),
    Endpoint(
        "reminders",
        "lead",
        Phase.SETUP,
        _s("schemes:questionnaire_reminders", scheme),
        lambda w: ["reminder_days", "due_days"],
    ),
    Endpoint(
        "interview",
        "facilitator",
        Phase.PHASE_1,
        _s("schemes:interview", scheme),
        lambda w: [*date_names("held_on"), "facilitator", "mentors_present"],
        lambda w: {"mentors_present": str(w.mentor.pk), "facilitator": str(w.facilitator.pk)},
    ),
    Endpoint(
        "interview notes",
        "facilitator",
        Phase.PHASE_1,
        _s("schemes:interview_notes", scheme, mentee),
        lambda w: list(DOMAINS),
        headers=AUTOSAVE,
    ),
    Endpoint(
        "contribution merge",
        "facilitator",
        Phase.PHASE_1,
        lambda w: reverse("schemes:contribution_merge", args=[w.scheme.pk, w.contribution.pk]),
    ),
    Endpoint(
        "transcript",
        "lead",
        Phase.PHASE_1,
        _s("schemes:interview_transcript", scheme),
        lambda w: ["action", *date_names("retention_date")],
        lambda w: {"action": "retention"},
        files=("file",),
    ),
    Endpoint(
        "document edit",
        "facilitator",
        Phase.PHASE_1,
        _s("schemes:document", scheme, mentee),
        lambda w: list(DOMAINS),
    ),
    Endpoint(
        "document compile",
        "facilitator",
        Phase.PHASE_1,
        _s("schemes:document_compile", scheme, mentee),
    ),
    Endpoint(
        "document approve",
        "lead",
        Phase.PHASE_1,
        _s("schemes:document_approve", scheme, mentee),
        lambda w: ["version"],
        lambda w: {"version": "1"},
    ),
    Endpoint(
        "willingness",
        "mentor_user",
        Phase.PHASE_1,
        _s("own_willingness", own),
        lambda w: [f"mentee-{w.mentee.pk}", f"mentee-{w.other_mentee.pk}"],
        lambda w: {f"mentee-{w.mentee.pk}": "yes", f"mentee-{w.other_mentee.pk}": "no"},
    ),
    Endpoint(
        "own feedback",
        "mentor_user",
        Phase.PHASE_1,
        _s("own_feedback_mentee", own, mentee),
        lambda w: list(DOMAINS),
    ),
    Endpoint(
        "allocation run",
        "lead",
        Phase.ALLOCATION,
        _s("schemes:allocation", scheme),
        lambda w: ["own_supervisor", "capacity", "reason"],
        lambda w: {"own_supervisor": "allow", "capacity": "1"},
    ),
    Endpoint(
        "allocation publish",
        "lead",
        Phase.ALLOCATION,
        lambda w: reverse("schemes:allocation_publish", args=[w.scheme.pk, w.allocation.pk]),
    ),
    Endpoint(
        "allocation verify",
        "lead",
        Phase.ALLOCATION,
        lambda w: reverse("schemes:allocation_verify", args=[w.scheme.pk, w.allocation.pk]),
    ),
    Endpoint(
        "own meeting",
        "mentor_user",
        Phase.PHASE_2,
        _s("own_meeting", own),
        lambda w: (
            ["pair", "action", *date_names(f"pair{w.pair.pk}-date")]
            + [f"pair{w.pair.pk}-{f}" for f in ("time", "place", "held", "duration_minutes")]
        ),
        lambda w: {"pair": str(w.pair.pk), "action": "propose"},
    ),
    Endpoint(
        "coding save",
        "researcher",
        Phase.PHASE_1,
        _s("schemes:coding", scheme),
        lambda w: ["answer", f"code-{w.answer}", "query"],
        lambda w: {"answer": str(w.answer), f"code-{w.answer}": str(w.other_code.pk)},
    ),
    Endpoint(
        "code add",
        "researcher",
        Phase.PHASE_1,
        _s("schemes:coding_codebook", scheme),
        lambda w: CODE,
        lambda w: {"name": "new_code", "label": "New code", "parent": str(w.code.pk)},
    ),
    Endpoint(
        "code edit",
        "researcher",
        Phase.PHASE_1,
        lambda w: reverse("schemes:coding_code", args=[w.scheme.pk, w.code.pk]),
        lambda w: CODE,
        lambda w: {"name": "supervisor", "label": "Supervisor", "parent": ""},
    ),
    Endpoint(
        "code merge",
        "researcher",
        Phase.PHASE_1,
        lambda w: reverse("schemes:coding_code_merge", args=[w.scheme.pk, w.other_code.pk]),
        lambda w: ["into"],
        lambda w: {"into": str(w.code.pk)},
    ),
    Endpoint(
        "code memo",
        "researcher",
        Phase.PHASE_1,
        lambda w: reverse("schemes:coding_code_memo", args=[w.scheme.pk, w.code.pk]),
        lambda w: ["text"],
    ),
    Endpoint("coding finish", "researcher", Phase.PHASE_1, _s("schemes:coding_finish", scheme)),
    Endpoint("coding reopen", "researcher", Phase.PHASE_1, _s("schemes:coding_reopen", scheme)),
    Endpoint(
        "coding blind",
        "lead",
        Phase.PHASE_1,
        _s("schemes:coding_blind", scheme),
        lambda w: ["blind"],
        lambda w: {"blind": "on"},
    ),
    Endpoint(
        "coding decide",
        "lead",
        Phase.ANALYSIS,
        _s("schemes:coding_decide", scheme),
        lambda w: ["answer", "code", "apply"],
        lambda w: {"answer": str(w.answer), "code": str(w.other_code.pk), "apply": "yes"},
    ),
    Endpoint(
        "participant erase",
        "lead",
        Phase.PHASE_1,
        lambda w: reverse("schemes:participant_erase", args=[w.scheme.pk, w.other_mentor.pk]),
        lambda w: ["confirm"],
        lambda w: {"confirm": "on"},
    ),
    Endpoint(
        "two-step set-up",
        "lead",
        Phase.SETUP,
        lambda w: reverse("mfa_activate_totp"),
        lambda w: ["code"],
    ),
    Endpoint(
        "two-step code at sign-in",
        "",
        Phase.SETUP,
        lambda w: reverse("mfa_authenticate"),
        lambda w: ["code"],
    ),
    Endpoint(
        "two-step code again",
        "lead",
        Phase.SETUP,
        lambda w: reverse("mfa_reauthenticate"),
        lambda w: ["code"],
    ),
    Endpoint(
        "sign-in link",
        "",
        Phase.SETUP,
        lambda w: reverse("sign_in_link"),
        lambda w: ["token", "next"],
    ),
    Endpoint(
        "sign in",
        "",
        Phase.SETUP,
        lambda w: reverse("account_login"),
        lambda w: ["login", "password"],
    ),
    Endpoint(
        "sign-in code",
        "",
        Phase.SETUP,
        lambda w: reverse("account_request_login_code"),
        lambda w: ["email"],
    ),
    Endpoint(
        "password reset",
        "",
        Phase.SETUP,
        lambda w: reverse("account_reset_password"),
        lambda w: ["email"],
    ),
    Endpoint(
        "password change",
        "lead",
        Phase.SETUP,
        lambda w: reverse("account_change_password"),
        lambda w: ["oldpassword", "password1", "password2"],
    ),
]


def _user(world: World, who: str) -> User | None:
    if not who:
        return None
    if who.endswith("_user"):
        return getattr(world, who.removesuffix("_user")).user  # type: ignore[no-any-return]
    return getattr(world, who)  # type: ignore[no-any-return]


@dataclass
class Target:
    client: Client
    url: str
    fields: list[str]
    fixed: dict[str, str]


def target_of(
    world: World, endpoint: Endpoint, client_for: Callable[[User | None], Client]
) -> Target:
    world.phase(endpoint.phase)
    OrganisationMember.objects.get_or_create(
        organisation=world.scheme.organisation, user=world.lead
    )
    if endpoint.name == "consent":
        world.other_mentee.consents.all().delete()
    if endpoint.name.startswith("allocation"):  # the draft is the scheme's only allocation
        world.pair.allocation.delete()
    if endpoint.name in ("coding reopen", "coding decide"):
        coding.coding_finish(actor=world.researcher, codebook=world.codebook)
    if endpoint.name == "coding decide":  # the lead disagrees: one disagreement to settle
        chosen = {world.answer: [world.code.pk, world.other_code.pk]}
        coding.codings_save(actor=world.lead, codebook=world.codebook, chosen=chosen)
        coding.coding_finish(actor=world.lead, codebook=world.codebook)
    client = client_for(_user(world, endpoint.who))
    if endpoint.name.startswith("two-step"):
        cache.clear()  # allauth counts wrong codes in the cache
    if endpoint.name in ("two-step code at sign-in", "two-step code again"):
        TOTP.activate(world.lead, totp.generate_totp_secret())
    if endpoint.name == "two-step code at sign-in":  # the password is right: the app's code next
        login = {"login": world.lead.email, "password": "a-long-test-password"}
        assert client.post(reverse("account_login"), login)["Location"] == endpoint.url(world)
    return Target(
        client=client,
        url=endpoint.url(world),
        fields=endpoint.fields(world),
        fixed=endpoint.fixed(world),
    )


uploads = st.builds(
    lambda name, content: SimpleUploadedFile(name, content),
    st.one_of(
        st.sampled_from(["a.csv", "a.json", "a.txt", "A.CSV", "a.exe", ".csv"]),
        st.text(characters, min_size=1, max_size=20),
    ),
    st.one_of(
        st.binary(max_size=2000),
        st.text(characters, max_size=500).map(str.encode),
        st.sampled_from([b"a" * 600_000, b"a\x00b", "é".encode("latin-1"), b"[" * 100_000]),
    ),
)


def _stored_answers_are_valid(world: World) -> None:
    instrument = world.instrument.version.instrument
    for response in world.mentor.responses.all():  # type: ignore[attr-defined]
        stored = dict(Answer.objects.filter(response=response).values_list("name", "value"))
        clean, errors = clean_answers(
            instrument, world.instrument.domains(), stored, complete=False
        )
        assert not errors and clean == stored, errors


bodies = st.tuples(
    st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=xyz",
            "multipart/form-data",
            "application/json",
            "text/plain; charset=latin-1",
            "application/x-www-form-urlencoded; charset=utf-16",
        ]
    ),
    st.one_of(
        st.binary(max_size=300),
        hostile_text.map(lambda t: t.encode("utf-8")),
        st.just(b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'),
        st.just(b"a=%ZZ&b=%00&" + b"c=1&" * 1500),
    ),
)


def _post(target: Target, endpoint: Endpoint, data: st.DataObject) -> tuple[HttpResponse, bool]:
    """Post a hostile form (or, now and then, a body that is no form); return the response
    and whether it was a questionnaire's "Save as draft"."""
    if data.draw(st.integers(0, 9), label="raw body?") == 0:
        content_type, content = data.draw(bodies, label="body")
        return target.client.generic("POST", target.url, content, content_type=content_type), False
    posted = data.draw(form(target.fields, fixed(target.fixed)), label="form")
    for name in endpoint.files:
        if data.draw(st.booleans(), label=f"send {name}"):
            posted[name] = data.draw(uploads, label=name)
    headers = data.draw(st.sampled_from(endpoint.headers), label="headers")
    draft = endpoint.name.startswith("questionnaire page") and "save_draft" in posted
    return target.client.post(target.url, posted, **headers), draft  # type: ignore[arg-type]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_hostile_posts_never_fail_or_half_save(
    world: World, endpoint: Endpoint, client_for: Callable[[User | None], Client]
) -> None:
    target = target_of(world, endpoint, client_for)
    before = snapshot()  # every example is rolled back, so this holds before each one

    @settings(FUZZ, max_examples=25 if target.fields or endpoint.files else 6)
    @given(data=st.data())
    def post_anything(data: st.DataObject) -> None:
        with transaction.atomic():
            response, draft = _post(target, endpoint, data)
            assert response.status_code < 500, response.status_code
            autosaved = response.get("Content-Type", "").startswith("application/json") and (
                response.json().get("saved") is True
            )
            if draft:
                _stored_answers_are_valid(world)
            elif refused(response) and not autosaved:
                assert snapshot() == before, response.status_code
            transaction.set_rollback(True)

    post_anything()


class ErrorSummary(HTMLParser):
    """The error summary's links (target and text), and the form controls' ids, on a page."""

    CONTROLS = ("input", "select", "textarea")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self.controls: set[str] = set()
        self._depth = 0  # inside the error summary: the depth of its <div>s
        self._link: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        given = dict(attrs)
        if tag in self.CONTROLS and given.get("id"):
            self.controls.add(str(given["id"]))
        if tag == "div" and (self._depth or "nhsuk-error-summary" in (given.get("class") or "")):
            self._depth += 1
        if self._depth and tag == "a" and (given.get("href") or "").startswith("#"):
            self._link = str(given["href"])[1:]
            self.links.append((self._link, ""))

    def handle_data(self, data: str) -> None:
        if self._link is not None:
            target, text = self.links[-1]
            self.links[-1] = (target, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._link = None
        if tag == "div" and self._depth:
            self._depth -= 1


# Django's own wording, which says what is wrong but not what to do.
DJANGO_WORDS = ("This field is required", "Ensure this value", "Select a valid choice")


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_every_error_summary_says_what_to_do_and_links_to_a_box_on_the_page(
    world: World, endpoint: Endpoint, client_for: Callable[[User | None], Client]
) -> None:
    target = target_of(world, endpoint, client_for)
    for value in ("", "x", "x" * 5000):
        posted = dict.fromkeys(target.fields, value)
        response = target.client.post(target.url, {**posted, **target.fixed})
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        html = response.content.decode()
        page = ErrorSummary()
        page.feed(html)
        missing = [anchor for anchor, _text in page.links if anchor not in page.controls]
        assert not missing, f"{endpoint.name}: the error summary links to {missing}"
        worded = [text.strip() for _a, text in page.links if text.strip().startswith(DJANGO_WORDS)]
        assert not worded, f"{endpoint.name}, {value[:5]!r}: {worded}"
        # One error a box, at the box and in the summary
        at_boxes = re.findall(r'class="nhsuk-error-message" id="([^"]*)-error"', html)
        linked = [anchor for anchor, _text in page.links]
        assert len(linked) == len(set(linked)), f"{endpoint.name}: a box listed twice: {linked}"
        assert len(at_boxes) == len(linked), f"{endpoint.name}: {at_boxes} at boxes, {linked}"


@dataclass(frozen=True)
class Query:
    """A page or download that reads its query string: who opens it, its URL, its fields.

    A download (``export``) records itself in the audit trail; a page records nothing.
    """

    name: str
    who: str
    url: Callable[[World], str]
    fields: tuple[str, ...]
    fixed: Callable[[World], dict[str, Any]] = lambda w: {}
    export: bool = False


def _pooled(w: World) -> dict[str, Any]:
    """Two schemes the lead may pool: theirs and a second one they are made lead of."""
    second = SchemeFactory(name="Second scheme", organisation=w.scheme.organisation)
    MembershipFactory(scheme=second, user=w.lead, role=StaffRole.LEAD)
    return {"scheme": [str(w.scheme.pk), str(second.pk)], "quartiles": "weighted"}


CODING_FILTERS = ("role", "stage", "item", "show", "page")
AUDIT_FILTERS = ("action", "actor", "page")


def _audit_fixed(w: World) -> dict[str, Any]:
    return {"action": "update", "actor": "example"}


QUERIES = [
    Query(
        "coding grid",
        "researcher",
        _s("schemes:coding", scheme),
        CODING_FILTERS,
        lambda w: {"stage": "pre_phase1", "item": "concerns_text", "show": "uncoded"},
    ),
    Query("coding agreement", "researcher", _s("schemes:coding_agreement", scheme), ()),
    Query(
        "pooled results",
        "lead",
        lambda w: reverse("pooled_results"),
        ("scheme", "quartiles"),
        _pooled,
    ),
    Query(
        "pooled study folder",
        "lead",
        lambda w: reverse("pooled_study_folder_zip"),
        ("scheme",),
        _pooled,
        export=True,
    ),
    Query("participants", "lead", _s("schemes:participants", scheme), ("q", "page")),
    Query("scheme audit trail", "lead", _s("schemes:audit_trail", scheme), AUDIT_FILTERS),
    Query(
        "scheme audit trail csv",
        "lead",
        _s("schemes:audit_trail_csv", scheme),
        AUDIT_FILTERS,
        _audit_fixed,
        export=True,
    ),
    Query("audit trail", "site_admin", lambda w: reverse("audit_trail"), AUDIT_FILTERS),
    Query(
        "audit trail csv",
        "site_admin",
        lambda w: reverse("audit_trail_csv"),
        AUDIT_FILTERS,
        _audit_fixed,
        export=True,
    ),
]


@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_hostile_query_strings_never_fail_or_write(
    world: World, query: Query, client_for: Callable[[User | None], Client]
) -> None:
    """Filters and choices in the query string: never a server error; a page writes
    nothing, a download only its own record in the audit trail."""
    world.phase(Phase.ANALYSIS)
    client = client_for(_user(world, query.who))
    url, chosen = query.url(world), query.fixed(world)
    before = snapshot()

    @settings(FUZZ, max_examples=20 if query.fields else 4)
    @given(params=form(list(query.fields), fixed(chosen)))
    def get_anything(params: dict[str, Any]) -> None:
        with transaction.atomic():
            response = client.get(url, params)
            assert response.status_code < 500, response.status_code
            if response.streaming:  # the file is written as it is sent
                b"".join(response.streaming_content)  # type: ignore[attr-defined]
            after = snapshot()
            if query.export and response.status_code == 200:
                events = after.pop("audit")
                added = [event for event in events if event not in before["audit"]]
                assert len(events) == len(before["audit"]) + len(added) and added
                assert {action for _pk, action, _summary in added} == {"export"}
                assert {k: v for k, v in before.items() if k != "audit"} == after
            else:
                assert after == before, response.status_code
            transaction.set_rollback(True)

    get_anything()


@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_a_filter_that_cannot_be_used_says_what_to_do(
    world: World, query: Query, client_for: Callable[[User | None], Client]
) -> None:
    """A filter from an old link or typed too long: the message says what to choose or
    type, in the page's words, not Django's, and does not repeat what was sent."""
    world.phase(Phase.ANALYSIS)
    client = client_for(_user(world, query.who))
    for value in ("x", "x" * 5000):
        response = client.get(query.url(world), dict.fromkeys(query.fields, value))
        if response.streaming or not response["Content-Type"].startswith("text/html"):
            continue
        html = response.content.decode()
        for message in re.findall(r"Error: </span>(.*?)\s*</span>", html, re.DOTALL):
            assert not message.startswith(DJANGO_WORDS), message
            assert value not in message, message[:80]


@FUZZ
@given(data=st.data())
def test_every_questionnaires_answers_are_checked_without_failing(data: st.DataObject) -> None:
    """Hostile answers to any built-in questionnaire (the mentees' pre-session one asks a
    number) are refused with a message or kept as something every database and the
    analysis can read."""
    instrument = data.draw(st.sampled_from(builtin_instruments()), label="questionnaire")
    slots = {a.name: a for a in instrument.answerables(STUDY_DOMAINS)}
    given_answers = data.draw(st.dictionaries(st.sampled_from(sorted(slots)), hostile_text))
    clean, errors = clean_answers(instrument, STUDY_DOMAINS, given_answers, complete=False)
    assert set(clean).isdisjoint(errors)
    for name, value in clean.items():
        assert "\x00" not in value
        if slots[name].item.type == "number":
            assert re.fullmatch(r"-?[0-9]+", value), value


@pytest.mark.parametrize("typed", ["²", "٣", "３", "--5", "-", "9" * 5000, "-" + "9" * 5000])
def test_a_number_answer_is_ascii_digits_or_an_error(typed: str) -> None:
    instrument = next(i for i in builtin_instruments() if i.key == "mentee_pre_session")
    slot = next(a for a in instrument.answerables(STUDY_DOMAINS) if a.item.type == "number")
    assert check_answer(slot, typed)  # a message saying what to enter, not an exception
