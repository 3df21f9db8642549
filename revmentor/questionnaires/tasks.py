"""Questionnaire emails, run by the task worker: one when a stage opens, reminders when due."""

from __future__ import annotations

import logging

from django.conf import settings
from django.urls import reverse
from django_tasks import task

from revmentor.core.mail import send_recorded

logger = logging.getLogger(__name__)


@task()
def send_stage_opened(stage_id: int, role: str = "") -> int:
    """Tell everyone who should answer at this stage that its questionnaire is ready.

    Sent when the stage opens (or, with ``role``, when that role's questionnaire is
    switched on at an open stage) to the people reminders go to: active, consented, and
    not yet submitted. Returns how many emails were sent.
    """
    return _email_outstanding(
        stage_id, "questionnaire_ready", "questionnaire to answer", "Sent questionnaire", role
    )


@task()
def send_stage_reminders(stage_id: int) -> int:
    """Email everyone who should answer at this stage and has not submitted yet.

    Withdrawn people, people without current consent and people who have submitted are
    never reminded. Returns how many emails were sent.
    """
    return _email_outstanding(stage_id, "questionnaire_reminder", "reminder", "Sent reminder")


def _email_outstanding(
    stage_id: int, template: str, subject: str, summary: str, role: str = ""
) -> int:
    """Send ``emails/<template>.txt`` to each person yet to answer at an open stage.

    ``role``: only the people of that role (everyone's when empty).
    """
    from revmentor.questionnaires import selectors
    from revmentor.questionnaires.models import Stage

    stage = Stage.objects.select_related("scheme").filter(pk=stage_id).first()
    if stage is None or not stage.is_open:
        return 0
    due = selectors.due_date(stage)
    sent = 0
    for participant, version in selectors.outstanding(stage, role):
        context = {
            "participant": participant,
            "scheme": stage.scheme,
            "title": version.title,
            "due": due,
            "link": f"{settings.SITE_URL}{reverse('tasks')}",
        }
        send_recorded(
            to=participant.user.email,
            subject=f"{subject}: {version.title}",
            template=template,
            context=context,
            about=participant,
            summary=f"{summary}: {version.title}",
            scheme_id=stage.scheme_id,
        )
        sent += 1
    logger.info("Sent %s emails (%s) for stage %s", sent, template, stage_id)
    return sent
