"""URLs of the audit trail pages."""

from __future__ import annotations

from django.urls import path

from revmentor.core import audit_views

# Mounted in the schemes namespace under schemes/<pk>/audit/ (the scheme's leads).
scheme_urlpatterns = [
    path("", audit_views.scheme_audit, name="audit_trail"),
    path("audit-trail.csv", audit_views.scheme_audit_csv, name="audit_trail_csv"),
]

# Mounted under audit/ (site admins).
urlpatterns = [
    path("", audit_views.site_audit, name="audit_trail"),
    path("audit-trail.csv", audit_views.site_audit_csv, name="audit_trail_csv"),
]
