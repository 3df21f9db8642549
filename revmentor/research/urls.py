"""URLs of the research room.

``staff_urlpatterns`` are one scheme's, mounted in the schemes namespace under
``<pk>/results/``; ``pooled_urlpatterns`` are about several schemes, mounted at
``research/pooled/``.
"""

from __future__ import annotations

from django.urls import path

from revmentor.research import views

staff_urlpatterns = [
    path("", views.results, name="results"),
    path("study-folder.zip", views.study_zip, name="study_folder_zip"),
    path("results.xlsx", views.results_xlsx, name="results_xlsx"),
    path("results.sav", views.results_sav, name="results_sav"),
    path("report/", views.results_report, name="results_report"),
    path("report.pdf", views.results_pdf, name="results_pdf"),
]

pooled_urlpatterns = [
    path("", views.pooled_results, name="pooled_results"),
    path("study-folder.zip", views.pooled_zip, name="pooled_study_folder_zip"),
]
