"""The audit trail: read by a scheme's leads and site admins, filtered, paged, downloaded
(the download recorded too), and never changed or deleted."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse

from revmentor.core import audit
from revmentor.core.models import AuditEvent, AuditTrailIsAppendOnly, User
from revmentor.schemes.models import Participant, Scheme
from tests.factories import SchemeFactory

ClientFor = Callable[[User | None], Client]
Action = AuditEvent.Action


def _event(
    actor: User | None, scheme: Scheme | None, summary: str, action: Any = Action.UPDATE
) -> AuditEvent:
    return audit.record(
        actor=actor,
        action=action,
        obj=scheme,
        summary=summary,
        scheme_id=scheme.pk if scheme else None,
    )


def _csv(response: Any) -> list[dict[str, str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode()  # type: ignore[arg-type]
    return list(csv.DictReader(io.StringIO(text)))


def _summaries(response: Any) -> list[str]:
    """The "What happened" column of the page's table, top to bottom."""
    body = response.content.decode()
    if "<tbody" not in body:
        return []
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body.split("<tbody", 1)[1], re.S)
    return [html.unescape(re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[-1]) for row in rows]


def test_lead_reads_the_schemes_events_newest_first_and_nothing_from_other_schemes(
    client_for: ClientFor, scheme: Scheme, lead: User
) -> None:
    _event(lead, scheme, "Edited the scheme")
    _event(lead, scheme, "Added a participant")
    _event(lead, SchemeFactory(), "Something in another scheme")
    _event(None, None, "Signed in")
    page = client_for(lead).get(reverse("schemes:audit_trail", args=[scheme.pk]))
    assert page.status_code == 200
    assert _summaries(page) == ["Added a participant", "Edited the scheme"]
    html = page.content.decode()
    assert "Lena Lead" in html and "another scheme" not in html


def test_an_empty_trail_says_nothing_is_recorded_yet(
    client_for: ClientFor, scheme: Scheme, lead: User
) -> None:
    page = client_for(lead).get(reverse("schemes:audit_trail", args=[scheme.pk]))
    assert "Nothing recorded yet" in page.content.decode()
    assert "Download" not in page.content.decode()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("facilitator", 403), ("researcher", 403), ("mentor", 403), ("other_lead", 404)],
)
def test_only_leads_and_site_admins_read_a_schemes_trail(
    request: pytest.FixtureRequest, client_for: ClientFor, scheme: Scheme, persona: str, status: int
) -> None:
    who = request.getfixturevalue(persona)
    user = who.user if isinstance(who, Participant) else who
    for name in ("schemes:audit_trail", "schemes:audit_trail_csv"):
        assert client_for(user).get(reverse(name, args=[scheme.pk])).status_code == status
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


def test_filters_narrow_by_action_and_by_part_of_the_email(
    client_for: ClientFor, scheme: Scheme, lead: User, facilitator: User
) -> None:
    facilitator.email = "frank.facilitator@example.nhs.uk"
    facilitator.save()
    _event(lead, scheme, "Lead updated", Action.UPDATE)
    _event(facilitator, scheme, "Facilitator read", Action.VIEW)
    _event(facilitator, scheme, "Facilitator updated", Action.UPDATE)
    _event(None, scheme, "System sent", Action.SEND)
    url = reverse("schemes:audit_trail", args=[scheme.pk])
    client = client_for(lead)
    assert _summaries(client.get(url, {"action": "update"})) == [
        "Facilitator updated",
        "Lead updated",
    ]
    assert _summaries(client.get(url, {"actor": "FRANK.fac"})) == [
        "Facilitator updated",
        "Facilitator read",
    ]
    both = client.get(url, {"action": "view", "actor": "frank"})
    assert _summaries(both) == ["Facilitator read"]
    nothing = client.get(url, {"action": "delete"})
    assert "No events match these filters" in nothing.content.decode()
    refused = client.get(url, {"action": "drop table"})
    assert "Select an action from the list" in refused.content.decode()


