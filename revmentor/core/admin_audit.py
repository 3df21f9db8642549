"""Every add, change and delete made in the Django admin goes into the audit trail.

Django's admin keeps its own log (``LogEntry``), but the audit trail is where a trust's
information governance lead looks, with the client address. :func:`audit_every_admin`
gives every model registered with the admin — ours, allauth's email addresses and
authenticators, groups, the task queue — a ModelAdmin that also records each add,
change and deletion there, naming the fields changed, never their values. It runs once
the admin has found every registration (``CoreConfig.ready``);
``tests/core/test_admin_audit.py`` checks no registration escapes it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from revmentor.core import audit
from revmentor.core.models import AuditEvent


def _changed_fields(message: Any) -> str:
    """The field names a change message of the admin lists (``[{"changed": …}, …]``)."""
    if isinstance(message, str):
        try:
            message = json.loads(message) if message else []
        except ValueError:
            return ""
    names: list[str] = []
    for part in message if isinstance(message, list) else []:
        for kind, detail in part.items() if isinstance(part, dict) else ():
            if kind == "changed":
                names.extend(str(f) for f in detail.get("fields", []))
            elif isinstance(detail, dict) and detail.get("name"):
                names.append(f"{kind} {detail['name']}")
    return ", ".join(names)


class AuditedAdmin(admin.ModelAdmin[Any]):
    """A ModelAdmin whose adds, changes and deletions are also in the audit trail."""

    audited = True

    def log_addition(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        entry = super().log_addition(request, obj, message)
        _record(request, AuditEvent.Action.CREATE, obj, "Added in the admin")
        return entry

    def log_change(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        entry = super().log_change(request, obj, message)
        fields = _changed_fields(message)
        summary = f"Changed in the admin: {fields}" if fields else "Saved unchanged in the admin"
        _record(request, AuditEvent.Action.UPDATE, obj, summary)
        return entry

    def log_deletions(self, request: HttpRequest, queryset: Iterable[models.Model]) -> Any:
        objects = list(queryset)  # logged before they are deleted
        for obj in objects:
            _record(request, AuditEvent.Action.DELETE, obj, "Deleted in the admin")
        return super().log_deletions(request, objects)  # type: ignore[arg-type]


def _record(
    request: HttpRequest, action: AuditEvent.Action, obj: models.Model, summary: str
) -> None:
    audit.record(
        actor=request.user,  # type: ignore[arg-type]
        action=action,
        obj=obj,
        summary=f"{summary} ({obj._meta.verbose_name})",
        scheme_id=getattr(obj, "scheme_id", None),
        request=request,
    )


def audit_every_admin(site: admin.AdminSite = admin.site) -> None:
    """Give each model registered with ``site`` an admin that audits what it writes."""
    for model, model_admin in list(site._registry.items()):
        if getattr(model_admin, "audited", False):
            continue
        audited = type(
            f"Audited{type(model_admin).__name__}", (AuditedAdmin, type(model_admin)), {}
        )
        site.unregister(model)
        site.register(model, audited)
