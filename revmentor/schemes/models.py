"""Schemes, the people in them, their roles and their consent.

A scheme is one run of the method of Figure 1 in one specialty of one organisation. Its
phase moves forward through :data:`PHASE_ORDER`; see ``services.scheme_move_phase``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from revmentor.instruments import STUDY_DOMAINS

DEFAULT_DOMAINS: list[dict[str, str]] = [
    {"slug": domain.slug, "label": domain.label} for domain in STUDY_DOMAINS
]

DEFAULT_INFORMATION_SHEET = """\
You are invited to take part in a reverse mentoring scheme, in which junior doctors \
(mentors) give feedback to consultants (mentees).

In phase 1 the mentors meet as a group, with a facilitator, to discuss each consultant. \
The facilitator writes one feedback document for each consultant. It is the group's \
feedback and never says which mentor said what.

In phase 2 each mentor is paired at random with a consultant they are willing to mentor, \
and they meet once, in confidence, to talk through the feedback. The meeting is never \
recorded: only that it took place and how long it lasted.

Before and after each phase you will be asked to answer a short questionnaire.

Taking part is voluntary. You can withdraw at any time without giving a reason. If you \
agree, your answers can be used for research, with your name and email removed.
"""


def default_domains() -> list[dict[str, str]]:
    return [dict(domain) for domain in DEFAULT_DOMAINS]


class Organisation(models.Model):
    """An NHS trust or other body that runs schemes."""

    name = models.CharField(max_length=200, unique=True)
    ods_code = models.CharField("ODS code", max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class OrganisationMember(models.Model):
    """A member of an organisation's staff who may set up schemes there."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organisation_memberships"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("organisation", "user"), name="unique_org_member")
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.organisation}"


class Phase(models.TextChoices):
    SETUP = "setup", "Set-up"
    PHASE_1 = "phase_1", "Phase 1: group assessment"
    ALLOCATION = "allocation", "Allocation"
    PHASE_2 = "phase_2", "Phase 2: one-to-one feedback"
    ANALYSIS = "analysis", "Analysis"
    CLOSED = "closed", "Closed"


PHASE_ORDER: list[Phase] = list(Phase)


