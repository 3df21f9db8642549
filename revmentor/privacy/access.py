"""Subject access: everything held about one participant of a scheme, as one zip.

The zip answers a subject access request made to the organisation that runs the scheme.
It holds what this scheme holds about the person, and their account (shared by every
scheme they take part in); other schemes export their own. Every file is described in
the zip's ``README.txt`` (:data:`FILES` is the source of that text), so a person can
read it without help. JSON is used throughout, UTF-8, indented, dates and times in ISO
8601 with their offset from UTC.

What is never in it, by design: what was said in a one-to-one session (never recorded);
which mentor said what in the group's feedback (never stored). Unapproved drafts of a
feedback document and the group's working notes are the facilitator's working
material: the approved versions are what was released.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from revmentor.allocation.models import Allocation, Pair
from revmentor.core import audit
from revmentor.core.archive import folder_zip
from revmentor.core.models import AuditEvent, User
from revmentor.feedback import documents
from revmentor.feedback.models import Contribution, DocumentVersion, Willingness
from revmentor.instruments import Domain
from revmentor.meetings.models import Meeting
from revmentor.questionnaires.interchange import pseudonym
from revmentor.questionnaires.models import Response
from revmentor.schemes.models import Consent, Participant, SchemeMembership

# File name: what it holds, for README.txt. Document files are named per version.
FILES: dict[str, str] = {
    "person.json": (
        "Your account: your name, email address, when the account was created, when you "
        "last signed in and whether it is active. The account is shared by every scheme "
        "you take part in."
    ),
    "participation.json": (
        "You as a participant of this scheme: your role (mentor or mentee), grade, sex, "
        "age, years as consultant, whether you had mentored before, your own clinical "
        "supervisor (mentors), whether you are taking part or withdrew (and why), when you "
        "were added and invited, and your research ID: the code that stands for you in "
        "the scheme's research data instead of your name. 'consents' lists every consent "
        "you gave: the version of the information sheet, whether you agreed to take part "
        "and to research use of your answers, when, and when you withdrew it."
    ),
    "questionnaires.json": (
        "Your questionnaires: for each, its title, the stage (time point) of the scheme, "
        "whether you submitted it or it is a draft, when, and each answer: 'item' is the "
        "answer's name in the research data, 'question' the question you were asked, "
        "'answer' what you answered (Likert scales from 1 to 5)."
    ),
    "willingness.json": (
        "Mentors only: for each mentee, whether you said you were willing to mentor them."
    ),
    "feedback-written.json": (
        "Mentors only: the online feedback you wrote about each mentee, by domain, and when "
        "the facilitator added it to the group's notes (from then on it is part of the "
        "group's feedback, which never says who said what)."
    ),
    "feedback-document-v<N>.html": (
        "Mentees only: each approved version of the group's feedback document about you, "
        "as a web page you can open in any browser and print."
    ),
    "sessions.json": (
        "The pairs you were in, from the random allocation (the allocation's number and "
        "whether it was published; the other person is named only once it was published), "
        "and your one-to-one session: when and where it was arranged, whether it was "
        "confirmed, whether it took place and for how long. What was said in the session is "
        "never recorded, so it is not here."
    ),
    "audit.json": (
        "The audit trail about you: every recorded action on your records or done by you "
        "in this scheme, and your sign-ins. 'by' is 'you', 'the system' (automatic tasks), "
        "a member of the scheme's staff by name, or 'another participant'; 'ip_address' is "
        "given for your own actions only."
    ),
}


def _when(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


def _json(data: Any) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _person(user: User) -> dict[str, Any]:
    return {
        "name": user.full_name,
        "email": user.email,
        "account_created": _when(user.date_joined),
        "last_sign_in": _when(user.last_login),
        "account_active": user.is_active,
    }


def _participation(participant: Participant, consents: list[Consent]) -> dict[str, Any]:
    supervisor = participant.supervisor
    return {
        "scheme": participant.scheme.name,
        "organisation": participant.scheme.organisation.name,
        "role": participant.role,
        "grade": participant.get_grade_display() if participant.grade else None,
        "sex": participant.get_sex_display() if participant.sex else None,
        "age": participant.age,
        "years_as_consultant": participant.years_as_consultant,
        "previous_mentoring": participant.previous_mentoring,
        "own_clinical_supervisor": supervisor.user.full_name if supervisor else None,
        "status": participant.status,
        "withdrawn_on": _when(participant.withdrawn_on),
        "withdrawn_reason": participant.withdrawn_reason or None,
        "added": _when(participant.added_at),
        "invited": _when(participant.invited_at),
        "invitations_sent": participant.invitations_sent,
        "research_id": pseudonym(participant),
        "consents": [
            {
                "information_sheet_version": c.information_sheet_version,
                "take_part": c.take_part,
                "research_use": c.research_use,
                "given": _when(c.given_at),
                "withdrawn": _when(c.withdrawn_at),
            }
            for c in consents
        ],
    }


def _answers(response: Response, domains: list[Domain]) -> list[dict[str, str]]:
    given = {a.name: a.value for a in response.answers.all()}
    rows = []
    for slot in response.version.instrument.answerables(domains):
        if slot.name in given:
            question = slot.item.text
            if slot.label != slot.item.text:
                question = f"{question} – {slot.label}"
            rows.append({"item": slot.name, "question": question, "answer": given.pop(slot.name)})
    # Answers to questions no longer in the questionnaire are still held: list them too.
    rows.extend({"item": name, "question": "", "answer": value} for name, value in given.items())
    return rows


def _questionnaires(participant: Participant) -> list[dict[str, Any]]:
    domains = [Domain(d["slug"], d["label"]) for d in participant.scheme.domains]
    responses = (
        Response.objects.filter(participant=participant)
        .select_related("version", "stage")
        .prefetch_related("answers")
        .order_by("stage__position", "pk")
    )
    return [
        {
            "questionnaire": r.version.title,
            "stage": r.stage.label,
            "status": r.status,
            "started": _when(r.created_at),
            "last_saved": _when(r.updated_at),
            "submitted": _when(r.submitted_at),
            "answers": _answers(r, domains),
        }
        for r in responses
    ]


def _willingness(participant: Participant) -> list[dict[str, Any]]:
    rows = (
        Willingness.objects.filter(mentor=participant)
        .select_related("mentee__user")
        .order_by("mentee__user__full_name", "pk")
    )
    return [
        {"mentee": w.mentee.user.full_name, "willing": w.willing, "updated": _when(w.updated_at)}
        for w in rows
    ]


def _written(participant: Participant) -> list[dict[str, Any]]:
    labels = {d["slug"]: d["label"] for d in participant.scheme.domains}
    rows = (
        Contribution.objects.filter(mentor=participant)
        .select_related("mentee__user")
        .order_by("mentee__user__full_name", "domain", "pk")
    )
    return [
        {
            "about": c.mentee.user.full_name,
            "domain": labels.get(c.domain, c.domain),
            "text": c.text,
            "added_to_group_notes": _when(c.merged_at),
            "last_saved": _when(c.updated_at),
        }
        for c in rows
    ]


def _approved_versions(participant: Participant) -> list[DocumentVersion]:
    return list(
        DocumentVersion.objects.filter(
            document__mentee=participant, approved_at__isnull=False
        ).order_by("number")
    )


def _which(participant: Participant, pk: int | None) -> str | None:
    """Who of a pair did something, as the subject reads it."""
    if pk is None:
        return None
    return "you" if pk == participant.pk else "the other person"


def _sessions(participant: Participant, pairs: list[Pair]) -> list[dict[str, Any]]:
    rows = []
    for pair in pairs:
        published = pair.allocation.status == Allocation.Status.PUBLISHED
        other = pair.mentee if pair.mentor_id == participant.pk else pair.mentor
        meeting: Meeting | None = getattr(pair, "meeting", None)
        rows.append(
            {
                "allocation": pair.allocation.number,
                "allocation_status": pair.allocation.status,
                "your_role": participant.role,
                "paired_with": other.user.full_name if published else None,
                "session": None
                if meeting is None
                else {
                    "starts": _when(meeting.starts_at),
                    "place": meeting.place or None,
                    "confirmed": _when(meeting.confirmed_at),
                    "took_place": meeting.held,
                    "duration_minutes": meeting.duration_minutes,
                    "logged": _when(meeting.logged_at),
                    "logged_by": _which(participant, meeting.logged_by_id),
                    "agreed": _when(meeting.agreed_at),
                    "agreed_by": _which(participant, meeting.agreed_by_id),
                    "replaced_answer": None
                    if meeting.previous_held is None
                    else {
                        "took_place": meeting.previous_held,
                        "duration_minutes": meeting.previous_minutes,
                    },
                },
            }
        )
    return rows


def _audit(
    participant: Participant,
    consents: list[Consent],
    responses: list[int],
    versions: list[int],
    pairs: list[Pair],
) -> list[dict[str, Any]]:
    user = participant.user
    about: dict[str, list[int]] = {
        "schemes.Participant": [participant.pk],
        "schemes.Consent": [c.pk for c in consents],
        "questionnaires.Response": responses,
        "feedback.DocumentVersion": versions,
        "meetings.Meeting": [p.meeting.pk for p in pairs if getattr(p, "meeting", None)],
        "core.User": [user.pk],
    }
    match = Q(actor=user) & (Q(scheme_id=participant.scheme_id) | Q(scheme_id__isnull=True))
    for label, ids in about.items():
        if ids:
            match |= Q(object_type=label, object_id__in=[str(i) for i in ids])
    # Events about the whole scheme are not about them; events about their user record
    # in other schemes are (sign-ins), events about records in other schemes are not.
    events = (
        AuditEvent.objects.filter(match)
        .filter(Q(scheme_id=participant.scheme_id) | Q(scheme_id__isnull=True))
        .select_related("actor")
        .order_by("at", "pk")
    )
    staff = set(
        SchemeMembership.objects.filter(scheme_id=participant.scheme_id).values_list(
            "user_id", flat=True
        )
    )

    def by(event: AuditEvent) -> str:
        if event.actor_id is None:
            return "the system"
        if event.actor_id == user.pk:
            return "you"
        if event.actor_id in staff or (event.actor and event.actor.is_site_admin):
            return event.actor.full_name if event.actor else "a member of staff"
        return "another participant"

    return [
        {
            "at": _when(e.at),
            "action": e.action,
            "record": e.object_type,
            "record_id": e.object_id,
            "summary": e.summary,
            "by": by(e),
            "ip_address": e.ip_address if e.actor_id == user.pk else None,
        }
        for e in events
    ]


def _readme(participant: Participant, names: list[str], exported: datetime) -> bytes:
    lines = [
        "Personal data held by revmentor",
        "===============================",
        "",
        f"About:      {participant.user.full_name} <{participant.user.email}>",
        f"Scheme:     {participant.scheme.name} ({participant.scheme.organisation.name})",
        f"Exported:   {timezone.localtime(exported):%d %B %Y at %H:%M}",
        "",
        "This folder holds everything the scheme above holds about you, and your account.",
        "If you take part in other schemes, each exports its own data. The files are JSON",
        "(open them in a text editor or a web browser) or web pages (.html). Dates and",
        "times are written like 2027-03-15T14:30:00+00:00 (UK time, with its offset).",
        "",
        "What is never held, by design: what was said in your one-to-one session (it is",
        "never recorded), and which mentor said what in the group's feedback.",
        "",
        "Files",
        "-----",
    ]
    for name in names:
        key = "feedback-document-v<N>.html" if name.startswith("feedback-document-") else name
        lines += ["", name, *_wrap(FILES[key])]
    lines += [
        "",
        "Questions about this data, or a request to correct or erase it, go to the",
        "scheme's programme lead, or to your organisation's data protection officer.",
        "",
    ]
    return "\n".join(lines).encode("utf-8")


def _wrap(text: str, width: int = 84) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width - 2:
            lines.append(f"  {line}")
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(f"  {line}")
    return lines


def personal_data(participant: Participant) -> dict[str, bytes]:
    """Every file of the participant's subject access export: ``{file name: content}``.

    ``participant`` needs ``user``, ``supervisor__user`` and ``scheme__organisation``
    loaded (``schemes.selectors.participant_in`` with the scheme from ``scheme_for``).
    Not audited (see :func:`personal_data_zip`). A fixed number of queries whatever
    the amount of data, and no file the person's role cannot have (a mentee has no
    ``willingness.json``).
    """
    consents = list(Consent.objects.filter(participant=participant).order_by("given_at", "pk"))
    questionnaires = _questionnaires(participant)
    pairs = list(
        Pair.objects.filter(Q(mentor=participant) | Q(mentee=participant))
        .select_related("allocation", "mentor__user", "mentee__user", "meeting")
        .order_by("allocation__number", "pk")
    )
    versions = _approved_versions(participant) if not participant.is_mentor else []
    response_ids = list(
        Response.objects.filter(participant=participant).values_list("pk", flat=True)
    )
    files: dict[str, bytes] = {
        "person.json": _json(_person(participant.user)),
        "participation.json": _json(_participation(participant, consents)),
        "questionnaires.json": _json(questionnaires),
    }
    if participant.is_mentor:
        files["willingness.json"] = _json(_willingness(participant))
        files["feedback-written.json"] = _json(_written(participant))
    for version in versions:
        files[f"feedback-document-v{version.number}.html"] = documents.html(
            participant, version
        ).encode("utf-8")
    files["sessions.json"] = _json(_sessions(participant, pairs))
    files["audit.json"] = _json(
        _audit(participant, consents, response_ids, [v.pk for v in versions], pairs)
    )
    return {"README.txt": _readme(participant, list(files), timezone.now()), **files}


def personal_data_zip(*, actor: User, participant: Participant) -> bytes:
    """The participant's subject access export as a zip, recorded once as an export.

    The files sit in a folder ``personal-data-<participant number>/``; the folder and
    the audit summary carry no name.
    """
    files = personal_data(participant)
    content = folder_zip(folder_name(participant), files)
    audit.record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        obj=participant,
        summary=f"Exported a participant's personal data (subject access, {len(files)} files)",
        scheme_id=participant.scheme_id,
    )
    return content


def folder_name(participant: Participant) -> str:
    """The export's folder and file name: the participant's number, never their name."""
    return f"personal-data-{participant.pk}"
