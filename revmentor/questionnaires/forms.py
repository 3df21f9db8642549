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
        error_messages={"required": "Select who answers the questionnaire"},
    )
    label = forms.CharField(
        max_length=100,
        label="When it is answered",
        help_text="For example, Three months after the session",
        error_messages={"required": "Enter when the questionnaire is answered"},
    )
    phase = forms.ChoiceField(
        choices=[(p.value, p.label) for p in Phase if p not in (Phase.SETUP, Phase.CLOSED)],
        label="In which phase it can be opened",
        error_messages={"required": "Select the phase"},
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
