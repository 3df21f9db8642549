"""Questionnaires in and out: FHIR, REDCap and the study data folder's responses.csv.

The conversions themselves are pure (``revmentor.instruments.fhir``, ``.redcap``,
``.studyfolder``); this module feeds them the scheme's data and stores imports.
"""

from __future__ import annotations

import io
import json
import re

from django.db import transaction

from revmentor.core import audit
from revmentor.core.models import AuditEvent, User
from revmentor.instruments import Instrument, fhir, load_definition, redcap, studyfolder
from revmentor.instruments.problems import ImportProblem
from revmentor.questionnaires import selectors
from revmentor.questionnaires.models import (
    InstrumentVersion,
    SchemeInstrument,
    Stage,
)
from revmentor.schemes import selectors as scheme_selectors
from revmentor.schemes.models import Participant, Phase, Scheme


def pseudonym(participant: Participant) -> str:
    """The participant's research ID: random, drawn when they were added, unique in the scheme.

    It carries no name or email and is worked out from nothing; only someone with the
    database can map it back. A participant imported from a study data folder keeps the ID
    they had there, so exporting an imported scheme gives back the same IDs. Participants
    added before IDs were stored keep the ID they had then (schemes migration 0005).
    """
    return participant.research_id


def questionnaire_json(instrument: SchemeInstrument) -> str:
    """The instrument as a FHIR Questionnaire, with the scheme's domains."""
    resource = fhir.instrument_to_questionnaire(instrument.version.instrument, instrument.domains())
    return json.dumps(resource, indent=2, ensure_ascii=False)


def data_dictionary(scheme: Scheme, instruments: list[SchemeInstrument]) -> str:
    """Every instrument of the scheme as one REDCap data dictionary (one form each)."""
    domains = instruments[0].domains() if instruments else []
    return redcap.instruments_to_data_dictionary(
        [i.version.instrument for i in instruments], domains
    )


def responses_csv(*, actor: User, scheme: Scheme) -> str:
    """``responses.csv`` of the study data folder: every submitted answer, pseudonymised,
    of the people whose current consent allows research use (as in the folder itself).

    The export is recorded in the audit trail.
    """
    domains = SchemeInstrument(scheme=scheme).domains()
    research = scheme_selectors.research_participant_ids(scheme)
    rows = [
        row
        for response in selectors.submitted_responses(scheme, research)
        for row in studyfolder.answer_rows(
            pseudonym(response.participant),
            response.version.instrument,
            domains,
            {a.name: a.value for a in response.answers.all()},
        )
    ]
    out = io.StringIO()
    timepoints = list(
        Stage.objects.filter(scheme=scheme).order_by("position").values_list("timepoint", flat=True)
    )
    studyfolder.write_responses_csv(rows, out, timepoints=timepoints)
    audit.record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        obj=scheme,
        summary="Exported responses.csv",
        scheme_id=scheme.pk,
    )
    return out.getvalue()


def responses_bundle(*, actor: User, instrument: SchemeInstrument) -> str:
    """Every submitted response to one questionnaire as FHIR QuestionnaireResponses
    in a ``collection`` Bundle, each checked against the Questionnaire: only those of
    people whose current consent allows research use, as in the study data folder."""
    domains = instrument.domains()
    entries = []
    research = scheme_selectors.research_participant_ids(instrument.scheme)
    for response in selectors.submitted_responses(instrument.scheme, research):
        if response.scheme_instrument_id != instrument.pk:
            continue
        resource = fhir.response_to_questionnaire_response(
            response.version.instrument,
            domains,
            {a.name: a.value for a in response.answers.all()},
            subject_ref=f"Patient/{pseudonym(response.participant)}",
            authored=response.submitted_at.isoformat() if response.submitted_at else None,
        )
        entries.append({"resource": resource})
    audit.record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        obj=instrument,
        summary=f"Exported FHIR responses: {instrument.version.title}",
        scheme_id=instrument.scheme_id,
    )
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}, indent=2)


def _slug(text: str) -> str:
    """The time point of a stage labelled ``text``: what a definition's ``timepoint``
    allows (a letter, then letters, digits and underscores; 2 to 64 characters)."""
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:60] or "custom"
    return slug if re.fullmatch(r"[a-z][a-z0-9_]+", slug) else f"stage_{slug}"


def _has_nul(value: object) -> bool:
    """Whether a parsed definition holds a NUL character, which no database stores."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


@transaction.atomic
def instrument_import(
    *, actor: User, scheme: Scheme, content: str, kind: str, role: str, label: str, phase: Phase
) -> SchemeInstrument:
    """Import a REDCap data dictionary or a FHIR Questionnaire as custom questionnaires.

    Each becomes a new stage of the scheme (``label``, opened by the lead in ``phase``),
    answered by ``role``. Raises ImportProblem listing everything that cannot be mapped;
    nothing is stored then.
    """
    timepoint = _slug(label)
    if Stage.objects.filter(scheme=scheme, timepoint=timepoint).exists():
        raise ImportProblem(
            [f"The scheme already has a stage called “{label}”: choose another name."]
        )
    domains = SchemeInstrument(scheme=scheme).domains()
    instruments: list[Instrument]
    if kind == "fhir":
        try:
            data = json.loads(content)
        except json.JSONDecodeError as error:
            raise ImportProblem(
                [f"The file is not JSON: {error.msg} (line {error.lineno})."]
            ) from None
        except RecursionError:
            raise ImportProblem(
                ["The file is not a FHIR Questionnaire: it nests too deeply."]
            ) from None
        if not isinstance(data, dict):
            raise ImportProblem(
                ["The file is not a FHIR Questionnaire: it must hold one JSON object, in { }."]
            )
        instruments = [
            fhir.questionnaire_to_instrument(data, role=role, timepoint=timepoint, domains=domains)
        ]
    else:
        instruments = redcap.data_dictionary_to_instruments(content, role=role, domains=domains)
    if len(instruments) != 1:
        raise ImportProblem(
            [f"The file holds {len(instruments)} forms: import one questionnaire at a time."]
        )
    instrument = instruments[0]
    position = (
        Stage.objects.filter(scheme=scheme)
        .order_by("-position")
        .values_list("position", flat=True)
        .first()
        or 0
    ) + 1
    stage = Stage.objects.create(
        scheme=scheme,
        timepoint=timepoint,
        label=label,
        phase=phase,
        position=position,
        reminder_days=[3],
    )
    number = InstrumentVersion.objects.filter(scheme=scheme, key=instrument.key).count() + 1
    definition = {**instrument.to_dict(), "timepoint": timepoint, "role": role, "version": number}
    if _has_nul(definition):
        raise ImportProblem(["The file holds a hidden null character: remove it and try again."])
    load_definition(definition)  # still valid once bound to the stage
    version = InstrumentVersion.objects.create(
        key=instrument.key,
        version=number,
        title=instrument.title,
        role=role,
        timepoint=timepoint,
        definition=definition,
        source=InstrumentVersion.Source.FHIR if kind == "fhir" else InstrumentVersion.Source.REDCAP,
        scheme=scheme,
    )
    bound = SchemeInstrument.objects.create(scheme=scheme, stage=stage, role=role, version=version)
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=stage,
        summary=f"Imported a questionnaire ({kind}) as stage {label}",
        scheme_id=scheme.pk,
    )
    return bound
