"""Forms of the coding workspace."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from revmentor.coding.models import MAX_DESCRIPTION, MAX_LABEL, MAX_MEMO, MAX_NAME, Code
from revmentor.coding.selectors import CodeRow


def _parent_choices(rows: list[CodeRow], exclude: set[int]) -> list[tuple[str, str]]:
    return [("", "None: a top-level code")] + [
        (str(r.code.pk), f"{'— ' * r.depth}{r.code.label} ({r.code.name})")
        for r in rows
        if r.code.pk not in exclude
    ]


class CodeForm(forms.Form):
    """Add or change a code."""

    name = forms.SlugField(
        label="Short name",
        max_length=MAX_NAME,
        help_text="As it appears in codes.csv: lower-case letters, numbers, hyphens and "
        "underscores, for example time_pressure.",
        error_messages={
            "required": "Enter a short name for the code",
            "invalid": "Use only lower-case letters, numbers, hyphens and underscores in the "
            "short name",
            "max_length": f"The short name must be {MAX_NAME} characters or fewer",
        },
    )
    label = forms.CharField(
        label="Label",
        max_length=MAX_LABEL,
        help_text="What readers of Table 1 see, for example 'Pressure of time'.",
        error_messages={
            "required": "Enter a label for the code",
            "max_length": f"The label must be {MAX_LABEL} characters or fewer",
        },
    )
    description = forms.CharField(
        label="Description (optional)",
        max_length=MAX_DESCRIPTION,
        required=False,
        widget=forms.Textarea,
        help_text="When to apply this code, and when not.",
        error_messages={
            "max_length": f"The description must be {MAX_DESCRIPTION} characters or fewer"
        },
    )
    parent = forms.ChoiceField(
        label="Parent code",
        required=False,
        error_messages={"invalid_choice": "Select a parent code from the list"},
    )

    def __init__(
        self, *args: Any, rows: list[CodeRow], exclude: frozenset[int] = frozenset(), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.parents = {r.code.pk: r.code for r in rows}
        self._choices("parent", _parent_choices(rows, set(exclude)))

    def _choices(self, name: str, choices: list[tuple[str, str]]) -> None:
        field = cast(forms.ChoiceField, self.fields[name])
        field.choices = choices

    def clean_name(self) -> str:
        return str(self.cleaned_data["name"]).lower()

    def parent_code(self) -> Code | None:
        """The chosen parent, or None."""
        value = self.cleaned_data.get("parent")
        return self.parents.get(int(value)) if value else None


class MergeForm(forms.Form):
    """Merge a code into another."""

    into = forms.ChoiceField(
        label="Merge into",
        error_messages={
            "required": "Choose the code to merge into",
            "invalid_choice": "Choose the code to merge into from the list",
        },
    )

    def __init__(self, *args: Any, rows: list[CodeRow], code: Code, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.targets = {r.code.pk: r.code for r in rows if r.code.pk != code.pk}
        field = cast(forms.ChoiceField, self.fields["into"])
        field.choices = [("", "Choose a code")] + [
            (str(pk), f"{c.label} ({c.name})") for pk, c in self.targets.items()
        ]

    def target(self) -> Code:
        return self.targets[int(self.cleaned_data["into"])]


class MemoForm(forms.Form):
    """Add a memo to a code."""

    text = forms.CharField(
        label="Memo",
        max_length=MAX_MEMO,
        widget=forms.Textarea,
        help_text="A note for the coders: what the code means, doubts, decisions. Do not copy "
        "answers here.",
        error_messages={"required": "Write the memo before saving it"},
    )


class FilterForm(forms.Form):
    """Which answers the grid shows."""

    # A choice not in the list comes from an old link (a stage or question since removed).
    role = forms.ChoiceField(
        label="Role",
        required=False,
        choices=[
            ("", "Any role"),
            ("mentor", "Mentors (junior doctors)"),
            ("mentee", "Mentees (consultants)"),
        ],
        error_messages={"invalid_choice": "Select a role from the list"},
    )
    stage = forms.ChoiceField(
        label="Stage",
        required=False,
        error_messages={"invalid_choice": "Select a stage from the list"},
    )
    item = forms.ChoiceField(
        label="Question",
        required=False,
        error_messages={"invalid_choice": "Select a question from the list"},
    )
    show = forms.ChoiceField(
        label="Answers",
        required=False,
        choices=[("", "All answers"), ("uncoded", "Only answers I have not coded")],
        error_messages={"invalid_choice": "Select which answers to show from the list"},
    )

    def __init__(
        self, *args: Any, stages: list[tuple[str, str]], items: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, blank, choices in (
            ("stage", "Any stage", stages),
            ("item", "Any question", items),
        ):
            field = cast(forms.ChoiceField, self.fields[name])
            field.choices = [("", blank), *choices]
