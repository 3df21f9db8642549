"""Background work for schemes: sending invitation emails, the confirmation that a
participant's consent is withdrawn, and the one that someone managing the scheme has
withdrawn them."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task
from sesame.utils import get_query_string

from revmentor.core.mail import send_recorded
from revmentor.schemes.models import Consent, Participant, ParticipantStatus
from revmentor.schemes.selectors import leads_to_contact
from revmentor.schemes.withdrawal import contact_lead, what_happens, what_happens_withdrawn


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


@task()
def send_consent_withdrawn(consent_id: int) -> int:
    """Email a participant that their consent (``consent_id``, withdrawn) is withdrawn,
    and what happens now to their data, in the words the page said before
    (:func:`withdrawal.what_happens`); return the number of emails sent.

    Someone the lead had already withdrawn from the scheme is told only what happens to
    their answers. Nothing is sent for a consent not withdrawn, nor to a placeholder
    address (an imported or erased person).
    """
    consent = Consent.objects.select_related("participant__user", "participant__scheme").get(
        pk=consent_id
    )
    participant = consent.participant
    if consent.withdrawn_at is None or not participant.can_be_emailed:
        return 0
    scheme = participant.scheme
    leads = leads_to_contact(scheme.pk)
    send_recorded(
        to=participant.user.email,
        subject=f"your consent to take part in {scheme.name} is withdrawn",
        template="consent_withdrawn",
        context={
            "participant": participant,
            "scheme": scheme,
            "withdrawn_at": consent.withdrawn_at,
            "what_happens": what_happens(taking_part=participant.is_active, leads=leads),
            "taking_part": participant.is_active,
            "contact": contact_lead(leads),
            "link": f"{settings.SITE_URL}{reverse('tasks')}",
        },
        about=participant,
        summary="Sent the confirmation that their consent is withdrawn",
        scheme_id=scheme.pk,
    )
    return 1


@task()
def send_participant_withdrawn(participant_id: int) -> int:
    """Email a participant whom someone managing the scheme withdrew that they no longer
    take part, and what happens now to their data, in the words of
    :func:`withdrawal.what_happens_withdrawn`; return the number of emails sent.

    Never the reason given for it: only the scheme's leads see that. Sent only while they
    are withdrawn with their consent to take part standing: someone who had withdrawn
    their consent (before, or since this was queued) was told then what it means
    (:func:`send_consent_withdrawn`) and is not emailed again. Nothing is sent to a
    placeholder address (an imported or erased person), nor for a participant no longer
    there.
    """
    participant = (
        Participant.objects.select_related("user", "scheme").filter(pk=participant_id).first()
    )
    if (
        participant is None
        or participant.status != ParticipantStatus.WITHDRAWN
        or not participant.can_be_emailed
    ):
        return 0
    consent = participant.current_consent()
    if consent is None or not consent.take_part:
        return 0
    scheme = participant.scheme
    leads = leads_to_contact(scheme.pk)
    send_recorded(
        to=participant.user.email,
        subject=f"you are no longer taking part in {scheme.name}",
        template="participant_withdrawn",
        context={
            "participant": participant,
            "scheme": scheme,
            "withdrawn_on": participant.withdrawn_on,
            "what_happens": what_happens_withdrawn(research_use=consent.research_use, leads=leads),
            "research_use": consent.research_use,
            "contact": contact_lead(leads),
            "link": f"{settings.SITE_URL}{reverse('tasks')}",
        },
        about=participant,
        summary="Sent the confirmation that they are no longer taking part",
        scheme_id=scheme.pk,
    )
    return 1
