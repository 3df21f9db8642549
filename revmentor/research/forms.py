"""Forms of the research room."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from revmentor.core.forms import ModelMultipleChoiceField
from revmentor.schemes.models import Scheme

NOT_FOUND = "A scheme you chose was not found. Choose schemes from the list."
TOO_FEW = "Select two or more schemes to analyse together"


class PooledForm(forms.Form):
    """Which schemes to pool: two or more of ``schemes`` (those the user may export).

    A number that is not one of ``schemes`` (no such scheme, or one the user may not
    export) gets the same "not found" error, so the form tells nothing about schemes the
    user cannot see.
    """

    scheme = ModelMultipleChoiceField(
        queryset=Scheme.objects.none(),
        error_messages={
            "required": TOO_FEW,
            "invalid_choice": NOT_FOUND,
            "invalid_pk_value": NOT_FOUND,
            "invalid_list": NOT_FOUND,
        },
    )

    def __init__(self, *args: Any, schemes: QuerySet[Scheme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = schemes  # type: ignore[attr-defined]

    def clean_scheme(self) -> list[Scheme]:
        """The chosen schemes in order of number; two or more."""
        chosen = sorted(self.cleaned_data["scheme"], key=lambda s: s.pk)
        if len(chosen) < 2:
            raise forms.ValidationError(TOO_FEW)
        return chosen
