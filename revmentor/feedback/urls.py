from __future__ import annotations

from django.urls import path

from revmentor.feedback import views, willingness_views

# Mounted in the schemes namespace under schemes/<pk>/phase-1/ (staff).
staff_urlpatterns = [
    path("interview/", views.interview, name="interview"),
    path("interview/notes/<int:mentee_pk>/", views.notes, name="interview_notes"),
    path(
        "interview/contributions/<int:contribution_pk>/merge/",
        views.contribution_merge,
        name="contribution_merge",
    ),
    path("interview/transcript/", views.transcript, name="interview_transcript"),
    path("documents/", views.documents, name="documents"),
    path("documents/<int:mentee_pk>/", views.document, name="document"),
    path("documents/<int:mentee_pk>/compile/", views.document_compile, name="document_compile"),
    path("documents/<int:mentee_pk>/approve/", views.document_approve, name="document_approve"),
    path("documents/<int:mentee_pk>/pdf/", views.document_pdf, name="document_pdf"),
    path("willingness/", willingness_views.matrix, name="willingness"),
    path("willingness.csv", willingness_views.export_csv, name="willingness_csv"),
]

# Mounted under tasks/<scheme_pk>/ (participants).
participant_urlpatterns = [
    path("willingness/", willingness_views.own, name="own_willingness"),
    path("feedback/", views.own_feedback_list, name="own_feedback"),
    path("feedback/<int:mentee_pk>/", views.own_feedback, name="own_feedback_mentee"),
    path("documents/<int:mentee_pk>/", views.released_document, name="released_document"),
    path(
        "documents/<int:mentee_pk>/pdf/", views.released_document_pdf, name="released_document_pdf"
    ),
]
