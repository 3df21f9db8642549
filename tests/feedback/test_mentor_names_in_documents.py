"""Feedback documents never name the mentors who gave the feedback: a version naming one
is saved (nothing typed is lost) but the page says so, and it cannot be approved; a word
that may be a mentor's name is approved only once the lead says they checked it."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from revmentor.core.models import AuditEvent, User
from revmentor.feedback import selectors, services
from revmentor.feedback.forms import NAMES_NOT_CHECKED, VERSION_CHANGED
from revmentor.feedback.models import DocumentVersion, FeedbackDocument
from revmentor.feedback.services import NAMES_CHECKED, FeedbackError
from revmentor.schemes.models import Participant, ParticipantRole, ParticipantStatus, Scheme
from tests.factories import ConsentFactory, ParticipantFactory

ClientFor = Callable[[User | None], Client]

DEMO_TEXT = "Hannah Hughes said he is a great teacher. Dr Imran Iqbal agreed."
NAMED = "Strengths names Hannah Hughes and Dr Imran Iqbal"
MAYBE = "Strengths has “Hannah”, the first name of a mentor (Dr Hannah Hughes)"


def add_mentor(scheme: Scheme, name: str, **fields: object) -> Participant:
    mentor: Participant = ParticipantFactory.create(
        scheme=scheme, role=ParticipantRole.MENTOR, user__full_name=name, **fields
    )
    return mentor


@pytest.fixture
def mentors(scheme: Scheme) -> list[Participant]:
    """Two mentors of the demo; Dr Imran Iqbal has since withdrawn (his name still counts)."""
    return [
        add_mentor(scheme, "Dr Hannah Hughes"),
        add_mentor(
            scheme,
            "Dr Imran Iqbal",
            status=ParticipantStatus.WITHDRAWN,
            withdrawn_on=timezone.localdate(),
        ),
    ]


@pytest.fixture
def approved_v1(lead: User, mentee: Participant, mentors: list[Participant]) -> DocumentVersion:
    """Version 1 of the mentee's document, approved, naming nobody."""
    services.document_edit(actor=lead, mentee=mentee, texts={"strengths": "A great teacher."})
    return services.document_approve(actor=lead, mentee=mentee, number=1)


def page_of(client: Client, scheme: Scheme, mentee: Participant) -> str:
    return client.get(reverse("schemes:document", args=[scheme.pk, mentee.pk])).content.decode()


