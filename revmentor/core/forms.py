"""Forms shared by every room: a date in three boxes; a choice of many rows; the audit
trail's filters; the stand-in for allauth's security-key form."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.forms.boundfield import BoundField
from django.utils import timezone

from revmentor.core.models import AuditEvent
from revmentor.core.selectors import AuditFilters

PARTS = ("day", "month", "year")
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}


class DateInput(forms.MultiWidget):
    """Day, month and year in three boxes, posted as ``NAME_day``, ``NAME_month`` and
    ``NAME_year``; pages draw it with the NHS.UK date input (``f.date`` in ``_forms.jinja``).
    """

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({part: forms.TextInput for part in PARTS}, attrs)

    def decompress(self, value: Any) -> list[str | None]:
        return _parts(value) if isinstance(value, date) else [None, None, None]


def _parts(value: date) -> list[str | None]:
    return [str(value.day), str(value.month), str(value.year)]


class DateBoundField(BoundField):
    """A date field on a form, which knows which of its boxes are wrong."""

    @property
    def wrong_parts(self) -> list[str]:
        """The boxes to mark as wrong: those an error names, or all three."""
        if not self.errors:
            return []
        params = self.errors.as_data()[0].params or {}
        return list(params.get("parts", PARTS))

    @property
    def error_anchor(self) -> str:
        """The id the error summary links to: the first wrong box."""
        wrong = self.wrong_parts
        return f"{self.auto_id}_{wrong[0] if wrong else 'day'}"


class DateField(forms.Field):
    """A date entered as day, month and year, each in its own box (the NHS.UK pattern).

    ``what`` names the date in error messages: "Enter the date of the session", "The date
    of the session must include a month", "... must be a real date". A month may be a
    number or a name ("3", "Mar", "March"); a year has four digits. Only ASCII digits are
    numbers. Each error says which boxes are wrong, and only those are marked.
    """

    widget = DateInput

    def __init__(self, *, what: str, example: str = "15 3 2027", **kwargs: Any) -> None:
        self.what = what
        kwargs.setdefault("help_text", f"For example, {example}")
        kwargs["error_messages"] = {"required": f"Enter {what}", **kwargs.get("error_messages", {})}
        super().__init__(**kwargs)

    def get_bound_field(self, form: forms.BaseForm, field_name: str) -> DateBoundField:
        return DateBoundField(form, self, field_name)

    def prepare_value(self, value: Any) -> Any:
        return _parts(value) if isinstance(value, date) else value

    def to_python(self, value: Any) -> date | None:
        if isinstance(value, date):
            return value
        given = list(value) if isinstance(value, (list, tuple)) else []
        day, month, year = (str(part or "").strip() for part in (given + [None] * 3)[:3])
        if not (day or month or year):
            return None
        subject = self.what[:1].upper() + self.what[1:]
        missing = [name for name, part in zip(PARTS, (day, month, year), strict=True) if not part]
        if missing:
            raise forms.ValidationError(
                f"{subject} must include a {' and '.join(missing)}",
                code="incomplete",
                params={"parts": missing},
            )
        day_number = int(day) if re.fullmatch(r"[0-9]{1,2}", day) else 0
        if re.fullmatch(r"[0-9]{1,2}", month):
            month_number = int(month)
        else:
            month_number = MONTHS.get(month.lower().rstrip("."), 0)
        if not re.fullmatch(r"[0-9]{4}", year):
            raise forms.ValidationError(
                "Year must include 4 numbers", code="year", params={"parts": ["year"]}
            )
        wrong = [
            name
            for name, good in (
                ("day", 1 <= day_number <= 31),
                ("month", 1 <= month_number <= 12),
                ("year", int(year) >= 1),
            )
            if not good
        ]
        if not wrong:
            try:
                return date(int(year), month_number, day_number)
            except ValueError:
                wrong = ["day"]  # 31 April, or 29 February outside a leap year
        raise forms.ValidationError(
            f"{subject} must be a real date", code="invalid", params={"parts": wrong}
        )


def retention_date_checked(form: forms.Form) -> date | None:
    """The form's ``retention_date``, refused when it is today or earlier, unless it is
    the date already set (shown again when other details are saved).

    The day after the date the transcript and every identifier are deleted, at once if
    the date has passed: a mistyped year must not do that.
    """
    value: date | None = form.cleaned_data.get("retention_date")
    if value is None or value > timezone.localdate():
        return value
    if value == form.initial.get("retention_date"):
        return value
    raise forms.ValidationError(
        "The retention date must be after today: on the day after it, the transcript and "
        "every participant's name and email are deleted",
        code="past",
    )


#: The range of a 64-bit database integer, the widest id column there is.
ID_RANGE = range(-(2**63), 2**63)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's, refusing a number too large for any id column as not one of the choices.

    Django looks the chosen ids up with ``id IN (...)``, which SQLite cannot bind when a
    number is beyond 64 bits (OverflowError: a server error, not a form error).
    """

    def clean(self, value: Any) -> Any:
        for chosen in value if isinstance(value, (list, tuple)) else ():
            text = str(chosen).strip()
            if re.fullmatch(r"[+-]?[0-9]+", text) and int(text) not in ID_RANGE:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": chosen},
                )
        return super().clean(value)


class AuditFilterForm(forms.Form):
    """Narrow the audit trail by action and by who did it. Both are optional."""

    action = forms.ChoiceField(
        label="Action",
        required=False,
        choices=[("", "Any action")]
        + [(value, str(label).capitalize()) for value, label in AuditEvent.Action.choices],
        error_messages={"invalid_choice": "Select an action from the list"},
    )
    actor = forms.CharField(
        label="Who did it",
        help_text="All or part of their email address",
        required=False,
        max_length=254,
        error_messages={"max_length": "Enter 254 characters or fewer"},
    )

    def filters(self) -> AuditFilters:
        """The filters to apply: none at all if the form has errors."""
        if not self.is_valid():
            return AuditFilters()
        return AuditFilters(
            action=self.cleaned_data["action"],
            actor_email=self.cleaned_data["actor"].strip(),
        )


class NoSecurityKeyForm(forms.Form):
    """Takes the place of allauth's security-key (WebAuthn) sign-in form (``MFA_FORMS``).

    We offer no security keys (``MFA_SUPPORTED_TYPES``), yet allauth's code page reads a
    POST without a code as one and parses its ``credential`` as JSON, which deeply nested
    brackets turn into a RecursionError. This form refuses such a POST without reading it.
    """

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        raise forms.ValidationError("Enter the code from your authenticator app")