def test_pages_hold_fifty_events_and_links_keep_the_filters(
    client_for: ClientFor, scheme: Scheme, lead: User
) -> None:
    for number in range(120):
        _event(lead, scheme, f"Event {number}")
    url = reverse("schemes:audit_trail", args=[scheme.pk])
    first = client_for(lead).get(url, {"actor": "lead@"})
    assert _summaries(first)[:2] == ["Event 119", "Event 118"] and len(_summaries(first)) == 50
    assert "actor=lead%40&amp;page=2" in first.content.decode()
    last = client_for(lead).get(url, {"actor": "lead@", "page": 3})
    assert _summaries(last) == [f"Event {n}" for n in range(19, -1, -1)]
    beyond = client_for(lead).get(url, {"page": 99})
    assert _summaries(beyond)[-1] == "Event 0"


@pytest.mark.parametrize("site_wide", [False, True])
def test_the_number_of_queries_does_not_grow_with_the_trail(
    client_for: ClientFor,
    scheme: Scheme,
    lead: User,
    site_admin: User,
    django_assert_max_num_queries: Any,
    site_wide: bool,
) -> None:
    url = reverse("audit_trail") if site_wide else reverse("schemes:audit_trail", args=[scheme.pk])
    client = client_for(site_admin if site_wide else lead)
    other = SchemeFactory()
    for count in (3, 80):
        while AuditEvent.objects.count() < count:
            _event(lead, scheme if AuditEvent.objects.count() % 2 else other, "Something")
        with django_assert_max_num_queries(7):
            assert client.get(url).status_code == 200


def test_download_is_the_filtered_trail_recorded_as_an_export(
    client_for: ClientFor, scheme: Scheme, lead: User
) -> None:
    _event(lead, scheme, "Added a participant", Action.CREATE)
    _event(lead, scheme, "Edited the scheme", Action.UPDATE)
    response = client_for(lead).get(
        reverse("schemes:audit_trail_csv", args=[scheme.pk]), {"action": "update"}
    )
    assert response["Content-Disposition"].startswith('attachment; filename="audit-trail-')
    rows = _csv(response)
    assert [r["summary"] for r in rows] == ["Edited the scheme"]
    assert rows[0]["actor_email"] == "lead@example.nhs.uk"
    assert rows[0]["scheme"] == "Gastro scheme" and rows[0]["scheme_id"] == str(scheme.pk)
    export = AuditEvent.objects.get(action=Action.EXPORT)
    assert export.actor == lead and export.scheme_id == scheme.pk
    assert export.summary == "Downloaded the audit trail (action update)"
    assert export.ip_address == "127.0.0.1"


def test_download_keeps_formulas_inert(client_for: ClientFor, scheme: Scheme, lead: User) -> None:
    lead.full_name = '=HYPERLINK("http://x","y")'
    lead.save()
    _event(lead, scheme, "@SUM(1+1)")
    _event(lead, scheme, "-2+3")
    rows = _csv(client_for(lead).get(reverse("schemes:audit_trail_csv", args=[scheme.pk])))
    by_summary = {r["summary"]: r for r in rows}
    assert "'@SUM(1+1)" in by_summary and "'-2+3" in by_summary
    assert by_summary["'@SUM(1+1)"]["actor_name"] == '\'=HYPERLINK("http://x","y")'


def test_site_admin_reads_every_scheme_and_events_of_no_scheme(
    client_for: ClientFor, scheme: Scheme, lead: User, site_admin: User
) -> None:
    client = client_for(site_admin)  # signing in is recorded too, with no scheme
    other = SchemeFactory(name="Cardio scheme")
    _event(lead, scheme, "In this scheme")
    _event(lead, other, "In another scheme")
    _event(lead, None, "Signed in", Action.SIGN_IN)
    page = client.get(reverse("audit_trail"))
    assert _summaries(page) == ["Signed in", "In another scheme", "In this scheme", "Signed in"]
    assert "Cardio scheme" in page.content.decode()
    # An event of no scheme says so in words, not "None".
    assert '<td class="nhsuk-table__cell">Site-wide</td>' in page.content.decode()
    assert ">None<" not in page.content.decode()
    rows = _csv(client.get(reverse("audit_trail_csv"), {"action": "sign_in"}))
    assert [r["summary"] for r in rows] == ["Signed in", "Signed in"]
    export = AuditEvent.objects.get(action=Action.EXPORT)
    assert export.scheme_id is None and export.actor == site_admin