def warning_of(html: str) -> str:
    """The text of the page's warning callout ("" if there is none)."""
    found = re.search(r'<div class="nhsuk-card nhsuk-card--warning.*?</div>\s*</div>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found[0])).strip() if found else ""


def approve(client: Client, scheme: Scheme, mentee: Participant, data: dict[str, str]) -> str:
    url = reverse("schemes:document_approve", args=[scheme.pk, mentee.pk])
    return client.post(url, data, follow=True).content.decode()


def test_a_version_naming_mentors_is_saved_and_the_page_says_which_section_names_whom(
    client_for: ClientFor,
    facilitator: User,
    lead: User,
    scheme: Scheme,
    mentee: Participant,
    approved_v1: DocumentVersion,
) -> None:
    client = client_for(facilitator)
    url = reverse("schemes:document", args=[scheme.pk, mentee.pk])

    response = client.post(url, {"strengths": DEMO_TEXT, "technology": "Uses the EPR well"})

    # Saved as version 2, every word kept, version 1 still the approved one
    assert response.status_code == 302
    latest = selectors.latest_version(mentee)
    assert latest is not None and latest.number == 2
    assert {s["domain"]: s["text"] for s in latest.sections if s["text"]} == {
        "strengths": DEMO_TEXT,
        "technology": "Uses the EPR well",
    }
    assert selectors.approved_version(mentee) == approved_v1
    # The page warns, with a link to the field that names them
    html = client.get(url).content.decode()
    assert "A new version of the document has been saved" in html
    assert warning_of(html) == (
        "Important: Version 2 names a mentor "
        "Feedback documents never name the mentors who gave the feedback. "
        "Remove these names, then save the document as a new version. "
        "It cannot be approved while it names a mentor. "
        f"{NAMED}"
    )
    assert f'<a href="#doc-strengths">{NAMED}</a>' in html
    assert 'id="doc-strengths"' in html
    # The lead is not offered an approval that would be refused
    lead_page = page_of(client_for(lead), scheme, mentee)
    assert "Version 2 cannot be approved while it names a mentor." in lead_page
    assert "Approve version 2" not in lead_page


def test_approving_a_version_that_names_a_mentor_is_refused_and_changes_nothing(
    client_for: ClientFor,
    lead: User,
    scheme: Scheme,
    mentee: Participant,
    approved_v1: DocumentVersion,
) -> None:
    services.document_edit(actor=lead, mentee=mentee, texts={"strengths": DEMO_TEXT})
    last = AuditEvent.objects.latest("pk").pk
    url = reverse("schemes:document_approve", args=[scheme.pk, mentee.pk])

    # Even with the box for possible names ticked (a hand-made or old form)
    response = client_for(lead).post(url, {"version": "2", "names_checked": "yes"})

    html = response.content.decode()
    assert response.status_code == 200
    error = (
        f"{NAMED}. Remove the names and save the document as a new version, then approve "
        "that version"
    )
    # In the error summary, linked to the section that names them, and said there
    assert_error_page(html, "#doc-strengths", error)
    group = re.search(
        r'<div class="nhsuk-form-group nhsuk-form-group--error">.*?</textarea>', html, re.S
    )
    assert group is not None and 'id="doc-strengths"' in group[0]
    assert f"Error: </span>{error}" in group[0] and DEMO_TEXT in group[0]
    version = DocumentVersion.objects.get(number=2)
    assert (version.approved_at, version.approved_by) == (None, None)
    assert FeedbackDocument.objects.get(mentee=mentee).approved == approved_v1
    # Nothing was written but the page read (and the sign-in)
    assert set(AuditEvent.objects.filter(pk__gt=last).values_list("action", flat=True)) <= {
        AuditEvent.Action.VIEW,
        AuditEvent.Action.SIGN_IN,
    }


def test_a_withdrawn_mentors_surname_with_a_title_blocks_approval_in_the_service(
    lead: User, mentee: Participant, mentors: list[Participant]
) -> None:
    services.document_edit(
        actor=lead, mentee=mentee, texts={"approachability": "DR IMRAN  IQBAL's view"}
    )
    with pytest.raises(FeedbackError, match="Approachability names DR IMRAN  IQBAL"):
        services.document_approve(actor=lead, mentee=mentee, number=1, names_checked=True)
    assert selectors.approved_version(mentee) is None


def test_the_document_changed_check_still_comes_first(
    lead: User, mentee: Participant, approved_v1: DocumentVersion
) -> None:
    services.document_edit(actor=lead, mentee=mentee, texts={"strengths": DEMO_TEXT})
    with pytest.raises(FeedbackError, match="The document has changed since you opened it"):
        services.document_approve(actor=lead, mentee=mentee, number=1)


def test_possible_names_are_approved_only_once_the_lead_says_they_checked_them(
    client_for: ClientFor,
    lead: User,
    scheme: Scheme,
    mentee: Participant,
    mentors: list[Participant],
) -> None:
    services.document_edit(
        actor=lead, mentee=mentee, texts={"strengths": "Hannah-level calm in a crisis."}
    )
    client = client_for(lead)

    # The page lists the word, and the approval form asks the lead to confirm
    html = page_of(client, scheme, mentee)
    assert warning_of(html).startswith("Important: Version 1 may name a mentor")
    assert f'<a href="#doc-strengths">{MAYBE}</a>' in html
    assert NAMES_CHECKED in html and 'name="names_checked"' in html

    # Without the tick, nothing is approved: the box is in error (test below)
    approve(client, scheme, mentee, {"version": "1"})
    assert selectors.approved_version(mentee) is None

    # With it, version 1 is approved, and the trail says the lead checked
    html = approve(client, scheme, mentee, {"version": "1", "names_checked": "yes"})
    assert f"The document for {mentee.user.full_name} is approved" in html
    version = DocumentVersion.objects.get()
    assert selectors.approved_version(mentee) == version and version.approved_by == lead
    event = AuditEvent.objects.get(summary__startswith="Approved document version 1")
    assert event.summary == (
        "Approved document version 1, having checked that the possible mentor names in "
        "Strengths do not name a mentor who gave the feedback"
    )
    assert (event.actor, event.object_id) == (lead, str(version.pk))


def assert_error_page(html: str, href: str, error: str) -> None:
    """The page is an error page: "Error: " in its title, and its error summary, above
    the heading, has only ``error``, linked to ``href``; no banner says it."""
    assert re.search(r"<title>\s*Error: Feedback for Dr Mentee One – ", html)
    summary = re.search(r'<div class="nhsuk-error-summary".*?</div>\s*</div>', html, re.S)
    assert summary is not None
    links = re.findall(r'<a href="([^"]*)">\s*(.*?)\s*</a>', summary[0], re.S)
    assert [(h, html_lib.unescape(t)) for h, t in links] == [(href, error)]
    assert html.index("nhsuk-error-summary") < html.index("<h1")
    assert "nhsuk-notification-banner" not in html


def test_approving_a_version_no_longer_the_latest_is_an_error_at_the_approve_section(
    client_for: ClientFor,
    lead: User,
    facilitator: User,
    scheme: Scheme,
    mentee: Participant,
    mentors: list[Participant],
) -> None:
    services.document_edit(actor=lead, mentee=mentee, texts={"strengths": "Hannah-level calm."})
    # Saved by someone else while the lead had version 1 open
    services.document_edit(
        actor=facilitator, mentee=mentee, texts={"strengths": "Hannah-level calm, always."}
    )
    url = reverse("schemes:document_approve", args=[scheme.pk, mentee.pk])

    response = client_for(lead).post(url, {"version": "1", "names_checked": "yes"})

    html = response.content.decode()
    assert response.status_code == 200
    assert selectors.approved_version(mentee) is None
    assert_error_page(html, "#approve", VERSION_CHANGED)
    section = re.search(r'<div id="approve" class="([^"]*)">(.*?)</form>', html, re.S)
    assert section is not None and "nhsuk-form-group--error" in section[1]
    assert f'<span class="nhsuk-u-visually-hidden">Error: </span>{VERSION_CHANGED}' in section[2]
    # The form is now of the latest version, its box not ticked: the lead's tick was
    # about words of a version they read, not of this one.
    assert '<input type="hidden" name="version" value="2">' in section[2]
    assert "Approve version 2" in section[2]
    box = re.search(r'<input[^>]*id="id_names_checked"[^>]*>', section[2])
    assert box is not None and 'name="names_checked"' in box[0]
    assert re.search(r"\schecked\b", box[0].replace("names_checked", "")) is None
    # Approved once they send it again
    client_for(lead).post(url, {"version": "2", "names_checked": "yes"})
    assert selectors.approved_version(mentee) == selectors.latest_version(mentee)


def test_approving_without_ticking_the_box_is_an_error_at_the_box(
    client_for: ClientFor,
    lead: User,
    scheme: Scheme,
    mentee: Participant,
    mentors: list[Participant],
) -> None:
    services.document_edit(
        actor=lead, mentee=mentee, texts={"strengths": "Hannah-level calm in a crisis."}
    )
    url = reverse("schemes:document_approve", args=[scheme.pk, mentee.pk])

    response = client_for(lead).post(url, {"version": "1"})

    html = response.content.decode()
    assert response.status_code == 200
    assert selectors.approved_version(mentee) is None
    assert re.search(r"<title>\s*Error: Feedback for Dr Mentee One – ", html)
    # The error summary at the top links to the box, which is marked in error
    summary = re.search(r'<div class="nhsuk-error-summary".*?</div>\s*</div>', html, re.S)
    assert summary is not None
    link = rf'<a href="#id_names_checked">\s*{re.escape(NAMES_NOT_CHECKED)}\s*</a>'
    assert re.search(link, summary[0])
    assert html.index("nhsuk-error-summary") < html.index("<h1")
    group = re.search(
        r'<div class="nhsuk-form-group nhsuk-form-group--error">.*?</fieldset>', html, re.S
    )
    assert group is not None
    assert 'id="id_names_checked" name="names_checked" type="checkbox" value="yes"' in group[0]
    assert f"Error: </span>{NAMES_NOT_CHECKED}" in group[0]
    # Not a banner; the words are still listed, and the edit form still saves a version
    assert "nhsuk-notification-banner" not in html
    assert f'<a href="#doc-strengths">{MAYBE}</a>' in html
    edit = reverse("schemes:document", args=[scheme.pk, mentee.pk])
    assert f'<form method="post" action="{edit}" novalidate>' in html
    # It shows the document, so it is audited as a read of it
    assert AuditEvent.objects.filter(summary="Read a feedback document").count() == 1


def test_once_approved_after_checking_the_page_says_who_checked_instead_of_warning(
    client_for: ClientFor,
    lead: User,
    scheme: Scheme,
    mentee: Participant,
    mentors: list[Participant],
) -> None:
    ConsentFactory(participant=mentee)  # taking part: the page's one inset is the approval's
    services.document_edit(
        actor=lead, mentee=mentee, texts={"strengths": "Hannah-level calm in a crisis."}
    )
    with time_machine.travel(datetime(2027, 3, 3, 10, 15, tzinfo=UTC), tick=False):
        approve(client_for(lead), scheme, mentee, {"version": "1", "names_checked": "yes"})

    html = page_of(client_for(lead), scheme, mentee)

    assert warning_of(html) == ""
    inset = re.search(r'<div class="nhsuk-inset-text".*?</div>', html, re.S)
    assert inset is not None
    assert (
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", inset[0])).split()
        == (
            "Information: Version 1 was approved on 3 March 2027 at 10:15 by Lena Lead. "
            "Lena Lead checked that these words do not name a mentor who gave the feedback: "
            f"{MAYBE}"
        ).split()
    )
    assert selectors.approved_version(mentee).names_checked == [  # type: ignore[union-attr]
        ["strengths", "first name", mentors[0].pk, "hannah"]
    ]


def test_an_approved_versions_words_not_checked_then_and_full_names_still_warn(
    client_for: ClientFor,
    lead: User,
    scheme: Scheme,
    mentee: Participant,
    mentors: list[Participant],
) -> None:
    services.document_edit(
        actor=lead,
        mentee=mentee,
        texts={"strengths": "Hannah-level calm, as Smith, Sam was. Grant agreed."},
    )
    services.document_approve(actor=lead, mentee=mentee, number=1, names_checked=True)
    # Mentors who join later: one named in full by the approved version, one by a word
    add_mentor(scheme, "Dr Sam Smith")
    add_mentor(scheme, "Dr Grant Grey")

    html = page_of(client_for(lead), scheme, mentee)

    warning = warning_of(html)
    assert warning.startswith("Important: Version 1 names a mentor")
    assert "Strengths names Smith, Sam" in warning
    assert "Strengths has “Grant”, the first name of a mentor (Dr Grant Grey)" in warning
    assert "Hannah" not in warning
    assert "Lena Lead checked that these words" in html
    assert f'<li><a href="#doc-strengths">{MAYBE}</a></li>' in html


def test_a_version_approved_with_nothing_recorded_as_checked_still_warns(
    client_for: ClientFor,
    lead: User,
    scheme: Scheme,
    mentee: Participant,
    mentors: list[Participant],
) -> None:
    # Approved before the words were recorded (or before the mentor's name was there)
    _approved_before_the_check(lead, mentee, "Hannah-level calm in a crisis.")
    html = page_of(client_for(lead), scheme, mentee)
    assert warning_of(html).startswith("Important: Version 1 may name a mentor")
    assert "checked that these words" not in html


def test_a_version_naming_nobody_is_approved_without_the_box_as_before(
    client_for: ClientFor,
    lead: User,
    scheme: Scheme,
    mentee: Participant,
    mentors: list[Participant],
) -> None:
    services.document_edit(actor=lead, mentee=mentee, texts={"strengths": "Calm in a crisis."})
    html = page_of(client_for(lead), scheme, mentee)
    assert warning_of(html) == "" and 'name="names_checked"' not in html
    approve(client_for(lead), scheme, mentee, {"version": "1"})
    assert AuditEvent.objects.filter(summary="Approved document version 1").count() == 1


def test_the_mentees_own_name_and_other_participants_are_not_mentors_names(
    lead: User, scheme: Scheme, mentee: Participant, other_mentee: Participant
) -> None:
    add_mentor(scheme, "Erased participant", erased_at=timezone.now())
    add_mentor(scheme, "Imported participant M01", imported=True)
    hannah = add_mentor(scheme, "Dr Hannah Mentee")
    tom = add_mentor(scheme, "Dr Tom Two")
    mentors, others = selectors.people_named(scheme.pk)
    assert [m.id for m in mentors] == [hannah.pk, tom.pk]
    assert sorted(others) == ["Dr Mentee One", "Dr Mentee Two"]
    # "Mentee" is a word of the mentee's own name (Dr Mentee One); "Two" here is the
    # other mentee's; the erased and imported placeholders are not names.
    services.document_edit(
        actor=lead,
        mentee=mentee,
        texts={"strengths": "Mentee One, much like Dr Mentee Two: an erased participant."},
    )
    services.document_approve(actor=lead, mentee=mentee, number=1)
    assert selectors.approved_version(mentee) is not None


def test_checking_names_costs_the_same_queries_for_2_mentors_as_for_12(
    client_for: ClientFor, lead: User, scheme: Scheme, mentee: Participant
) -> None:
    client = client_for(lead)
    url = reverse("schemes:document", args=[scheme.pk, mentee.pk])

    def queries() -> tuple[int, int]:
        """Queries to show a new version naming a mentor, and to approve it."""
        version = services.document_edit(
            actor=lead, mentee=mentee, texts={"strengths": "As Surname1 said"}
        )
        client.get(url)  # the sign-in's first-request work, not counted
        with CaptureQueriesContext(connection) as page:
            assert "Version" in warning_of(client.get(url).content.decode())
        found = selectors.mentee_in(scheme, mentee.pk)
        with CaptureQueriesContext(connection) as approval:
            services.document_approve(
                actor=lead, mentee=found, number=version.number, names_checked=True
            )
        return len(page), len(approval)

    for n in range(2):
        add_mentor(scheme, f"Dr Mentor{n} Surname{n}")
    with_2 = queries()
    for n in range(2, 12):
        add_mentor(scheme, f"Dr Mentor{n} Surname{n}")
    assert queries() == with_2


# The documents list looks again at every version that is or may be read


def _approved_before_the_check(lead: User, mentee: Participant, text: str) -> None:
    """A version naming a mentor, approved as it could be before approval checked names."""
    version = services.document_edit(actor=lead, mentee=mentee, texts={"strengths": text})
    version.approved_at, version.approved_by = timezone.now(), lead
    version.save(update_fields=["approved_at", "approved_by"])
    FeedbackDocument.objects.filter(mentee=mentee).update(approved=version)


def _row_of(html: str, name: str) -> str:
    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{re.escape(name)}.*?</tr>", html, re.S)
    assert row is not None, name
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row[0])).strip())


