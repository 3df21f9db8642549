"""``revmentor demo``: a scheme like the study's, ready to click through.

Synthetic people only. Running it again keeps the data and prints fresh links.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from sesame.utils import get_query_string

from revmentor.core.models import User
from revmentor.core.worker import task_worker
from revmentor.schemes import services
from revmentor.schemes.models import (
    Grade,
    Organisation,
    OrganisationMember,
    Participant,
    ParticipantRole,
    Phase,
    Scheme,
    SchemeMembership,
    Sex,
    StaffRole,
)

DEMO_PASSWORD = "revmentor-demo-password"  # noqa: S105 (demo data only)  # nosec B105
DOMAIN = "demo.revmentor.example"


@dataclass(frozen=True)
class Person:
    name: str
    sex: str
    age: int
    previous: bool
    years: int | None = None
    supervisor: str | None = None  # a mentee's name


# The study: 6 mentors (4 male, aged 31–40, 3 had mentored) and 5 mentees (4 male, aged
# 35–65, consultants for 5–20 years, 4 had mentored).
MENTEES = [
    Person("Dr Alan Ashworth", Sex.MALE, 65, True, 20),
    Person("Dr Brian Bello", Sex.MALE, 52, True, 14),
    Person("Dr Claire Chadha", Sex.FEMALE, 47, True, 11),
    Person("Dr David Dunmore", Sex.MALE, 41, True, 8),
    Person("Dr Edward Egan", Sex.MALE, 35, False, 5),
]
MENTORS = [
    Person("Dr Fatima Farooq", Sex.FEMALE, 31, True, supervisor="Dr Alan Ashworth"),
    Person("Dr George Griffiths", Sex.MALE, 33, False, supervisor="Dr Brian Bello"),
    Person("Dr Hannah Hughes", Sex.FEMALE, 34, False, supervisor="Dr Claire Chadha"),
    Person("Dr Imran Iqbal", Sex.MALE, 36, True, supervisor="Dr David Dunmore"),
    Person("Dr James Jennings", Sex.MALE, 38, True, supervisor="Dr Edward Egan"),
    Person("Dr Kofi Kwarteng", Sex.MALE, 40, False, supervisor="Dr Alan Ashworth"),
]
STAFF = [
    ("Lena Lead", "lead", StaffRole.LEAD),
    ("Frank Facilitator", "facilitator", StaffRole.FACILITATOR),
    ("Rita Researcher", "researcher", StaffRole.RESEARCHER),
]


def _email(name: str) -> str:
    return name.removeprefix("Dr ").lower().replace(" ", ".") + "@" + DOMAIN


def _staff(name: str, key: str) -> User:
    user, _ = User.objects.get_or_create(email=f"{key}@{DOMAIN}", defaults={"full_name": name})
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


@transaction.atomic
def seed() -> Scheme:
    """Create (once) the demo organisation, scheme, staff and the study's 11 people."""
    organisation, _ = Organisation.objects.get_or_create(
        name="Demo Teaching Hospitals NHS Foundation Trust", defaults={"ods_code": "DEMO"}
    )
    admin = _staff("Sam Siteadmin", "admin")
    admin.is_superuser = admin.is_staff = True
    admin.save()
    staff = {key: _staff(name, key) for name, key, _role in STAFF}
    OrganisationMember.objects.get_or_create(organisation=organisation, user=staff["lead"])
    scheme = Scheme.objects.filter(organisation=organisation).first()
    if scheme is not None:
        return scheme
    scheme = services.scheme_create(
        actor=staff["lead"],
        organisation=organisation,
        name="Gastroenterology reverse mentoring",
        specialty="Gastroenterology",
    )
    for _name, key, role in STAFF[1:]:
        SchemeMembership.objects.get_or_create(scheme=scheme, user=staff[key], role=role)
    mentees: dict[str, Participant] = {}
    for person in MENTEES:
        mentees[person.name] = services.participant_add(
            actor=staff["lead"],
            scheme=scheme,
            full_name=person.name,
            email=_email(person.name),
            role=ParticipantRole.MENTEE,
            grade=Grade.CONSULTANT,
            sex=person.sex,
            age=person.age,
            years_as_consultant=person.years,
            previous_mentoring=person.previous,
        )
    for person in MENTORS:
        services.participant_add(
            actor=staff["lead"],
            scheme=scheme,
            full_name=person.name,
            email=_email(person.name),
            role=ParticipantRole.MENTOR,
            grade=Grade.CLINICAL_FELLOW,
            sex=person.sex,
            age=person.age,
            previous_mentoring=person.previous,
            supervisor=mentees[person.supervisor] if person.supervisor else None,
        )
    services.participants_invite_pending(actor=staff["lead"], scheme=scheme)
    # Everyone has consented already but the first mentor, so their sign-in link shows
    # consent coming first. The mentees have all consented: the group discusses, and
    # mentors are asked about, only mentees taking part.
    for participant in Participant.objects.filter(scheme=scheme).mentees():
        services.consent_give(participant=participant, take_part=True, research_use=True)
    for participant in Participant.objects.filter(scheme=scheme).mentors().order_by("pk")[1:]:
        services.consent_give(participant=participant, take_part=True, research_use=True)
    # Phase 1 opens the mentors' first questionnaire.
    services.scheme_move_phase(actor=staff["lead"], scheme=scheme, to_phase=Phase.PHASE_1)
    _phase_1(scheme, staff["lead"], staff["facilitator"])
    return scheme


