"""URLs of the coding workspace, mounted in the schemes namespace under ``<pk>/coding/``."""

from __future__ import annotations

from django.urls import path

from revmentor.coding import views

staff_urlpatterns = [
    path("", views.workspace, name="coding"),
    path("codebook/", views.codebook_page, name="coding_codebook"),
    path("codes/<int:code_pk>/", views.code_page, name="coding_code"),
    path("codes/<int:code_pk>/merge/", views.code_merge, name="coding_code_merge"),
    path("codes/<int:code_pk>/memo/", views.code_memo, name="coding_code_memo"),
    path("finish/", views.finish, name="coding_finish"),
    path("reopen/", views.reopen, name="coding_reopen"),
    path("blind/", views.blind, name="coding_blind"),
    path("agreement/", views.agreement, name="coding_agreement"),
    path("decide/", views.decide, name="coding_decide"),
]