def test_the_documents_list_marks_documents_that_name_a_mentor_approved_ones_too(
    client_for: ClientFor,
    lead: User,
    scheme: Scheme,
    mentee: Participant,
    other_mentee: Participant,
    mentors: list[Participant],
) -> None:
    third = ParticipantFactory.create(
        scheme=scheme, role=ParticipantRole.MENTEE, user__full_name="Dr Mentee Three"
    )
    for person in (mentee, other_mentee, third):
        ConsentFactory(participant=person)
    _approved_before_the_check(lead, mentee, DEMO_TEXT)
    # A later clean draft does not hide what the approved version says
    services.document_edit(actor=lead, mentee=mentee, texts={"strengths": "A great teacher."})
    services.document_edit(actor=lead, mentee=other_mentee, texts={"strengths": "Hannah agreed."})
    services.document_edit(actor=lead, mentee=third, texts={"strengths": "A great teacher."})

    html = client_for(lead).get(reverse("schemes:documents", args=[scheme.pk])).content.decode()

    assert "1 document names a mentor" in warning_of(html)
    assert _row_of(html, "Dr Mentee One").endswith("Changed since approval Names a mentor")
    assert _row_of(html, "Dr Mentee Two").endswith("Draft (version 1) Check for mentors' names")
    assert _row_of(html, "Dr Mentee Three").endswith("Draft (version 1)")


