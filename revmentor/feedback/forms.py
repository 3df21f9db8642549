"""Forms for phase 1."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from revmentor.core.forms import DateField, ModelMultipleChoiceField, retention_date_checked
from revmentor.feedback.services import NAMES_CHECKED
from revmentor.schemes.models import Participant

# Said at the box when a version that may name a mentor is approved without it ticked.
NAMES_NOT_CHECKED = "Select to confirm you have checked that these words do not name a mentor"
# Said at the Approve section when the version approved is no longer the latest.
VERSION_CHANGED = (
    "The document has changed since you opened it. Read it again before you approve it"
)
# Said at each section that names a mentor, when its version was to be approved, after
# what it names ("Strengths names Dr Hannah Hughes").
NAMES_A_MENTOR = (
    "{names}. Remove the names and save the document as a new version, then approve that version"
)


class InterviewForm(forms.Form):
    held_on = DateField(
        required=False, label="Date of the group interview", what="the date of the group interview"
    )
    facilitator: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=Participant.objects.none(),
        required=False,
        empty_label="Not recorded",
        error_messages={"invalid_choice": "Select the facilitator from the list"},
    )
    mentors_present = ModelMultipleChoiceField(
        queryset=Participant.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Mentors present",
        error_messages={
            "invalid_choice": "Select the mentors present from the list",
            "invalid_pk_value": "Select the mentors present from the list",
            "invalid_list": "Select the mentors present from the list",
        },
    )

    def __init__(self, *args: Any, staff: Any, mentors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facilitator"].queryset = staff  # type: ignore[attr-defined]
        self.fields["mentors_present"].queryset = mentors  # type: ignore[attr-defined]


class TranscriptForm(forms.Form):
    file = forms.FileField(
        label="Transcript (a plain text file)",
        error_messages={"required": "Choose a text file to upload"},
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".txt"):
            raise forms.ValidationError("The transcript must be a plain text file ending in .txt")
        if upload.size > 1024 * 1024:
            raise forms.ValidationError("The transcript must be smaller than 1 MB")
        try:
            return str(upload.read().decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise forms.ValidationError(
                "Save the transcript as UTF-8 text and upload it again"
            ) from None


class RetentionForm(forms.Form):
    retention_date = DateField(
        required=False,
        label="Delete the transcript and identifiers after",
        what="the retention date",
        example="31 3 2028",
    )

    def clean_retention_date(self) -> date | None:
        return retention_date_checked(self)


class ApprovalForm(forms.Form):
    """Approving the latest version of a document. The box is asked for only when the
    version may name a mentor; the service decides whether it had to be ticked
    (``services.NamesNotChecked``), and the view then puts NAMES_NOT_CHECKED at it."""

    names_checked = forms.BooleanField(required=False, label=NAMES_CHECKED)
