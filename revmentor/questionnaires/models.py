"""Questionnaires: instrument versions, a scheme's stages, responses and answers.

An instrument version is immutable once stored: a changed definition is a new version.
A response is one participant's answers at one stage (time point); the database allows
only one per participant and stage, so an answer can never be stored twice.
"""

from __future__ import annotations

import hashlib
import json
from functools import cached_property
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from revmentor.instruments import Domain, Instrument, load_definition
from revmentor.schemes.models import Participant, ParticipantRole, Phase, Scheme


def definition_hash(definition: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()


# Loaded definitions by digest, for the life of the process. A stored version is never
# edited (save() refuses), so its digest names one definition for good; loading validates
# it against the JSON schema, which would otherwise cost milliseconds on every page.
_LOADED: dict[str, Instrument] = {}
_LOADED_MAX = 256


def _loaded(digest: str, definition: dict[str, Any]) -> Instrument:
    found = _LOADED.get(digest)
    if found is None:
        found = load_definition(definition)
        if len(_LOADED) >= _LOADED_MAX:
            _LOADED.pop(next(iter(_LOADED)))  # the oldest: a scheme's custom versions come and go
        _LOADED[digest] = found
    return found


class InstrumentVersion(models.Model):
    """One version of a questionnaire definition, never edited once stored."""

    class Source(models.TextChoices):
        BUILTIN = "builtin", "The study's questionnaires"
        CUSTOM = "custom", "Added by the scheme"
        REDCAP = "redcap", "Imported from REDCap"
        FHIR = "fhir", "Imported from FHIR"

    key = models.SlugField(max_length=64)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    role = models.CharField(max_length=8, choices=ParticipantRole.choices)
    timepoint = models.SlugField(max_length=64)
    definition = models.JSONField()
    digest = models.CharField(max_length=64, editable=False)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.BUILTIN)
    scheme = models.ForeignKey(
        Scheme, null=True, blank=True, on_delete=models.CASCADE, related_name="custom_instruments"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("key", "-version")
        constraints = [
            models.UniqueConstraint(
                fields=("key", "version"),
                condition=Q(scheme__isnull=True),
                name="unique_builtin_version",
            ),
            models.UniqueConstraint(
                fields=("scheme", "key", "version"),
                condition=Q(scheme__isnull=False),
                name="unique_custom_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        digest = definition_hash(self.definition)
        if self.pk and self.digest and digest != self.digest:
            raise ValueError("An instrument version is never edited: store a new version.")
        self.digest = digest
        super().save(*args, **kwargs)

    @cached_property
    def instrument(self) -> Instrument:
        """The definition, loaded and checked once per process for a stored version."""
        if self.pk is None or not self.digest:
            return load_definition(self.definition)
        found = _LOADED.get(self.digest)
        return found if found is not None else _loaded(self.digest, self.definition)


# The time points whose questionnaires are about the one-to-one session (phase 2): only
# the people of a pair of the published allocation answer them
# (``questionnaires.selectors.asked_about_session``). A stage a lead adds is not among
# them, whatever its phase: nothing says it is about the session.
SESSION_TIMEPOINTS: frozenset[str] = frozenset({"pre_session", "post_session"})
# The time point whose questionnaire asks about the time before the session: it closes to
# someone once their session is logged as held, unless they had submitted it
# (``questionnaires.selectors.session_held``), so no "before" answer is given after it.
BEFORE_SESSION = "pre_session"


class Stage(models.Model):
    """A time point of a scheme at which questionnaires are answered.

    Stages that open with their phase open when the lead moves the scheme into it;
    the others (after the group interview, after the session) the lead opens.
    """

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="stages")
    timepoint = models.SlugField(max_length=64)
    label = models.CharField(max_length=100)
    phase = models.CharField(max_length=16, choices=Phase.choices)
    position = models.PositiveSmallIntegerField()
    opens_with_phase = models.BooleanField(default=False)
    opened_at = models.DateTimeField(null=True, blank=True)
    due_days = models.PositiveSmallIntegerField(default=7)
    reminder_days = models.JSONField(
        default=list, help_text="Days after opening on which reminders are sent."
    )

    class Meta:
        ordering = ("scheme", "position")
        constraints = [models.UniqueConstraint(fields=("scheme", "timepoint"), name="unique_stage")]

    def __str__(self) -> str:
        return f"{self.scheme}: {self.label}"

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None

    @property
    def is_about_the_session(self) -> bool:
        """Whether its questionnaires ask about the one-to-one session (before or after)."""
        return self.timepoint in SESSION_TIMEPOINTS

    @property
    def is_before_the_session(self) -> bool:
        """Whether its questionnaires ask about the time before the one-to-one session:
        closed to whoever's session has been held, unless they submitted it."""
        return self.timepoint == BEFORE_SESSION


class SchemeInstrument(models.Model):
    """Which instrument version a role answers at a stage of a scheme, and whether on."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="instruments")
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="instruments")
    role = models.CharField(max_length=8, choices=ParticipantRole.choices)
    version = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT, related_name="+")
    enabled = models.BooleanField(default=True)
    announced_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the people who should answer it were emailed that it was ready.",
    )

    class Meta:
        ordering = ("stage__position", "role")
        constraints = [
            models.UniqueConstraint(fields=("stage", "role"), name="one_instrument_per_stage_role")
        ]

    def __str__(self) -> str:
        return f"{self.version} for {self.role}s at {self.stage}"

    def domains(self) -> list[Domain]:
        return [Domain(d["slug"], d["label"]) for d in self.scheme.domains]


class Response(models.Model):
    """One participant's answers at one stage: a draft until submitted, then locked."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="responses")
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="responses")
    scheme_instrument = models.ForeignKey(
        SchemeInstrument, on_delete=models.PROTECT, related_name="responses"
    )
    version = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("participant", "stage"), name="one_response_per_participant_and_stage"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="submitted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} at {self.stage.label} ({self.status})"

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED


class Answer(models.Model):
    """One answer, exactly as it appears in ``responses.csv`` (item name and value)."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    name = models.CharField(max_length=130)
    value = models.TextField(max_length=5000)

    class Meta:
        ordering = ("response", "pk")
        constraints = [
            models.UniqueConstraint(fields=("response", "name"), name="one_answer_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.name}"
