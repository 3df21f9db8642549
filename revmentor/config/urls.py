from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from revmentor.core import session_time
from revmentor.core import views as core_views
from revmentor.feedback import urls as feedback_urls
from revmentor.meetings import urls as meeting_urls
from revmentor.questionnaires import urls as questionnaire_urls
from revmentor.research import urls as research_urls
from revmentor.schemes import participant_views

# The admin's own sign-in page would take a password alone: send it to ours, which asks
# site admins for their authenticator code too.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

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
    path("research/pooled/", include(research_urls.pooled_urlpatterns)),
    path("audit/", include("revmentor.core.urls")),
    path("sign-in/link/", core_views.sign_in_link, name="sign_in_link"),
    path("session/", session_time.session_status, name="session_status"),
    path("session/extend/", session_time.session_extend, name="session_extend"),
    # The email address is the identity, set by whoever invites a person: allauth's page
    # for adding and changing addresses is not offered (same name, so links still build).
    path("accounts/email/", core_views.not_offered, name="account_email"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
