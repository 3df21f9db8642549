"""Background work for schemes: sending invitation emails."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task
from sesame.utils import get_query_string

from revmentor.schemes.models import Participant


def invitation_link(participant: Participant) -> str:
    """Return a one-time sign-in link for the participant that lands on Your tasks."""
    query = get_query_string(participant.user)
    return f"{settings.SITE_URL}{reverse('sign_in_link')}{query}&next={reverse('tasks')}"


@task()
def send_invitation(participant_id: int) -> None:
    """Email one participant their invitation with a one-time sign-in link.

    The link works once, for ``SESAME_MAX_AGE``; after that the email tells them how to
    sign in with a code sent to the same address.
    """
    participant = Participant.objects.select_related("user", "scheme__organisation").get(
        pk=participant_id
    )
    context = {
        "participant": participant,
        "scheme": participant.scheme,
        "link": invitation_link(participant),
        "code_sign_in_url": f"{settings.SITE_URL}{reverse('account_request_login_code')}",
        "link_hours": settings.SESAME_MAX_AGE // 3600,
    }
    send_mail(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}you are invited to "
        f"{participant.scheme.name}",
        message=render_to_string("emails/invitation.txt", context),
        from_email=None,
        recipient_list=[participant.user.email],
    )
