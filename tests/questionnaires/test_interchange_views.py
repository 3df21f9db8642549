from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from revmentor.core.models import AuditEvent, User
from revmentor.questionnaires.interchange import pseudonym
from revmentor.questionnaires.models import SchemeInstrument, Stage
from revmentor.research.export import study_folder
from revmentor.schemes.models import Participant, ParticipantRole, Scheme
from tests.factories import ConsentFactory, ParticipantFactory
from tests.questionnaires.conftest import FULL_MENTOR_PRE, submit_whole

ClientFor = Callable[[User | None], Client]


def test_responses_csv_has_the_study_folder_columns_and_no_names(
    client_for: ClientFor,
    researcher: User,
    scheme: Scheme,
    open_stage: Stage,
    consented_mentor: Participant,
) -> None:
    submit_whole(consented_mentor, open_stage)
    body = (
        client_for(researcher)
        .get(reverse("schemes:export_responses_csv", args=[scheme.pk]))
        .content.decode()
    )
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["participant_id", "role", "timepoint", "item", "value"]
    assert len(rows) == 1 + len(FULL_MENTOR_PRE)
    assert {r[2] for r in rows[1:]} == {"pre_phase1"}
    assert ["confidence.clinical_practice", "3"] in [r[3:] for r in rows[1:]]
    assert consented_mentor.user.full_name not in body and consented_mentor.user.email not in body
    assert AuditEvent.objects.filter(action="export", summary="Exported responses.csv").exists()


def test_answers_of_someone_who_declined_research_use_are_in_neither_download(
    client_for: ClientFor,
    researcher: User,
    scheme: Scheme,
    open_stage: Stage,
    consented_mentor: Participant,
) -> None:
    declined = ConsentFactory(
        participant=ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTOR),
        research_use=False,
    ).participant
    for person in (consented_mentor, declined):
        submit_whole(person, open_stage)
    client = client_for(researcher)
    body = client.get(reverse("schemes:export_responses_csv", args=[scheme.pk])).content.decode()
    ids = {row["participant_id"] for row in csv.DictReader(io.StringIO(body))}
    assert ids == {pseudonym(consented_mentor)}
    # The same people as the study data folder's responses.csv.
    assert body.encode() == study_folder(scheme)["responses.csv"]

    instrument = open_stage.instruments.get()
    bundle = json.loads(
        client.get(
            reverse("schemes:export_fhir_responses", args=[scheme.pk, instrument.pk])
        ).content
    )
    subjects = {entry["resource"]["subject"]["reference"] for entry in bundle["entry"]}
    assert subjects == {f"Patient/{pseudonym(consented_mentor)}"}


def test_each_instrument_downloads_as_a_fhir_questionnaire(
    client_for: ClientFor, lead: User, scheme: Scheme
) -> None:
    instrument = SchemeInstrument.objects.get(scheme=scheme, version__key="mentor_pre_phase1")
    response = client_for(lead).get(reverse("schemes:export_fhir", args=[scheme.pk, instrument.pk]))
    resource = json.loads(response.content)
    assert resource["resourceType"] == "Questionnaire"
    assert "attachment" in response["Content-Disposition"]


def test_the_redcap_dictionary_round_trips_through_import(
    client_for: ClientFor, lead: User, scheme: Scheme
) -> None:
    client = client_for(lead)
    dictionary = client.get(reverse("schemes:export_redcap", args=[scheme.pk])).content.decode()
    assert dictionary.startswith('"Variable / Field Name"') or dictionary.startswith(
        "Variable / Field Name"
    )
    one_form = [dictionary.splitlines()[0]] + [
        line for line in dictionary.splitlines()[1:] if ",mentor_pre_phase1," in line
    ]
    upload = SimpleUploadedFile(
        "dd.csv", ("\n".join(one_form) + "\n").encode(), content_type="text/csv"
    )
    response = client.post(
        reverse("schemes:import_instrument", args=[scheme.pk]),
        {"file": upload, "role": "mentor", "label": "Six months on", "phase": "analysis"},
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    stage = Stage.objects.get(scheme=scheme, timepoint="six_months_on")
    imported = stage.instruments.get()
    assert imported.version.source == "redcap"
    assert [i.name for i in imported.version.instrument.items] == [
        "understanding",
        "concerns",
        "concerns_text",
        "importance",
        "confidence",
        "ability",
    ]


def test_an_unmappable_fhir_item_is_named_and_nothing_is_added(
    client_for: ClientFor, lead: User, scheme: Scheme
) -> None:
    questionnaire = {
        "resourceType": "Questionnaire",
        "status": "active",
        "url": "https://trust.example/Questionnaire/wellbeing",
        "item": [{"linkId": "when", "text": "When did it happen?", "type": "date"}],
    }
    upload = SimpleUploadedFile(
        "q.json", json.dumps(questionnaire).encode(), content_type="application/json"
    )
    stages_before = Stage.objects.filter(scheme=scheme).count()
    response = client_for(lead).post(
        reverse("schemes:import_instrument", args=[scheme.pk]),
        {"file": upload, "role": "mentee", "label": "Wellbeing", "phase": "phase_2"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "could not be added" in body and "when" in body
    assert Stage.objects.filter(scheme=scheme).count() == stages_before
