"""Phase 1: the group interview, online contributions, feedback documents, willingness.

No model here has a field naming which mentor said what in a document: notes belong to
the group, contributions are merged into notes without their author, and documents are
built from notes only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from revmentor.schemes.models import Participant, Scheme


class GroupInterview(models.Model):
    """The scheme's group interview: when, who facilitated, which mentors were there."""

    scheme = models.OneToOneField(Scheme, on_delete=models.CASCADE, related_name="interview")
    held_on = models.DateField(null=True, blank=True)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    mentors_present = models.ManyToManyField(Participant, blank=True, related_name="+")
    transcript = models.TextField(blank=True, max_length=500_000)
    transcript_added_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Group interview of {self.scheme}"


class Note(models.Model):
    """The group's notes about one mentee in one domain, typed by the facilitator."""

    interview = models.ForeignKey(GroupInterview, on_delete=models.CASCADE, related_name="notes")
    mentee = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    domain = models.SlugField(max_length=64)
    text = models.TextField(blank=True, max_length=10_000)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("interview", "mentee", "domain"), name="one_note")
        ]

    def __str__(self) -> str:
        return f"Notes on {self.mentee} ({self.domain})"


class Contribution(models.Model):
    """One mentor's own online feedback about one mentee in one domain.

    Only its author sees it with their name; the facilitator sees contributions
    unattributed and merges them into the group's notes.
    """

    mentor = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="contributions")
    mentee = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    domain = models.SlugField(max_length=64)
    text = models.TextField(max_length=5_000)
    merged_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("mentor", "mentee", "domain"), name="one_contribution"),
            models.CheckConstraint(condition=~Q(mentor=models.F("mentee")), name="not_self"),
        ]

    def __str__(self) -> str:
        return f"Contribution about {self.mentee} ({self.domain})"


class FeedbackDocument(models.Model):
    """The group's feedback for one mentee; its versions keep what was approved."""

    mentee = models.OneToOneField(Participant, on_delete=models.CASCADE, related_name="document")
    approved = models.ForeignKey(
        "DocumentVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"Feedback document for {self.mentee}"


class DocumentVersion(models.Model):
    """One version of a feedback document: its text by domain. Never edited."""

    document = models.ForeignKey(
        FeedbackDocument, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    sections = models.JSONField()  # [{"domain": slug, "label": label, "text": text}]
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The possible mentor names (a first name or surname alone) whoever approved it checked
    # and said do not name a mentor who gave the feedback, each as naming.checked_key
    # gives it: [domain, kind, mentor's participant id, the word in lower case]. Set on
    # approval. The word is one the version's own text holds, so this keeps nothing the
    # version does not (erasure deletes them together, with the mentee's document).
    names_checked = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ("document", "-number")
        constraints = [
            models.UniqueConstraint(fields=("document", "number"), name="unique_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"


class Willingness(models.Model):
    """Whether a mentor is willing to mentor a mentee."""

    mentor = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="willingness")
    mentee = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    willing = models.BooleanField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=("mentor", "mentee"), name="one_willingness")]

    def __str__(self) -> str:
        return f"{self.mentor} → {self.mentee}: {'yes' if self.willing else 'no'}"