def test_the_documents_list_costs_the_same_queries_for_more_mentees(
    client_for: ClientFor,
    lead: User,
    scheme: Scheme,
    mentee: Participant,
    mentors: list[Participant],
) -> None:
    client = client_for(lead)
    url = reverse("schemes:documents", args=[scheme.pk])
    _approved_before_the_check(lead, mentee, DEMO_TEXT)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(5):
        more = ParticipantFactory.create(scheme=scheme, role=ParticipantRole.MENTEE)
        if n % 2:  # taking part or not, the same queries
            ConsentFactory(participant=more)
        _approved_before_the_check(lead, more, f"Hannah Hughes, again {n}.")
    with CaptureQueriesContext(connection) as six:
        html = client.get(url).content.decode()

    assert "6 documents name a mentor" in warning_of(html)
    assert len(six) == len(one)


def test_moving_on_lists_approved_documents_that_name_a_mentor(
    lead: User, scheme: Scheme, mentee: Participant, mentors: list[Participant]
) -> None:
    from revmentor.schemes import phases
    from revmentor.schemes.models import Phase

    _approved_before_the_check(lead, mentee, DEMO_TEXT)
    scheme.phase = Phase.PHASE_1
    scheme.save(update_fields=["phase"])

    move = phases.plan(scheme, Phase.ALLOCATION)

    assert [item.text for item in move.unfinished if item.key == "documents-naming-mentors"] == [
        "1 approved document names a mentor. A document must never say who gave the "
        "feedback: take the name out and approve it again."
    ]
