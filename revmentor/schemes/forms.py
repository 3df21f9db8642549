"""Forms for schemes and participants. Error messages say what to do."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms

from revmentor.core.forms import DateField, retention_date_checked
from revmentor.schemes.models import (
    Grade,
    Organisation,
    Participant,
    ParticipantRole,
    Sex,
    StaffRole,
)


def one_of(what: str, values: list[str]) -> str:
    """The message for a value not among ``values``: on a page, or in a CSV file's cell."""
    listed = " or ".join([", ".join(values[:-1]), values[-1]] if len(values) > 1 else values)
    return f"Use {listed} for {what}, not “%(value)s”"


NAME_LENGTH = "The name must be 200 characters or fewer"
SPECIALTY_LENGTH = "The specialty must be 200 characters or fewer"
REASON_LENGTH = "The reason must be 300 characters or fewer"

YES_NO_UNKNOWN = [("", "Not known"), ("yes", "Yes"), ("no", "No")]


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class SchemeCreateForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        empty_label=None,
        error_messages={
            "required": "Select the organisation that runs the scheme",
            "invalid_choice": "Select the organisation that runs the scheme from the list",
        },
    )
    name = forms.CharField(
        max_length=200,
        error_messages={"required": "Enter a name for the scheme", "max_length": NAME_LENGTH},
    )
    specialty = forms.CharField(
        max_length=200,
        error_messages={
            "required": "Enter the specialty, for example cardiology",
            "max_length": SPECIALTY_LENGTH,
        },
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class SchemeEditForm(forms.Form):
    name = forms.CharField(
        max_length=200,
        error_messages={"required": "Enter a name for the scheme", "max_length": NAME_LENGTH},
    )
    specialty = forms.CharField(
        max_length=200,
        error_messages={"required": "Enter the specialty", "max_length": SPECIALTY_LENGTH},
    )
    domains = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="One domain a line. Can be changed only before phase 1 starts.",
        error_messages={"required": "Enter at least one domain"},
    )
    information_sheet = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 12}),
        error_messages={"required": "Enter the information sheet participants read"},
    )
    information_sheet_version = forms.CharField(
        max_length=20,
        error_messages={
            "required": "Enter the version of the information sheet",
            "max_length": "The version must be 20 characters or fewer",
        },
    )
    release_documents_to_mentees = forms.BooleanField(
        required=False,
        label="Mentees may read their feedback document after their one-to-one session",
    )
    retention_date = DateField(
        required=False,
        label="Retention date",
        what="the retention date",
        help_text=(
            "The day after this date, the interview transcript and every participant's name "
            "and email are deleted. Answers stay, with no name, where consent allows research "
            "use. Leave empty to keep data until you set a date. For example, 31 3 2030"
        ),
    )

    def clean_retention_date(self) -> date | None:
        return retention_date_checked(self)

    def clean_domains(self) -> list[dict[str, str]]:
        labels = [line.strip() for line in self.cleaned_data["domains"].splitlines()]
        labels = [label for label in labels if label]
        domains: list[dict[str, str]] = []
        seen: set[str] = set()
        for label in labels:
            slug = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
            slug = {"use_of_technology": "technology"}.get(slug, slug)
            if not slug:
                raise forms.ValidationError(f"Use letters or numbers in the domain “{label}”")
            if slug in seen:
                raise forms.ValidationError(f"The domain “{label}” is listed twice")
            seen.add(slug)
            domains.append({"slug": slug, "label": label})
        if not domains:
            raise forms.ValidationError("Enter at least one domain")
        return domains


class ParticipantDetailsForm(forms.Form):
    """Demographics of a participant, shared by the add and edit forms and the CSV import."""

    grade = forms.ChoiceField(
        choices=[("", "Not given"), *Grade.choices],
        required=False,
        error_messages={"invalid_choice": one_of("the grade", Grade.values)},
    )
    sex = forms.ChoiceField(
        choices=[("", "Not given"), *Sex.choices],
        required=False,
        error_messages={"invalid_choice": one_of("sex", Sex.values)},
    )
    age = forms.IntegerField(
        required=False,
        min_value=16,
        max_value=100,
        error_messages={
            "invalid": "Enter age as a whole number, like 34",
            "min_value": "Age must be 16 or more",
            "max_value": "Age must be 100 or less",
        },
    )
    years_as_consultant = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=60,
        error_messages={
            "invalid": "Enter years as consultant as a whole number, like 12",
            "min_value": "Years as consultant must be 0 or more",
            "max_value": "Years as consultant must be 60 or less",
        },
    )
    previous_mentoring = forms.ChoiceField(
        choices=YES_NO_UNKNOWN,
        required=False,
        label="Has mentored before",
        error_messages={
            "invalid_choice": one_of("has mentored before (or leave it empty)", ["yes", "no"])
        },
    )

    def clean_previous_mentoring(self) -> bool | None:
        return _yes_no(self.cleaned_data.get("previous_mentoring") or "")


