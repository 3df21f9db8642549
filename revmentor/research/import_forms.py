"""The form of "Import a study data folder": the new scheme's details and the zip."""

from __future__ import annotations

from typing import Any

from django import forms

from revmentor.research.unzip import MAX_ZIP_BYTES
from revmentor.schemes.forms import SchemeCreateForm


class StudyImportForm(SchemeCreateForm):
    """Organisation, name and specialty as for a new scheme, plus the folder as a zip."""

    file = forms.FileField(
        label="Study data folder (.zip)",
        error_messages={"required": "Choose the zip file of the study data folder"},
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".zip"):
            raise forms.ValidationError("The file must be a zip file (ending in .zip)")
        if upload.size > MAX_ZIP_BYTES:
            raise forms.ValidationError(
                f"The file must be smaller than {MAX_ZIP_BYTES // (1024 * 1024)} MB"
            )
        return upload
