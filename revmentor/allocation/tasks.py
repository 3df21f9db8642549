"""Telling each pair who they will meet once the allocation is published."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task


@task()
def send_pair_emails(allocation_id: int) -> int:
    """Email both people of every pair of a published allocation; return emails sent."""
    from revmentor.allocation.models import Allocation, Pair

    allocation = Allocation.objects.select_related("scheme").get(pk=allocation_id)
    if allocation.status != Allocation.Status.PUBLISHED:
        return 0
    sent = 0
    pairs = Pair.objects.filter(allocation=allocation).select_related(
        "mentor__user", "mentee__user"
    )
    for pair in pairs:
        for person, other, role in (
            (pair.mentor, pair.mentee, "mentor"),
            (pair.mentee, pair.mentor, "mentee"),
        ):
            context = {
                "person": person,
                "other": other,
                "role": role,
                "scheme": allocation.scheme,
                "link": f"{settings.SITE_URL}{reverse('tasks')}",
            }
            send_mail(
                subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}your one-to-one session",
                message=render_to_string("emails/pair.txt", context),
                from_email=None,
                recipient_list=[person.user.email],
            )
            sent += 1
    return sent
