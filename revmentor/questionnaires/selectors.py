"""Reads for questionnaires, in a fixed number of queries whatever the scheme's size."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from revmentor.instruments import Instrument
from revmentor.questionnaires.models import InstrumentVersion, Response, SchemeInstrument, Stage
from revmentor.schemes.models import Consent, Participant, ParticipantStatus, Scheme


@dataclass(frozen=True)
class QuestionnaireTask:
    """One questionnaire in Your tasks."""

    participant_id: int
    stage: Stage
    title: str
    status: str  # "not_started", "draft" or "submitted"
    due: date | None

    @property
    def is_overdue(self) -> bool:
        return (
            self.status != "submitted" and self.due is not None and self.due < timezone.localdate()
        )


def due_date(stage: Stage) -> date | None:
    if stage.opened_at is None:
        return None
    return timezone.localdate(stage.opened_at + timedelta(days=stage.due_days))


def tasks_for(participations: list[Participant]) -> dict[int, list[QuestionnaireTask]]:
    """Open questionnaires of each (active, consented) participation, in stage order.

    Three queries, however many schemes and questionnaires there are.
    """
    eligible = [p for p in participations if p.is_active and getattr(p, "has_consent", False)]
    if not eligible:
        return {}
    instruments = (
        SchemeInstrument.objects.filter(
            scheme_id__in={p.scheme_id for p in eligible},
            enabled=True,
            stage__opened_at__isnull=False,
        )
        .select_related("stage", "version")
        .order_by("stage__position")
    )
    statuses = dict(
        Response.objects.filter(participant__in=eligible).values_list("stage_id", "status")
    )
    found: dict[int, list[QuestionnaireTask]] = {}
    for instrument in instruments:
        for p in eligible:
            if p.scheme_id == instrument.scheme_id and p.role == instrument.role:
                found.setdefault(p.pk, []).append(
                    QuestionnaireTask(
                        participant_id=p.pk,
                        stage=instrument.stage,
                        title=instrument.version.title,
                        status=statuses.get(instrument.stage_id, "not_started"),
                        due=due_date(instrument.stage),
                    )
                )
    return found


@dataclass(frozen=True)
class State:
    """Where one participant is with one questionnaire."""

    instrument: SchemeInstrument
    definition: Instrument
    response: Response | None
    answers: dict[str, str]

    @property
    def submitted(self) -> bool:
        return self.response is not None and self.response.is_submitted


def state(participant: Participant, instrument: SchemeInstrument) -> State:
    """The participant's response (if any), its answers, and the definition it follows."""
    response = (
        Response.objects.select_related("version")
        .filter(participant=participant, stage_id=instrument.stage_id)
        .first()
    )
    version: InstrumentVersion = response.version if response else instrument.version
    answers = dict(response.answers.values_list("name", "value")) if response else {}
    return State(instrument, version.instrument, response, answers)


def _eligible(scheme_id: int) -> Q:
    consented = Consent.objects.filter(
        participant=OuterRef("pk"), take_part=True, withdrawn_at__isnull=True
    )
    return Q(scheme_id=scheme_id, status=ParticipantStatus.ACTIVE) & Q(Exists(consented))


def outstanding(stage: Stage) -> list[tuple[Participant, InstrumentVersion]]:
    """Active, consented participants who should answer at this stage and have not submitted."""
    pairs: list[tuple[Participant, InstrumentVersion]] = []
    instruments = SchemeInstrument.objects.filter(stage=stage, enabled=True).select_related(
        "version"
    )
    for instrument in instruments:
        submitted = Response.objects.filter(
            participant=OuterRef("pk"), stage=stage, status=Response.Status.SUBMITTED
        )
        people = (
            Participant.objects.filter(_eligible(stage.scheme_id), role=instrument.role)
            .exclude(Exists(submitted))
            .select_related("user")
            .order_by("pk")
        )
        pairs.extend((person, instrument.version) for person in people)
    return pairs


@dataclass(frozen=True)
class Completion:
    instrument: SchemeInstrument
    submitted: int
    drafts: int
    eligible: int


def completion(scheme: Scheme) -> list[Completion]:
    """Per questionnaire of the scheme: submitted, drafts, and people who should answer."""
    instruments = list(
        SchemeInstrument.objects.filter(scheme=scheme)
        .select_related("stage", "version")
        .annotate(
            submitted=Count("responses", filter=Q(responses__status=Response.Status.SUBMITTED)),
            drafts=Count("responses", filter=Q(responses__status=Response.Status.DRAFT)),
        )
        .order_by("stage__position", "role")
    )
    eligible = dict(
        Participant.objects.filter(_eligible(scheme.pk))
        .values("role")
        .annotate(n=Count("pk"))
        .values_list("role", "n")
    )
    return [Completion(i, i.submitted, i.drafts, eligible.get(i.role, 0)) for i in instruments]


def responses_of(scheme: Scheme, instrument: SchemeInstrument) -> list[Response]:
    """Every response to one questionnaire of the scheme, with its participant."""
    return list(
        Response.objects.filter(scheme_instrument=instrument, stage__scheme=scheme)
        .select_related("participant__user")
        .order_by("participant__user__full_name")
    )


def stages_of(scheme: Scheme) -> list[Stage]:
    return list(Stage.objects.filter(scheme=scheme).order_by("position"))


def stage_in(scheme: Scheme, pk: int) -> Stage:
    found = Stage.objects.select_related("scheme").filter(scheme=scheme, pk=pk).first()
    if found is None:
        raise Http404("No such stage in this scheme.")
    return found


def instrument_in(scheme: Scheme, pk: int) -> SchemeInstrument:
    found = (
        SchemeInstrument.objects.select_related("version", "stage")
        .filter(scheme=scheme, pk=pk)
        .first()
    )
    if found is None:
        raise Http404("No such questionnaire in this scheme.")
    return found


def response_in(scheme: Scheme, pk: int) -> Response:
    found = (
        Response.objects.select_related("participant__user", "stage")
        .filter(stage__scheme=scheme, pk=pk)
        .first()
    )
    if found is None:
        raise Http404("No such response in this scheme.")
    return found


def instruments_of(scheme: Scheme) -> list[SchemeInstrument]:
    """The scheme's questionnaires in stage order."""
    return list(
        SchemeInstrument.objects.filter(scheme=scheme)
        .select_related("version", "stage", "scheme")
        .order_by("stage__position", "role")
    )


def submitted_responses(
    scheme: Scheme, participant_ids: Collection[int] | None = None
) -> list[Response]:
    """The scheme's submitted responses with their answers, in stage then participant order.

    Only those of ``participant_ids`` when given. Two queries (responses, then answers)
    whatever the number; each participant's ``scheme`` is loaded, so pseudonyms cost none.
    """
    found = Response.objects.filter(stage__scheme=scheme, status=Response.Status.SUBMITTED)
    if participant_ids is not None:
        found = found.filter(participant_id__in=participant_ids)
    return list(
        found.select_related("participant__scheme", "version", "stage")
        .prefetch_related("answers")
        .order_by("stage__position", "participant_id")
    )
