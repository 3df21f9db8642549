"""Forms for sessions: proposing a time and place, and logging what happened."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django import forms
from django.utils import timezone

from revmentor.core.forms import DateField
from revmentor.meetings.models import MAX_MINUTES, MAX_PLACE, MIN_MINUTES, Meeting


class ProposeForm(forms.Form):
    """Date, time and place of the session. ``starts_at`` is built in the UK time zone."""

    date = DateField(label="Date", what="the date of the session")
    time = forms.TimeField(
        label="Start time",
        help_text="For example, 14:30 or 2:30pm",
        # The 24-hour clock, or the 12-hour clock with am or pm (in any case, spaced or not)
        input_formats=["%H:%M", "%H.%M", "%H%M"]
        + [f"%I{sep}{pm}" for sep in (":%M", ".%M", "") for pm in ("%p", " %p")],
        error_messages={
            "required": "Enter the start time of the session",
            "invalid": "Enter the start time like 14:30 or 2:30pm",
        },
    )
    place = forms.CharField(
        label="Where — a room or a video link",
        help_text="For example, Seminar room 2, or a Microsoft Teams link. "
        "Do not write anything about what you will talk about.",
        max_length=MAX_PLACE,
        error_messages={
            "required": "Enter where you will meet: a room or a video link",
            "max_length": f"Where you will meet must be {MAX_PLACE} characters or fewer",
        },
    )

    def clean(self) -> dict[str, Any]:
        """Refuse a time the clocks skip or repeat on that day in UK time.

        When the clocks go forward (01:00 to 01:59 on the last Sunday of March) the time
        does not exist; when they go back (01:00 to 01:59 on the last Sunday of October)
        it happens twice, so which one is meant is unknown. Both are refused with a
        message at the time field, rather than guessed: sessions then are unlikely, and
        a guess would put an hour's error in both people's calendars.
        """
        data = super().clean() or {}
        day, at = data.get("date"), data.get("time")
        if day is None or at is None:
            return data
        problem = clock_change(datetime.combine(day, at))
        if problem:
            self.add_error("time", problem)
        return data

    def starts_at(self) -> datetime:
        """The start as an aware datetime (call after ``is_valid``)."""
        data = self.cleaned_data
        return timezone.make_aware(datetime.combine(data["date"], data["time"]))


def clock_change(naive: datetime) -> str:
    """Why ``naive`` (a wall-clock time in the site's time zone) cannot be a session's
    start, or '' if it can: it does not exist (the clocks go forward) or happens twice
    (they go back)."""
    zone = timezone.get_current_timezone()
    first, second = naive.replace(fold=0, tzinfo=zone), naive.replace(fold=1, tzinfo=zone)
    day = f"{naive:%-d %B %Y}"
    if first.utcoffset() == second.utcoffset():
        return ""
    # In the gap, the time read back from UTC is not the one typed.
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        return (
            f"That time does not exist on {day} because the clocks go forward: enter another time"
        )
    return (
        f"That time happens twice on {day} because the clocks go back, so it is not clear "
        "which you mean: enter another time"
    )


#: The version a log form sends when its own is missing or garbled: never stored, so the
#: save is treated as coming from a page gone stale. (Likewise the time's ``sequence``
#: posted with Confirm and Cancel.)
UNKNOWN_VERSION = -1


def posted_version(text: str) -> int:
    """A version (or sequence) a page posted in a hidden field, or :data:`UNKNOWN_VERSION`
    if it is missing or garbled."""
    if text.isascii() and text.isdigit() and len(text) <= 9:
        return int(text)
    return UNKNOWN_VERSION


class LogForm(forms.Form):
    """Whether the session took place and how long it lasted, and the version of the
    logged answer the page showed (hidden), so a stale page cannot overwrite a newer one."""

    held = forms.TypedChoiceField(
        label="Did the session take place?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select yes if the session took place",
            "invalid_choice": "Select yes if the session took place",
        },
    )
    duration_minutes = forms.IntegerField(
        label="How long did it last? (minutes)",
        help_text=f"In minutes, from {MIN_MINUTES} to {MAX_MINUTES}. For example, 45",
        required=False,
        min_value=MIN_MINUTES,
        max_value=MAX_MINUTES,
        error_messages={
            "invalid": "Enter how long the session lasted as a number of minutes, like 45",
            "min_value": f"How long the session lasted must be at least {MIN_MINUTES} minute",
            "max_value": f"How long the session lasted must be {MAX_MINUTES} minutes or fewer",
        },
    )

    version = forms.CharField(required=False, widget=forms.HiddenInput)

    @classmethod
    def initial_for(cls, meeting: Meeting | None) -> dict[str, object]:
        """The form filled in with the pair's logged answer and its version."""
        if meeting is None:
            return {"version": 0}
        initial: dict[str, object] = {"version": meeting.log_version}
        if meeting.held is not None:
            initial["held"] = "yes" if meeting.held else "no"
            initial["duration_minutes"] = meeting.duration_minutes
        return initial

    def clean_version(self) -> int:
        """The version posted, or :data:`UNKNOWN_VERSION` if it is missing or garbled (a
        page from before versions, or tampered with): never an error to show."""
        return posted_version(self.cleaned_data.get("version") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        missing = data.get("held") is True and data.get("duration_minutes") is None
        if missing and "duration_minutes" not in self.errors:
            self.add_error("duration_minutes", "Enter how long the session lasted, in minutes")
        if data.get("held") is False:
            data["duration_minutes"] = None
        return data