def test_the_site_wide_trail_is_for_site_admins_only(
    client_for: ClientFor, lead: User, mentor: Participant
) -> None:
    for user in (lead, mentor.user):
        assert client_for(user).get(reverse("audit_trail")).status_code == 403
        assert client_for(user).get(reverse("audit_trail_csv")).status_code == 403
    assert Client().get(reverse("audit_trail"))["Location"].startswith(reverse("account_login"))


def test_the_trail_is_linked_for_those_who_may_read_it(
    client_for: ClientFor, scheme: Scheme, lead: User, facilitator: User, site_admin: User
) -> None:
    link = reverse("schemes:audit_trail", args=[scheme.pk])
    assert (
        link in client_for(lead).get(reverse("schemes:detail", args=[scheme.pk])).content.decode()
    )
    page = client_for(facilitator).get(reverse("schemes:detail", args=[scheme.pk]))
    assert link not in page.content.decode()
    assert (
        reverse("audit_trail")
        in client_for(site_admin).get(reverse("schemes:list")).content.decode()
    )
    assert (
        reverse("audit_trail") not in client_for(lead).get(reverse("schemes:list")).content.decode()
    )


def test_an_event_cannot_be_changed_or_deleted(lead: User, scheme: Scheme) -> None:
    event = _event(lead, scheme, "Edited the scheme")
    event.summary = "Nothing happened"
    with pytest.raises(AuditTrailIsAppendOnly):
        event.save()
    with pytest.raises(AuditTrailIsAppendOnly):
        event.delete()
    event.refresh_from_db()
    assert event.summary == "Edited the scheme"


def test_deleting_a_user_keeps_their_events(lead: User, scheme: Scheme) -> None:
    event = _event(lead, scheme, "Edited the scheme")
    lead.delete()
    event.refresh_from_db()
    assert event.actor is None and event.summary == "Edited the scheme"


def test_the_admin_reads_events_but_cannot_add_change_or_delete_them(
    client_for: ClientFor, scheme: Scheme, lead: User, site_admin: User
) -> None:
    event = _event(lead, scheme, "Edited the scheme")
    admin = client_for(site_admin)
    assert admin.get(reverse("admin:core_auditevent_changelist")).status_code == 200
    assert admin.get(reverse("admin:core_auditevent_add")).status_code == 403
    change = reverse("admin:core_auditevent_change", args=[event.pk])
    assert admin.get(change).status_code == 200  # read-only view
    assert admin.post(change, {"summary": "Nothing happened"}).status_code == 403
    delete = reverse("admin:core_auditevent_delete", args=[event.pk])
    assert admin.post(delete, {"post": "yes"}).status_code == 403
    bulk = admin.post(
        reverse("admin:core_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    event.refresh_from_db()
    assert event.summary == "Edited the scheme"


def test_events_say_where_from_even_when_the_service_is_not_given_the_request(
    client_for: ClientFor, scheme: Scheme, lead: User
) -> None:
    # The responses.csv export is audited inside a service that never sees the request.
    client = client_for(lead)
    response = client.get(
        reverse("schemes:export_responses_csv", args=[scheme.pk]), REMOTE_ADDR="192.0.2.7"
    )
    assert response.status_code == 200
    event = AuditEvent.objects.filter(action=Action.EXPORT).latest("pk")
    assert event.ip_address == "192.0.2.7"
    # Outside a request (a scheduled task, a command) there is no address.
    assert _event(lead, scheme, "From a task").ip_address is None