class Scheme(models.Model):
    """One reverse mentoring programme, run and evaluated as a study."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="schemes")
    name = models.CharField(max_length=200)
    specialty = models.CharField(max_length=200)
    domains = models.JSONField(default=default_domains)
    phase = models.CharField(max_length=16, choices=Phase.choices, default=Phase.SETUP)
    information_sheet = models.TextField(default=DEFAULT_INFORMATION_SHEET)
    information_sheet_version = models.CharField(max_length=20, default="1.0")
    retention_date = models.DateField(
        null=True,
        blank=True,
        help_text="After this date transcripts and identifiers are deleted.",
    )
    release_documents_to_mentees = models.BooleanField(
        default=False,
        help_text="Mentees may read their feedback document after their session.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("name", "pk")

    def __str__(self) -> str:
        return self.name

    @property
    def phase_label(self) -> str:
        return Phase(self.phase).label

    @property
    def domains_editable(self) -> bool:
        return self.phase == Phase.SETUP

    def has_reached(self, phase: str) -> bool:
        """Whether the scheme is in ``phase`` or has moved past it."""
        return PHASE_ORDER.index(Phase(self.phase)) >= PHASE_ORDER.index(Phase(phase))


class PhaseTransition(models.Model):
    """A record of who moved a scheme from one phase to the next, and when."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="transitions")
    from_phase = models.CharField(max_length=16, choices=Phase.choices)
    to_phase = models.CharField(max_length=16, choices=Phase.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("at", "pk")

    def __str__(self) -> str:
        return f"{self.scheme}: {self.from_phase} → {self.to_phase}"


class StaffRole(models.TextChoices):
    LEAD = "lead", "Programme lead"
    FACILITATOR = "facilitator", "Facilitator"
    RESEARCHER = "researcher", "Researcher"


class SchemeMembership(models.Model):
    """A staff role (lead, facilitator, researcher) held by one person in one scheme."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scheme_memberships"
    )
    role = models.CharField(max_length=16, choices=StaffRole.choices)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("scheme", "user", "role"), name="unique_scheme_role")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.scheme}"


class ParticipantRole(models.TextChoices):
    MENTOR = "mentor", "Mentor"
    MENTEE = "mentee", "Mentee"


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    NOT_SAID = "not_said", "Prefer not to say"


class Grade(models.TextChoices):
    FOUNDATION = "foundation", "Foundation doctor"
    CORE = "core", "Core trainee"
    SPECIALTY = "specialty", "Specialty registrar"
    CLINICAL_FELLOW = "clinical_fellow", "Clinical fellow"
    SPECIALTY_DOCTOR = "specialty_doctor", "Specialty doctor"
    CONSULTANT = "consultant", "Consultant"


class ParticipantStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    WITHDRAWN = "withdrawn", "Withdrawn"


# Active, never invited, and invitable: not erased, not imported (they have no email).
NOT_YET_INVITED = Q(
    status=ParticipantStatus.ACTIVE, invited_at__isnull=True, erased_at__isnull=True, imported=False
)


class ParticipantQuerySet(models.QuerySet["Participant"]):
    def active(self) -> ParticipantQuerySet:
        return self.filter(status=ParticipantStatus.ACTIVE)

    def mentors(self) -> ParticipantQuerySet:
        return self.filter(role=ParticipantRole.MENTOR)

    def mentees(self) -> ParticipantQuerySet:
        return self.filter(role=ParticipantRole.MENTEE)

    def not_yet_invited(self) -> ParticipantQuerySet:
        """Active people who can be invited and have not been: not erased, not imported."""
        return self.filter(NOT_YET_INVITED)

    def with_consent(self) -> ParticipantQuerySet:
        """Annotate ``has_consent``: agreed to take part and has not withdrawn consent."""
        return self.annotate(has_consent=current_consent("pk"))

    def with_consent_withdrawn(self) -> ParticipantQuerySet:
        """Annotate ``consent_withdrawn``: a consent of theirs was given and withdrawn."""
        withdrawn = Consent.objects.filter(
            participant=models.OuterRef("pk"), withdrawn_at__isnull=False
        )
        return self.annotate(consent_withdrawn=models.Exists(withdrawn))

    def with_consent_withdrawn_at(self) -> ParticipantQuerySet:
        """Annotate ``consent_withdrawn_at``: when they last withdrew a consent (None if
        never), in the same query; Your tasks says when someone withdrew."""
        last = (
            Consent.objects.filter(participant=models.OuterRef("pk"), withdrawn_at__isnull=False)
            .order_by("-withdrawn_at")
            .values("withdrawn_at")[:1]
        )
        return self.annotate(consent_withdrawn_at=models.Subquery(last))


class Participant(models.Model):
    """A person taking part in one scheme as a mentor or a mentee."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="participations"
    )
    role = models.CharField(max_length=8, choices=ParticipantRole.choices)
    grade = models.CharField(max_length=20, choices=Grade.choices, blank=True)
    sex = models.CharField(max_length=10, choices=Sex.choices, blank=True)
    age = models.PositiveSmallIntegerField(null=True, blank=True)
    years_as_consultant = models.PositiveSmallIntegerField(null=True, blank=True)
    previous_mentoring = models.BooleanField(null=True, blank=True)
    supervisor = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervised_mentors",
        help_text="A mentor's own clinical supervisor, one of the scheme's mentees.",
    )
    status = models.CharField(
        max_length=10, choices=ParticipantStatus.choices, default=ParticipantStatus.ACTIVE
    )
    withdrawn_reason = models.CharField(max_length=300, blank=True)
    withdrawn_on = models.DateField(null=True, blank=True)
    research_id = models.CharField(
        max_length=64,
        editable=False,
        help_text="Their ID in research exports: drawn at random when they are added "
        "(or their ID in the study data folder they were imported from), so it says "
        "nothing of who they are or when they joined.",
    )
    imported = models.BooleanField(
        default=False,
        editable=False,
        help_text="Came from an imported study data folder: no email, no sign-in.",
    )
    added_at = models.DateTimeField(auto_now_add=True)
    invited_at = models.DateTimeField(null=True, blank=True)
    invitations_sent = models.PositiveSmallIntegerField(default=0)
    erased_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When their identifiers were erased; the row is kept as a pseudonymous stub.",
    )

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        ordering = ("role", "user__full_name", "pk")
        constraints = [
            models.UniqueConstraint(fields=("scheme", "user"), name="one_participation_per_scheme"),
            models.UniqueConstraint(fields=("scheme", "research_id"), name="unique_research_id"),
            models.CheckConstraint(condition=~Q(research_id=""), name="research_id_set"),
            models.CheckConstraint(
                condition=Q(age__isnull=True) | Q(age__gte=16, age__lte=100), name="age_in_range"
            ),
            models.CheckConstraint(
                condition=Q(years_as_consultant__isnull=True) | Q(years_as_consultant__lte=60),
                name="years_as_consultant_in_range",
            ),
            models.CheckConstraint(
                condition=Q(status="active", withdrawn_on__isnull=True)
                | Q(status="withdrawn", withdrawn_on__isnull=False),
                name="withdrawn_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    @property
    def is_mentor(self) -> bool:
        return self.role == ParticipantRole.MENTOR

    @property
    def is_active(self) -> bool:
        return self.status == ParticipantStatus.ACTIVE

    @property
    def is_imported(self) -> bool:
        """Whether they came from an imported study data folder (no email, no sign-in)."""
        return self.imported

    @property
    def can_be_emailed(self) -> bool:
        """Whether they have an email address of their own to write to: not imported (a
        placeholder address, no sign-in) and not erased."""
        return not self.imported and self.erased_at is None

    def current_consent(self) -> Consent | None:
        return self.consents.filter(withdrawn_at__isnull=True).order_by("-given_at").first()


class Consent(models.Model):
    """What a participant agreed to, on which version of the information sheet, and when.

    Consent is never edited: withdrawing sets ``withdrawn_at``, and agreeing again adds a
    new row, so the history stays.
    """

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="consents")
    information_sheet_version = models.CharField(max_length=20)
    take_part = models.BooleanField()
    research_use = models.BooleanField(
        help_text="Research use of their answers with name and email removed."
    )
    given_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-given_at", "-pk")
        constraints = [
            models.UniqueConstraint(
                fields=("participant",),
                condition=Q(withdrawn_at__isnull=True),
                name="one_current_consent",
            )
        ]

    def __str__(self) -> str:
        return f"Consent of {self.participant} (v{self.information_sheet_version})"


def current_consent(participant: str) -> models.Exists:
    """Whether the participant ``participant`` refers to (an outer reference, such as
    ``"pk"`` or ``"mentor_id"``) agreed to take part and has not withdrawn that consent."""
    return models.Exists(
        Consent.objects.filter(
            participant=models.OuterRef(participant), take_part=True, withdrawn_at__isnull=True
        )
    )


def taking_part(path: str = "") -> Q:
    """A filter: the participant (at ``path``, such as ``"mentor"``; the row itself when
    empty) is still taking part — not withdrawn by the lead, and their consent to take
    part is current. Either way of stopping reads the same to everyone but the staff,
    who alone may know which it was."""
    prefix = f"{path}__" if path else ""
    return Q(**{f"{prefix}status": ParticipantStatus.ACTIVE}) & Q(
        current_consent(f"{path}_id" if path else "pk")
    )
