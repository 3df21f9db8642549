"""Emails to people: one plain-text email from a template, recorded in the audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import models
from django.template.loader import render_to_string
from django.urls import reverse

from revmentor.core import audit
from revmentor.core.models import AuditEvent


def code_sign_in_url() -> str:
    """Where someone without a password asks for a sign-in code (every email says so)."""
    return f"{settings.SITE_URL}{reverse('account_request_login_code')}"


def send_recorded(
    *,
    to: str,
    subject: str,
    template: str,
    context: dict[str, Any],
    about: models.Model,
    summary: str,
    scheme_id: int | None,
    attachments: Sequence[tuple[str, bytes, str]] = (),
) -> None:
    """Send ``emails/<template>.txt`` to the address ``to``, and record that it was sent.

    An email carries personal data (names, times, what someone did) out of the service,
    so each one is an audit event: ``about`` the record it concerns, ``summary`` what it
    said, without its text. The template also gets ``code_sign_in_url``.
    ``attachments``: (file name, content, MIME type) of each file attached, such as a
    calendar file.
    """
    message = EmailMessage(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        body=render_to_string(
            f"emails/{template}.txt", {"code_sign_in_url": code_sign_in_url(), **context}
        ),
        to=[to],
    )
    for name, content, mimetype in attachments:
        message.attach(name, content, mimetype)
    message.send()
    audit.record(
        actor=None,
        action=AuditEvent.Action.SEND,
        obj=about,
        summary=summary,
        scheme_id=scheme_id,
    )