# What the group said, in the study's seven domains (synthetic).
NOTES = {
    "technology": "Confident with the electronic record; could use the new bleep app more.",
    "clinical_practice": "Thorough and safe; explains decisions on ward rounds.",
    "approach_to_juniors": "Supportive, though can seem rushed when the list is long.",
    "time_management": "Clinics often overrun; starting ward rounds on time would help.",
    "approachability": "Easy to approach in person; less so by email.",
    "strengths": "Teaching at the bedside; calm in emergencies.",
    "areas_for_improvement": "Give feedback to juniors more often, not only at assessments.",
}
# The study's willingness: 3 mentors willing to mentor all 5 mentees, 2 willing to
# mentor 3 of 5 and 1 willing to mentor 4 of 5.
WILLING_COUNTS = [5, 5, 5, 3, 3, 4]


def _phase_1(scheme: Scheme, lead: User, facilitator: User) -> None:
    from revmentor.feedback import services as phase_1
    from revmentor.feedback.willingness import willingness_set

    mentors = list(Participant.objects.filter(scheme=scheme).mentors().order_by("pk"))
    mentees = list(Participant.objects.filter(scheme=scheme).mentees().order_by("pk"))
    interview = phase_1.interview_for(scheme)
    phase_1.interview_update(
        actor=facilitator,
        interview=interview,
        held_on=timezone.localdate(),
        facilitator=facilitator,
        mentors_present=mentors[1:],
    )
    for index, mentee in enumerate(mentees):
        phase_1.notes_save(actor=facilitator, interview=interview, mentee=mentee, texts=NOTES)
        phase_1.document_compile(actor=facilitator, mentee=mentee)
        if index < 3:
            phase_1.document_approve(actor=lead, mentee=mentee, number=1)
    for mentor, count in zip(mentors[1:], WILLING_COUNTS[1:], strict=True):
        willingness_set(mentor=mentor, choices={m.pk: i < count for i, m in enumerate(mentees)})


# What the consented mentors wrote about their concerns before phase 1 (synthetic), for
# the Results and Coding pages to have something to show.
CONCERNS = [
    "Whether my supervisor will know what I said about them.",
    "Being seen as critical of a consultant I still have to work with.",
    "Finding the time on a busy rota.",
    "That the feedback could be traced back to me in a small department.",
    "How the consultants will take feedback from someone junior.",
]


def seed_answers(scheme: Scheme) -> int:
    """Submit the consented mentors' first questionnaire (synthetic answers), once.

    The first mentor (who has not consented yet) keeps theirs open, so their sign-in
    link still shows the whole journey. Returns how many were submitted now.
    """
    from revmentor.questionnaires import services as questionnaires
    from revmentor.questionnaires.models import Response, SchemeInstrument, Stage

    stage = Stage.objects.get(scheme=scheme, timepoint="pre_phase1")
    if Response.objects.filter(stage=stage).exists():
        return 0
    instrument = SchemeInstrument.objects.get(stage=stage, role=ParticipantRole.MENTOR)
    definition = instrument.version.instrument
    domains = instrument.domains()
    mentors = list(Participant.objects.filter(scheme=scheme).mentors().order_by("pk"))[1:]
    for index, mentor in enumerate(mentors):
        answers = {
            "understanding": str(2 + index % 3),
            "concerns": "yes",
            "concerns_text": CONCERNS[index % len(CONCERNS)],
            **{
                f"{scale}.{domain.slug}": str((position + index) % 4 + 1)
                for scale in ("importance", "confidence", "ability")
                for position, domain in enumerate(domains)
            },
        }
        for section in range(len(definition.sections)):
            questionnaires.response_save_page(
                participant=mentor, stage=stage, section=section, answers=answers, complete=True
            )
        questionnaires.response_submit(participant=mentor, stage=stage)
    return len(mentors)


def sign_in_links(scheme: Scheme, base_url: str) -> list[tuple[str, str, str]]:
    """Return ``(persona, email, one-time sign-in link)`` for each demo persona."""
    people: list[tuple[str, User]] = [("Site admin", User.objects.get(email=f"admin@{DOMAIN}"))]
    people += [(role.label, User.objects.get(email=f"{key}@{DOMAIN}")) for _n, key, role in STAFF]
    first_mentor = Participant.objects.filter(scheme=scheme).mentors().order_by("pk").first()
    first_mentee = Participant.objects.filter(scheme=scheme).mentees().order_by("pk").first()
    if first_mentor:
        people.append(("Mentor", first_mentor.user))
    if first_mentee:
        people.append(("Mentee", first_mentee.user))
    path = reverse("sign_in_link")
    return [
        (label, user.email, f"{base_url}{path}{get_query_string(user)}") for label, user in people
    ]


def run_demo(*, port: int, serve: bool) -> int:
    """Migrate the SQLite database, seed the demo, print sign-in links and serve."""
    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    scheme = seed()
    seed_answers(scheme)
    base_url = f"http://127.0.0.1:{port}"
    print(f"\nrevmentor demo — data in {settings.DATA_DIR}\n")
    print(
        "Sign in as any persona with its link (each works once; run the demo again for new ones):"
    )
    for label, email, link in sign_in_links(scheme, base_url):
        print(f"  {label:<15} {email:<45}\n                  {link}")
    print(f"\nStaff can also sign in at {base_url}/accounts/login/ with password {DEMO_PASSWORD}")
    print("Emails (invitations, sign-in codes) are printed below, in this terminal.\n")
    if serve:
        with task_worker():
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
    return 0
