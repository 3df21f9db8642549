"""A date in three boxes (day, month, year), the NHS.UK date input, on every date field."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django import forms
from django.urls import reverse

from revmentor.core.forms import DateField, ModelMultipleChoiceField
from revmentor.core.models import User
from revmentor.research.forms import NOT_FOUND, PooledForm
from revmentor.schemes.models import Scheme
from tests.forms import date_input
from tests.privacy.test_retention import ClientFor, edit_form


class SessionForm(forms.Form):
    when = DateField(label="Date", what="the date of the session")


class OptionalForm(forms.Form):
    when = DateField(required=False, label="Date", what="the retention date")


def bound(form_class: type[forms.Form], typed: str) -> forms.Form:
    form = form_class(date_input("when", typed))
    form.is_valid()
    return form


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("15 3 2027", date(2027, 3, 15)),
        ("05 03 2027", date(2027, 3, 5)),
        ("15 Mar 2027", date(2027, 3, 15)),
        ("15 march 2027", date(2027, 3, 15)),
        ("1 SEPT. 2027", date(2027, 9, 1)),
        ("29 2 2028", date(2028, 2, 29)),
        ("31 12 9999", date(9999, 12, 31)),
    ],
)
def test_a_date_is_day_month_and_year_with_the_month_as_a_number_or_a_name(
    typed: str, expected: date
) -> None:
    form = bound(SessionForm, typed)
    assert form.errors == {}
    assert form.cleaned_data["when"] == expected


@pytest.mark.parametrize(
    ("typed", "message", "wrong"),
    [
        ("", "Enter the date of the session", ["day", "month", "year"]),
        ("15  2027", "The date of the session must include a month", ["month"]),
        (" 3 ", "The date of the session must include a day and year", ["day", "year"]),
        ("15 3 27", "Year must include 4 numbers", ["year"]),
        ("15 3 ２０２７", "Year must include 4 numbers", ["year"]),
        ("31 4 2027", "The date of the session must be a real date", ["day"]),
        ("29 2 2027", "The date of the session must be a real date", ["day"]),
        ("15 13 2027", "The date of the session must be a real date", ["month"]),
        ("15 Marchember 2027", "The date of the session must be a real date", ["month"]),
        ("٣ 3 2027", "The date of the session must be a real date", ["day"]),
        ("0 0 0000", "The date of the session must be a real date", ["day", "month", "year"]),
    ],
)
def test_each_error_says_what_to_fix_and_marks_only_the_wrong_boxes(
    typed: str, message: str, wrong: list[str]
) -> None:
    form = bound(SessionForm, typed)
    assert form.errors == {"when": [message]}
    assert form["when"].wrong_parts == wrong
    assert form["when"].error_anchor == f"id_when_{wrong[0]}"


def test_an_optional_date_left_empty_is_none_and_a_date_shows_in_its_boxes() -> None:
    assert bound(OptionalForm, "").cleaned_data["when"] is None
    shown = OptionalForm(initial={"when": date(2030, 3, 31)})["when"]
    assert shown.value() == ["31", "3", "2030"]
    assert shown.wrong_parts == []


def test_the_scheme_page_keeps_what_was_typed_and_links_the_error_to_the_wrong_box(
    client_for: ClientFor, lead: User, scheme: Scheme
) -> None:
    url = reverse("schemes:edit", args=[scheme.pk])
    page = client_for(lead).post(url, edit_form(scheme, "31 Feb 2030")).content.decode()
    assert '<a href="#id_retention_date_day">' in page
    assert "The retention date must be a real date" in page
    boxes = {
        part: re.search(rf'<input [^>]*id="id_retention_date_{part}"[^>]*>', page).group(0)
        for part in ("day", "month", "year")
    }
    assert "nhsuk-input--error" in boxes["day"] and 'value="31"' in boxes["day"]
    assert "nhsuk-input--error" not in boxes["month"] and 'value="Feb"' in boxes["month"]
    assert "nhsuk-input--error" not in boxes["year"] and 'value="2030"' in boxes["year"]
    scheme.refresh_from_db()
    assert scheme.retention_date is None

    edit = client_for(lead).get(url).content.decode()
    assert 'name="retention_date_day"' in edit and 'name="retention_date"' not in edit


@pytest.mark.parametrize("number", ["9223372036854775808", "-9223372036854775809", "9" * 40])
def test_a_choice_of_many_refuses_a_number_no_id_can_hold_as_not_found(
    lead: User, scheme: Scheme, number: str
) -> None:
    form = PooledForm({"scheme": [str(scheme.pk), number]}, schemes=Scheme.objects.all())
    assert not form.is_valid()
    assert form.errors == {"scheme": [NOT_FOUND]}
    field = ModelMultipleChoiceField(queryset=Scheme.objects.all())
    with pytest.raises(forms.ValidationError):
        field.clean([number])
    assert field.clean([str(scheme.pk)]).get() == scheme
