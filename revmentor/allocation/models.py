"""Allocations: each run of the random allocation, with its seed, inputs and result.

A record is never edited after it is made: re-running makes a new record (with the
reason), publishing marks one. Any record can be re-run to check it reproduces.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from revmentor.schemes.models import Consent, Participant, Scheme, taking_part


class Allocation(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        DISCARDED = "discarded", "Replaced by a re-run"

    class Rule(models.TextChoices):
        ALLOW = "allow", "Allow: treat like any other pair"
        AVOID = "avoid", "Avoid: only when it pairs more people"
        FORBID = "forbid", "Forbid: never pair a mentor with their own supervisor"

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="allocations")
    number = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    algorithm = models.CharField(max_length=60)
    inputs_sha256 = models.CharField(max_length=64)
    record = models.JSONField(help_text="Inputs and result: enough to re-run it.")
    capacity = models.PositiveSmallIntegerField(default=1)
    own_supervisor = models.CharField(max_length=6, choices=Rule.choices, default=Rule.ALLOW)
    reason = models.CharField(max_length=300, blank=True, help_text="Why it was re-run.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("scheme", "-number")
        constraints = [
            models.UniqueConstraint(fields=("scheme", "number"), name="unique_allocation_number"),
            models.UniqueConstraint(
                fields=("scheme",), condition=Q(status="published"), name="one_published_allocation"
            ),
        ]

    def __str__(self) -> str:
        return f"Allocation {self.number} of {self.scheme} ({self.status})"


def ended() -> Q:
    """A filter: the pair has ended — someone of it no longer takes part
    (:func:`~revmentor.schemes.models.taking_part`) and its session was not logged.

    A session logged before they stopped (nothing can be logged after) is done, held or
    not: that pair has not ended, and its session counts as logged wherever pairs are
    counted. The one rule of the allocation page, Sessions and the dashboard's allocation
    and sessions steps (:attr:`Pair.has_ended` reads it, from
    :meth:`PairQuerySet.with_taking_part`).
    """
    return ~(taking_part("mentor") & taking_part("mentee")) & Q(meeting__held__isnull=True)


class PairQuerySet(models.QuerySet["Pair"]):
    def published(self) -> PairQuerySet:
        return self.filter(allocation__status=Allocation.Status.PUBLISHED)

    def published_for(self, people: list[Participant]) -> PairQuerySet:
        """The published pairs with any of ``people`` in them, each person's
        ``*_taking_part`` annotated and their users loaded, in the mentors' name order:
        what a page listing someone's pairs needs, in one query."""
        return (
            self.published()
            .filter(Q(mentor__in=people) | Q(mentee__in=people))
            .with_taking_part()
            .select_related("mentor__user", "mentee__user")
            .order_by("mentor__user__full_name", "pk")
        )

    def with_document_approved(self) -> PairQuerySet:
        """Annotate ``document_approved``: the mentee's feedback document has an approved
        version (what the mentor gives in the session), in the same query."""
        from revmentor.feedback.models import FeedbackDocument

        approved = FeedbackDocument.objects.filter(
            mentee=models.OuterRef("mentee"), approved__isnull=False
        )
        return self.annotate(document_approved=models.Exists(approved))

    def with_taking_part(self) -> PairQuerySet:
        """Annotate ``mentor_taking_part`` and ``mentee_taking_part`` (see
        :func:`revmentor.schemes.models.taking_part`), in the same query: whether each
        person still takes part, so a page of pairs costs no query a pair; and
        ``pair_ended`` (:func:`ended`, joining the pair's meeting), for
        :attr:`Pair.has_ended`."""
        return self.annotate(
            mentor_taking_part=models.ExpressionWrapper(
                taking_part("mentor"), output_field=models.BooleanField()
            ),
            mentee_taking_part=models.ExpressionWrapper(
                taking_part("mentee"), output_field=models.BooleanField()
            ),
            pair_ended=models.ExpressionWrapper(ended(), output_field=models.BooleanField()),
        )

    def with_stopped(self) -> PairQuerySet:
        """:meth:`with_taking_part`, and when each person's latest consent was withdrawn
        (``mentor_consent_withdrawn_at``, ``mentee_consent_withdrawn_at``; None while it
        stands), in the same query: what :meth:`Pair.stopped_on` needs to say when
        someone stopped taking part."""

        def latest_withdrawn(path: str) -> models.Subquery:
            latest = Consent.objects.filter(participant=models.OuterRef(path)).order_by(
                "-given_at", "-pk"
            )
            return models.Subquery(latest.values("withdrawn_at")[:1])

        return self.with_taking_part().annotate(
            mentor_consent_withdrawn_at=latest_withdrawn("mentor_id"),
            mentee_consent_withdrawn_at=latest_withdrawn("mentee_id"),
        )


class Pair(models.Model):
    """A mentor and the mentee they will give the group's feedback to."""

    allocation = models.ForeignKey(Allocation, on_delete=models.CASCADE, related_name="pairs")
    mentor = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="pairs_as_mentor"
    )
    mentee = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="pairs_as_mentee"
    )

    objects = PairQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("allocation", "mentor"), name="one_pair_per_mentor")
        ]

    def __str__(self) -> str:
        return f"{self.mentor} → {self.mentee}"

    def other(self, participant_id: int) -> Participant:
        """The other person of the pair from ``participant_id``'s side."""
        return self.mentee if participant_id == self.mentor_id else self.mentor

    def takes_part(self, participant_id: int) -> bool:
        """Whether the pair's mentor or mentee (by primary key) still takes part; needs
        :meth:`PairQuerySet.with_taking_part`."""
        if participant_id == self.mentor_id:
            return bool(self.mentor_taking_part)  # type: ignore[attr-defined]
        return bool(self.mentee_taking_part)  # type: ignore[attr-defined]

    @property
    def has_ended(self) -> bool:
        """Whether the pair is over: someone of it no longer takes part and its session
        was not logged (:func:`ended`; a published allocation is never drawn again). A
        session logged before they stopped still counts: that pair has not ended. Needs
        :meth:`PairQuerySet.with_taking_part`."""
        return bool(self.pair_ended)  # type: ignore[attr-defined]

    def stopped_on(self, participant_id: int) -> date | None:
        """The day the pair's mentor or mentee (by primary key) stopped taking part: the
        earlier of the withdrawal the lead recorded and the withdrawal of their latest
        consent; None while they take part, or when neither is known (a consent that
        declines). Needs :meth:`PairQuerySet.with_stopped`."""
        if self.takes_part(participant_id):
            return None
        mine = "mentor" if participant_id == self.mentor_id else "mentee"
        person: Participant = getattr(self, mine)
        withdrawn_at = getattr(self, f"{mine}_consent_withdrawn_at", None)
        days = [timezone.localtime(withdrawn_at).date()] if withdrawn_at is not None else []
        if not person.is_active and person.withdrawn_on is not None:
            days.append(person.withdrawn_on)
        return min(days, default=None)
