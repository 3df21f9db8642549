"""Telling each pair who they will meet once the allocation is published, and everyone
left unmatched that they will have no session."""

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
    pairs = (
        Pair.objects.filter(allocation=allocation)
        .with_document_approved()
        .select_related("mentor__user", "mentee__user")
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
                "document_ready": pair.document_approved,  # type: ignore[attr-defined]
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


@task()
def send_unmatched_emails(allocation_id: int) -> int:
    """Tell each person a published allocation left unmatched, and still taking part,
    that they will have no one-to-one session; return emails sent.

    Without it they would wait for a pair that never comes. The email says their earlier
    answers are kept as they consented, and lists what is still asked of them: the open
    questionnaires they have not submitted (those about the session are no longer for
    them), or nothing. People who withdrew are not written to
    (``selectors.unmatched_to_tell``). A fixed number of queries, however many people.
    """
    from revmentor.allocation import selectors
    from revmentor.allocation.models import Allocation
    from revmentor.allocation.presenters import NOT_PAIRED
    from revmentor.questionnaires.selectors import tasks_for

    allocation = Allocation.objects.select_related("scheme").get(pk=allocation_id)
    if allocation.status != Allocation.Status.PUBLISHED:
        return 0
    people = selectors.unmatched_to_tell(allocation)
    still_asked = tasks_for(people)
    for person in people:
        context = {
            "person": person,
            "scheme": allocation.scheme,
            "not_paired": NOT_PAIRED,
            "questionnaires": [
                t for t in still_asked.get(person.pk, []) if t.status != "submitted"
            ],
            "link": f"{settings.SITE_URL}{reverse('tasks')}",
        }
        send_mail(
            subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}the pairs for the one-to-one sessions",
            message=render_to_string("emails/unmatched.txt", context),
            from_email=None,
            recipient_list=[person.user.email],
        )
    return len(people)