class PersonForm(forms.Form):
    """Who someone is: the fields shared by adding a participant and a team member."""

    full_name = forms.CharField(
        max_length=200,
        label="Full name",
        error_messages={
            "required": "Enter their full name",
            "max_length": "Their full name must be 200 characters or fewer",
        },
    )
    email = forms.EmailField(
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address in the correct format, like name@nhs.net",
            "max_length": "Their email address must be 320 characters or fewer",
        }
    )


class ParticipantAddForm(PersonForm, ParticipantDetailsForm):
    role = forms.ChoiceField(
        choices=ParticipantRole.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether they are a mentor or a mentee",
            "invalid_choice": one_of("the role", ParticipantRole.values),
        },
    )
    field_order = ["full_name", "email", "role"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("role") == ParticipantRole.MENTOR
            and data.get("years_as_consultant") is not None
        ):
            self.add_error("years_as_consultant", "Leave years as consultant empty for a mentor")
        return data


class ParticipantEditForm(ParticipantDetailsForm):
    supervisor = forms.ModelChoiceField(
        queryset=Participant.objects.none(),
        required=False,
        empty_label="Not set",
        label="Their own clinical supervisor",
        error_messages={"invalid_choice": "Select their supervisor from the list"},
    )

    def __init__(self, *args: Any, participant: Participant, mentees: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.participant = participant
        if participant.role == ParticipantRole.MENTOR:
            self.fields["supervisor"].queryset = mentees  # type: ignore[attr-defined]
            self.fields["supervisor"].label_from_instance = lambda p: str(p.user)  # type: ignore[attr-defined]
            del self.fields["years_as_consultant"]
        else:
            del self.fields["supervisor"]


class ParticipantsImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        error_messages={"required": "Choose a CSV file to upload"},
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("The file must be a CSV file (ending in .csv)")
        if upload.size > 1024 * 1024:
            raise forms.ValidationError("The file must be smaller than 1 MB")
        return upload


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter why they are withdrawing, for example leaving the trust",
            "max_length": REASON_LENGTH,
        },
    )


class ConsentForm(forms.Form):
    take_part = forms.BooleanField(
        label="I have read the information sheet and agree to take part",
        error_messages={"required": "Confirm that you agree to take part"},
    )
    research_use = forms.BooleanField(
        required=False,
        label="My answers may be used for research, with my name and email removed",
    )


class MembershipForm(PersonForm):
    role = forms.ChoiceField(
        choices=StaffRole.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the role they will have",
            "invalid_choice": "Select the role they will have",
        },
    )


class ParticipantSearchForm(forms.Form):
    """Find participants by name or email on the participants page."""

    q = forms.CharField(
        label="Find a participant",
        help_text="All or part of their name or email address",
        required=False,
        max_length=254,
        strip=True,
        error_messages={"max_length": "Enter 254 characters or fewer"},
    )

    def search(self) -> str:
        """What to look for: blank when nothing (or something too long) was entered."""
        return str(self.cleaned_data.get("q") or "") if self.is_valid() else ""


class MoveOnForm(forms.Form):
    """Confirm a move to the next phase; the tick is asked for only when something is
    unfinished in the phase being left."""

    confirm = forms.BooleanField(
        required=False, label="I have read what is unfinished and want to move on anyway"
    )

    def __init__(self, *args: Any, unfinished: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unfinished = unfinished

    def clean_confirm(self) -> bool:
        confirmed = bool(self.cleaned_data.get("confirm"))
        if self.unfinished and not confirmed:
            raise forms.ValidationError(
                "Tick the box to confirm that you want to move on with these things unfinished"
            )
        return confirmed
