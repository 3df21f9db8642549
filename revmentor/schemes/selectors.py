"""Reads about schemes and participants, always scoped to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from revmentor.core.models import User
from revmentor.schemes.models import (
    NOT_YET_INVITED,
    Consent,
    Organisation,
    Participant,
    ParticipantQuerySet,
    ParticipantRole,
    ParticipantStatus,
    PhaseTransition,
    Scheme,
    SchemeMembership,
    StaffRole,
)


@dataclass(frozen=True)
class SchemeRoles:
    """The roles one user holds in one scheme."""

    site_admin: bool
    staff: frozenset[str]
    participant: Participant | None

    @property
    def is_lead(self) -> bool:
        return StaffRole.LEAD in self.staff

    @property
    def related(self) -> bool:
        return self.site_admin or bool(self.staff) or self.participant is not None


def roles_in_scheme(user: Any, scheme: Scheme) -> SchemeRoles:
    """Return the user's roles in ``scheme``, cached on the user for this request.

    Anonymous users hold no roles. The cache makes repeated permission checks on one
    page cost one query pair, not one per check.
    """
    if not getattr(user, "is_authenticated", False):
        return SchemeRoles(site_admin=False, staff=frozenset(), participant=None)
    cache: dict[int, SchemeRoles] = user.__dict__.setdefault("_scheme_roles", {})
    if scheme.pk not in cache:
        staff = frozenset(
            SchemeMembership.objects.filter(scheme=scheme, user=user).values_list("role", flat=True)
        )
        participant = Participant.objects.filter(scheme=scheme, user=user).first()
        cache[scheme.pk] = SchemeRoles(
            site_admin=user.is_site_admin, staff=staff, participant=participant
        )
    return cache[scheme.pk]


def schemes_visible_to(user: User) -> QuerySet[Scheme]:
    """Schemes the user has any role in (all of them for a site admin)."""
    schemes = Scheme.objects.select_related("organisation")
    if user.is_site_admin:
        return schemes
    return schemes.filter(Q(memberships__user=user) | Q(participants__user=user)).distinct()


def schemes_managed_by(user: User) -> QuerySet[Scheme]:
    """Schemes in which the user holds a staff role (all of them for a site admin)."""
    schemes = Scheme.objects.select_related("organisation").annotate(
        n_participants=Count("participants", distinct=True)
    )
    if user.is_site_admin:
        return schemes
    return schemes.filter(memberships__user=user).distinct()


def schemes_for_research(user: User) -> QuerySet[Scheme]:
    """Schemes whose research data the user may export, by name: all for a site admin.

    The query form of ``schemes.export_research`` (site admin, lead or researcher), for
    pages about several schemes at once; one query, whatever the number of schemes.
    """
    schemes = Scheme.objects.select_related("organisation").order_by("name", "pk")
    if user.is_site_admin:
        return schemes
    roles = (StaffRole.LEAD, StaffRole.RESEARCHER)
    return schemes.filter(memberships__user=user, memberships__role__in=roles).distinct()


def scheme_for(user: User, pk: int) -> Scheme:
    """Return the scheme if the user has any role in it; otherwise raise Http404.

    Outsiders get 404 rather than 403 so they cannot learn which schemes exist.
    """
    try:
        return schemes_visible_to(user).get(pk=pk)
    except Scheme.DoesNotExist:
        raise Http404("No such scheme.") from None


def scheme_for_action(user: User, pk: int, permission: str) -> Scheme:
    """The scheme, if the user may see it (else Http404) and has ``permission`` (else 403)."""
    scheme = scheme_for(user, pk)
    if not user.has_perm(permission, scheme):
        raise PermissionDenied
    return scheme


def participant_in(scheme: Scheme, pk: int) -> Participant:
    """Return a participant of ``scheme`` by primary key, or raise Http404."""
    try:
        return Participant.objects.select_related("user", "supervisor__user").get(
            scheme=scheme, pk=pk
        )
    except Participant.DoesNotExist:
        raise Http404("No such participant in this scheme.") from None


def participants_of(scheme: Scheme) -> QuerySet[Participant]:
    """Every participant of the scheme, with user, supervisor and consent annotated
    (``has_consent``; ``consent_withdrawn``: they gave consent and withdrew it).

    Mentors come first, then mentees, each by name: the order the participants page
    shows them in, a page at a time.
    """
    return (
        Participant.objects.filter(scheme=scheme)
        .with_consent()
        .with_consent_withdrawn()
        .select_related("user", "supervisor__user")
        .order_by("-role", "user__full_name", "pk")  # mentors, then mentees ("mentor" > "mentee")
    )


@dataclass(frozen=True)
class PeopleCounts:
    """How many mentors and mentees a scheme has, and how many are still to be invited."""

    mentors: int
    mentees: int
    not_invited: int

    @property
    def everyone(self) -> int:
        return self.mentors + self.mentees


def people_counts(scheme: Scheme) -> PeopleCounts:
    """The scheme's :class:`PeopleCounts`, in one query."""
    counts = Participant.objects.filter(scheme=scheme).aggregate(
        mentors=Count("pk", filter=Q(role=ParticipantRole.MENTOR)),
        mentees=Count("pk", filter=Q(role=ParticipantRole.MENTEE)),
        not_invited=Count("pk", filter=NOT_YET_INVITED),
    )
    return PeopleCounts(**counts)


