"""A pair's one-to-one session: when and where it is, and whether it took place.

The session is held in confidence and never recorded. This model keeps only what the
method allows: the arrangements, that it happened and how long it lasted. There is no
field for what was said, and ``tests/meetings/test_no_content_fields.py`` fails if one is
added.

Whether it took place and its length are one answer for the pair (``sessions.csv`` has
one duration a pair), which either person may give. So that neither silently overwrites
the other, the meeting also keeps who gave the answer and when, whether the other person
confirmed it, the answer it replaced when one person changed what the other had logged,
and a version that moves on with every change, against saves from a page gone stale.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from revmentor.allocation.models import Pair
from revmentor.schemes.models import Participant

MAX_PLACE = 200
MIN_MINUTES = 1
MAX_MINUTES = 600
#: The place of an online session known only to have been online (no link).
ONLINE = "Online"


class Meeting(models.Model):
    """The session of one published pair (at most one per pair)."""

    pair = models.OneToOneField(Pair, on_delete=models.CASCADE, related_name="meeting")
    starts_at = models.DateTimeField("Proposed start", null=True, blank=True)
    place = models.CharField(
        "Where — a room or a video link",
        max_length=MAX_PLACE,
        blank=True,
        help_text="A room or a video link only: never what the session is about.",
    )
    # Each new time raises the sequence, so calendars replace the old invite.
    sequence = models.PositiveIntegerField(default=0)
    proposed_at = models.DateTimeField(null=True, blank=True)
    proposed_by = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    held = models.BooleanField("The session took place", null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    logged_at = models.DateTimeField(null=True, blank=True)
    logged_by = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Raised each time whether it took place or its length changes; the log form carries
    # the version it showed, so a save from a page opened before a change is refused.
    log_version = models.PositiveIntegerField(default=0)
    # The other person of the pair confirmed the logged answer as it now stands.
    agreed_at = models.DateTimeField(null=True, blank=True)
    agreed_by = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The answer ``logged_by`` changed when they corrected what the other person had
    # logged or confirmed (empty otherwise): "changed from 45 to 60 minutes by …".
    previous_held = models.BooleanField(null=True, blank=True)
    previous_minutes = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ("pair",)
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__isnull=True)
                | Q(duration_minutes__gte=MIN_MINUTES, duration_minutes__lte=MAX_MINUTES),
                name="meeting_duration_in_range",
            ),
            # A held session has a duration; one not held (or not logged) has none.
            # Written so that a NULL ``held`` cannot make the check pass by being unknown.
            models.CheckConstraint(
                condition=Q(duration_minutes__isnull=True) | Q(held__isnull=False, held=True),
                name="meeting_duration_only_when_held",
            ),
            models.CheckConstraint(
                condition=Q(held__isnull=True) | Q(held=False) | Q(duration_minutes__isnull=False),
                name="meeting_held_has_duration",
            ),
            models.CheckConstraint(
                condition=Q(confirmed_at__isnull=True) | Q(starts_at__isnull=False),
                name="meeting_confirmed_has_start",
            ),
            # The answer replaced by a correction obeys the same rules as the answer.
            models.CheckConstraint(
                condition=Q(previous_minutes__isnull=True)
                | Q(
                    previous_held__isnull=False,
                    previous_held=True,
                    previous_minutes__gte=MIN_MINUTES,
                    previous_minutes__lte=MAX_MINUTES,
                ),
                name="meeting_previous_duration_only_when_held",
            ),
            models.CheckConstraint(
                condition=Q(previous_held__isnull=True)
                | Q(previous_held=False)
                | Q(previous_minutes__isnull=False),
                name="meeting_previous_held_has_duration",
            ),
            # Only a logged answer can have been corrected or confirmed.
            models.CheckConstraint(
                condition=Q(previous_held__isnull=True, agreed_at__isnull=True)
                | Q(held__isnull=False),
                name="meeting_corrected_or_agreed_only_when_logged",
            ),
        ]

    def __str__(self) -> str:
        return f"Session of {self.pair}"

    @property
    def is_proposed(self) -> bool:
        return self.starts_at is not None

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def is_logged(self) -> bool:
        return self.held is not None

    @property
    def was_corrected(self) -> bool:
        """Whether ``logged_by`` changed an answer the other person had logged or confirmed."""
        return self.previous_held is not None

    @property
    def is_online(self) -> bool:
        """Whether the place is a video link rather than a room, or is just "Online"
        (as a session imported from a study data folder says)."""
        return self.place.strip().lower() == ONLINE.lower() or looks_like_link(self.place)


def looks_like_link(place: str) -> bool:
    """Whether ``place`` is a web address (``https://…``, ``www.…``): an online session."""
    text = place.strip().lower()
    return text.startswith(("http://", "https://", "www.")) or (
        " " not in text and "." in text and "/" in text
    )
