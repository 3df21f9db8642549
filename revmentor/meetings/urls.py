from __future__ import annotations

from django.urls import path

from revmentor.meetings import views

# Mounted under tasks/<scheme_pk>/ (participants).
participant_urlpatterns = [
    path("meeting/", views.own_meeting, name="own_meeting"),
    path("meeting/<int:pair_pk>/invite.ics", views.own_meeting_ics, name="own_meeting_ics"),
]

# Mounted in the schemes namespace under schemes/<pk>/meetings/ (staff).
staff_urlpatterns = [
    path("", views.scheme_meetings, name="meetings"),
    path("sessions.csv", views.sessions_csv, name="sessions_csv"),
]