def participants_matching(scheme: Scheme, search: str) -> QuerySet[Participant]:
    """:func:`participants_of` whose name or email holds ``search`` (any case); all if blank."""
    found = participants_of(scheme)
    if search:
        named = Q(user__full_name__icontains=search) | Q(user__email__icontains=search)
        found = found.filter(named)
    return found


def own_participations(user: User) -> ParticipantQuerySet:
    """The user's own participations, newest scheme first, with consent annotated."""
    return (
        Participant.objects.filter(user=user)
        .with_consent()
        .select_related("scheme", "scheme__organisation")
        .order_by("-scheme__created_at", "-pk")
    )


def organisations_for_new_scheme(user: User) -> QuerySet[Organisation]:
    """Organisations in which the user may create a scheme."""
    if user.is_site_admin:
        return Organisation.objects.all()
    return Organisation.objects.filter(members__user=user)


def active_mentees(scheme: Scheme) -> QuerySet[Participant]:
    return (
        Participant.objects.filter(scheme=scheme, status=ParticipantStatus.ACTIVE)
        .mentees()
        .select_related("user")
        .order_by("user__full_name", "pk")
    )


def memberships_of(scheme: Scheme) -> QuerySet[SchemeMembership]:
    """The scheme's staff roles, with their people, ordered by role then name."""
    return (
        SchemeMembership.objects.filter(scheme=scheme)
        .select_related("user")
        .order_by("role", "user__full_name")
    )


def leads_to_contact(scheme_id: int) -> list[User]:
    """The scheme's leads a participant is told to contact, named in what they are
    told about withdrawing (``withdrawal.contact_lead``): active accounts only, by name,
    then email. One query; empty when the scheme has no lead."""
    return list(
        User.objects.filter(
            scheme_memberships__scheme_id=scheme_id,
            scheme_memberships__role=StaffRole.LEAD,
            is_active=True,
        ).order_by("full_name", "email", "pk")
    )


def consenting_participants(scheme: Scheme) -> list[Participant]:
    """The scheme's participants whose current consent agrees to take part, in ID order.

    Each is annotated with ``research_use`` (their current consent allows research use
    of their answers). One query; every participant's ``scheme`` is ``scheme``, so a
    pseudonym costs no query.
    """
    current = Consent.objects.filter(
        participant=OuterRef("pk"), take_part=True, withdrawn_at__isnull=True
    )
    people = list(
        scheme.participants.annotate(
            consented=Exists(current), research_use=Exists(current.filter(research_use=True))
        )
        .filter(consented=True)
        .order_by("pk")
    )
    for person in people:
        person.scheme = scheme
    return people


def research_participant_ids(scheme: Scheme) -> set[int]:
    """Primary keys of the participants whose answers may be used for research (one query)."""
    return {p.pk for p in consenting_participants(scheme) if getattr(p, "research_use", False)}


def last_move(scheme: Scheme) -> PhaseTransition | None:
    """The scheme's latest move to a phase, with who made it (None before the first)."""
    return scheme.transitions.select_related("by").order_by("-at", "-pk").first()
