"""Forms for sessions: proposing a time and place, and logging what happened."""

from __future__ import annotations

from datetime import datetime
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

    def starts_at(self) -> datetime:
        """The start as an aware datetime (call after ``is_valid``)."""
        data = self.cleaned_data
        return timezone.make_aware(datetime.combine(data["date"], data["time"]))


#: The version a log form sends when its own is missing or garbled: never stored, so the
#: save is treated as coming from a page gone stale.
UNKNOWN_VERSION = -1


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
        text = self.cleaned_data.get("version") or ""
        if text.isascii() and text.isdigit() and len(text) <= 9:
            return int(text)
        return UNKNOWN_VERSION

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        missing = data.get("held") is True and data.get("duration_minutes") is None
        if missing and "duration_minutes" not in self.errors:
            self.add_error("duration_minutes", "Enter how long the session lasted, in minutes")
        if data.get("held") is False:
            data["duration_minutes"] = None
        return data
