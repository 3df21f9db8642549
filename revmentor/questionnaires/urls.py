from __future__ import annotations

from django.urls import path

from revmentor.questionnaires import views

# Mounted under tasks/<scheme_pk>/questionnaires/ (participants).
participant_urlpatterns = [
    path("<slug:timepoint>/", views.start, name="questionnaire"),
    path("<slug:timepoint>/<int:number>/", views.page, name="questionnaire_page"),
    path("<slug:timepoint>/check/", views.check, name="questionnaire_check"),
    path("<slug:timepoint>/submitted/", views.submitted, name="questionnaire_submitted"),
]

# Mounted in the schemes namespace under schemes/<pk>/questionnaires/ (staff).
staff_urlpatterns = [
    path("", views.manage, name="questionnaires"),
    path("stages/<int:stage_pk>/open/", views.stage_open, name="stage_open"),
    path("<int:instrument_pk>/toggle/", views.instrument_toggle, name="instrument_toggle"),
    path("<int:instrument_pk>/responses/", views.responses, name="questionnaire_responses"),
    path("responses/<int:response_pk>/reopen/", views.response_reopen, name="response_reopen"),
    path("<int:instrument_pk>/fhir.json", views.export_fhir, name="export_fhir"),
    path(
        "<int:instrument_pk>/responses.fhir.json",
        views.export_fhir_responses,
        name="export_fhir_responses",
    ),
    path("redcap.csv", views.export_redcap, name="export_redcap"),
    path("responses.csv", views.export_responses_csv, name="export_responses_csv"),
    path("import/", views.import_instrument, name="import_instrument"),
    path("reminders/", views.reminders, name="questionnaire_reminders"),
]
