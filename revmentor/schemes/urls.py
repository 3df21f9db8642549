from __future__ import annotations

from django.urls import include, path

from revmentor.allocation.urls import staff_urlpatterns as allocation_urls
from revmentor.coding.urls import staff_urlpatterns as coding_staff_urls
from revmentor.core.urls import scheme_urlpatterns as audit_urls
from revmentor.feedback.urls import staff_urlpatterns as phase_1_urls
from revmentor.meetings.urls import staff_urlpatterns as meeting_urls
from revmentor.privacy.urls import participant_urlpatterns as privacy_urls
from revmentor.questionnaires.urls import staff_urlpatterns as questionnaire_urls
from revmentor.research import import_views
from revmentor.research.urls import staff_urlpatterns as research_staff_urls
from revmentor.schemes import views

app_name = "schemes"

urlpatterns = [
    path("", views.scheme_list, name="list"),
    path("new/", views.scheme_create, name="create"),
    path("import-study/", import_views.import_study, name="import_study"),
    path("<int:pk>/", views.scheme_detail, name="detail"),
    path("<int:pk>/edit/", views.scheme_edit, name="edit"),
    path("<int:pk>/advance/", views.scheme_advance, name="advance"),
    path("<int:pk>/team/", views.team, name="team"),
    path("<int:pk>/questionnaires/", include(questionnaire_urls)),
    path("<int:pk>/phase-1/", include(phase_1_urls)),
    path("<int:pk>/allocation/", include(allocation_urls)),
    path("<int:pk>/meetings/", include(meeting_urls)),
    path("<int:pk>/results/", include(research_staff_urls)),
    path("<int:pk>/audit/", include(audit_urls)),
    path("<int:pk>/coding/", include(coding_staff_urls)),
    path("<int:pk>/participants/", views.participant_list, name="participants"),
    path("<int:pk>/participants/add/", views.participant_add, name="participant_add"),
    path("<int:pk>/participants/import/", views.participant_import, name="participant_import"),
    path("<int:pk>/participants/invite/", views.participants_invite_all, name="invite_all"),
    path("<int:pk>/participants/supervisors/", views.supervisors, name="supervisors"),
    path(
        "<int:pk>/participants/<int:participant_pk>/",
        views.participant_edit,
        name="participant_edit",
    ),
    path(
        "<int:pk>/participants/<int:participant_pk>/invite/",
        views.participant_invite,
        name="participant_invite",
    ),
    path(
        "<int:pk>/participants/<int:participant_pk>/withdraw/",
        views.participant_withdraw,
        name="participant_withdraw",
    ),
    path("<int:pk>/participants/<int:participant_pk>/", include(privacy_urls)),
]
