from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from revmentor.core import views as core_views
from revmentor.feedback import urls as feedback_urls
from revmentor.meetings import urls as meeting_urls
from revmentor.questionnaires import urls as questionnaire_urls
from revmentor.schemes import participant_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("about/", core_views.about, name="about"),
    path("tasks/", participant_views.tasks, name="tasks"),
    path("tasks/<int:scheme_pk>/consent/", participant_views.consent, name="consent"),
    path(
        "tasks/<int:scheme_pk>/consent/withdraw/",
        participant_views.consent_withdraw,
        name="consent_withdraw",
    ),
    path(
        "tasks/<int:scheme_pk>/questionnaires/",
        include(questionnaire_urls.participant_urlpatterns),
    ),
    path("tasks/<int:scheme_pk>/", include(feedback_urls.participant_urlpatterns)),
    path("tasks/<int:scheme_pk>/", include(meeting_urls.participant_urlpatterns)),
    path("schemes/", include("revmentor.schemes.urls")),
    path("sign-in/link/", core_views.sign_in_link, name="sign_in_link"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
