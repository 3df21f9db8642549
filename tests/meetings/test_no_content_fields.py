"""The session is never recorded: no model may hold what was said in it.

These tests read every model of every revmentor app. Adding a "notes" or "summary" field
to a session or a pair, here or in any other app, makes them fail.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models

from revmentor.allocation.models import Pair
from revmentor.meetings.models import Meeting

MEETING_FIELDS = {
    "id",
    "pair",
    "starts_at",
    "place",
    "sequence",
    "proposed_at",
    "proposed_by",
    "confirmed_at",
    "confirmed_by",
    "held",
    "duration_minutes",
    "logged_at",
    "logged_by",
    # Who confirmed the logged answer, the answer a correction replaced, and a version
    # against stale pages: yes/no, minutes, people and times, never words.
    "agreed_at",
    "agreed_by",
    "previous_held",
    "previous_minutes",
    "log_version",
}
# Fields of the phase 2 apps that can hold text someone typed, and why each is allowed.
ALLOWED_TEXT = {
    "meetings.Meeting.place": "a room or a video link, at most 200 characters",
    "allocation.Allocation.algorithm": "the algorithm's version name",
    "allocation.Allocation.inputs_sha256": "a hash",
    "allocation.Allocation.reason": "why the lead re-ran the allocation",
    "allocation.Allocation.record": "the allocation's inputs and result",
}


def _revmentor_models() -> list[type[models.Model]]:
    return [
        model
        for config in apps.get_app_configs()
        if config.name.startswith("revmentor.")
        for model in config.get_models()
    ]


def _holds_text(field: models.Field) -> bool:
    """Whether a person could type free text into the field."""
    if isinstance(field, models.TextField | models.JSONField | models.FileField):
        return True
    return isinstance(field, models.CharField) and not field.choices


def test_the_apps_under_test_are_installed() -> None:
    labels = {config.label for config in apps.get_app_configs()}
    assert {"meetings", "allocation"} <= labels
    assert Meeting in _revmentor_models() and Pair in _revmentor_models()


def test_a_meeting_has_exactly_the_expected_fields() -> None:
    names = {field.name for field in Meeting._meta.get_fields() if field.concrete}
    assert names == MEETING_FIELDS, "a session must store nothing of what was said"


def test_the_phase_2_apps_have_no_free_text_beyond_the_allowed_fields() -> None:
    found = {
        f"{model._meta.label}.{field.name}"
        for model in _revmentor_models()
        if model._meta.app_label in ("meetings", "allocation")
        for field in model._meta.get_fields()
        if field.concrete and _holds_text(field)  # type: ignore[arg-type]
    }
    assert found == set(ALLOWED_TEXT)


def test_there_is_no_text_field_in_meetings() -> None:
    text = [
        f"{model.__name__}.{field.name}"
        for model in apps.get_app_config("meetings").get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.TextField)
    ]
    assert text == []


def test_the_place_is_short() -> None:
    place = Meeting._meta.get_field("place")
    assert isinstance(place, models.CharField) and place.max_length == 200
    assert str(place.verbose_name) == "Where — a room or a video link"


def test_no_model_in_any_app_attaches_text_to_a_session_or_a_pair() -> None:
    """A model elsewhere pointing at a meeting or pair (a "session notes" table) fails."""
    offenders = [
        f"{model._meta.label}.{field.name}"
        for model in _revmentor_models()
        if model not in (Meeting, Pair)
        and any(
            isinstance(f, models.ForeignKey | models.OneToOneField)
            and f.related_model in (Meeting, Pair)
            for f in model._meta.get_fields()
        )
        for field in model._meta.get_fields()
        if field.concrete and _holds_text(field)  # type: ignore[arg-type]
    ]
    assert offenders == []
