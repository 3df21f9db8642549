"""Forms for running questionnaires."""

from __future__ import annotations

from typing import Any

from django import forms

from revmentor.schemes.models import ParticipantRole, Phase

MAX_IMPORT_BYTES = 512 * 1024


class InstrumentImportForm(forms.Form):
    file = forms.FileField(
        label="REDCap data dictionary (.csv) or FHIR Questionnaire (.json)",
        error_messages={"required": "Choose a file to upload"},
    )
    role = forms.ChoiceField(
        choices=ParticipantRole.choices,
        widget=forms.RadioSelect,
        label="Who answers it",
        error_messages={
            "required": "Select who answers the questionnaire",
            "invalid_choice": "Select who answers the questionnaire",
        },
    )
    label = forms.CharField(
        max_length=100,
        label="When it is answered",
        help_text="For example, Three months after the session",
        error_messages={
            "required": "Enter when the questionnaire is answered",
            "max_length": "When it is answered must be 100 characters or fewer",
        },
    )
    phase = forms.ChoiceField(
        choices=[(p.value, p.label) for p in Phase if p not in (Phase.SETUP, Phase.CLOSED)],
        label="In which phase it can be opened",
        error_messages={"required": "Select the phase", "invalid_choice": "Select the phase"},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is None:
            return data
        name = upload.name.lower()
        if not name.endswith((".csv", ".json")):
            self.add_error(
                "file", "The file must be a REDCap data dictionary (.csv) or FHIR JSON (.json)"
            )
        elif upload.size > MAX_IMPORT_BYTES:
            self.add_error("file", "The file must be smaller than 512 KB")
        else:
            try:
                data["content"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("file", "Save the file as UTF-8 and upload it again")
            data["kind"] = "fhir" if name.endswith(".json") else "redcap"
        return data


class RemindersForm(forms.Form):
    reminder_days = forms.CharField(
        max_length=60,
        label="Send reminders this many days after a questionnaire opens",
        help_text="Separate several with commas, for example 3, 7. Leave empty for none.",
        required=False,
        error_messages={"max_length": "Enter at most 60 characters of reminder days"},
    )
    due_days = forms.IntegerField(
        min_value=1,
        max_value=90,
        label="Questionnaires are due this many days after they open",
        error_messages={
            "required": "Enter after how many days questionnaires are due",
            "invalid": "Enter a whole number of days, like 7",
            "min_value": "Enter 1 day or more",
            "max_value": "Enter 90 days or fewer",
        },
    )

    def clean_reminder_days(self) -> list[int]:
        parts = [p.strip() for p in self.cleaned_data["reminder_days"].split(",") if p.strip()]
        if not all(p.isascii() and p.isdigit() and 1 <= int(p) <= 90 for p in parts):
            raise forms.ValidationError("Enter whole numbers of days from 1 to 90, like 3, 7")
        return sorted({int(p) for p in parts})
