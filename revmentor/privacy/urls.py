"""URLs of the data-protection pages, mounted in the schemes namespace under
``<pk>/participants/<participant_pk>/``."""

from __future__ import annotations

from django.urls import path

from revmentor.privacy import views

participant_urlpatterns = [
    path("personal-data.zip", views.personal_data, name="participant_personal_data"),
    path("erase/", views.erase, name="participant_erase"),
]
