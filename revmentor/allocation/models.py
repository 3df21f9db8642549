"""Allocations: each run of the random allocation, with its seed, inputs and result.

A record is never edited after it is made: re-running makes a new record (with the
reason), publishing marks one. Any record can be re-run to check it reproduces.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from revmentor.schemes.models import Participant, Scheme


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


class Pair(models.Model):
    """A mentor and the mentee they will give the group's feedback to."""

    allocation = models.ForeignKey(Allocation, on_delete=models.CASCADE, related_name="pairs")
    mentor = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="pairs_as_mentor"
    )
    mentee = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="pairs_as_mentee"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("allocation", "mentor"), name="one_pair_per_mentor")
        ]

    def __str__(self) -> str:
        return f"{self.mentor} → {self.mentee}"
