from __future__ import annotations

from django.urls import path

from revmentor.allocation import views

# Mounted in the schemes namespace under schemes/<pk>/allocation/.
staff_urlpatterns = [
    path("", views.allocation, name="allocation"),
    path("<int:allocation_pk>/publish/", views.publish, name="allocation_publish"),
    path("<int:allocation_pk>/verify/", views.verify, name="allocation_verify"),
    path("<int:allocation_pk>/record.json", views.record, name="allocation_record"),
]
