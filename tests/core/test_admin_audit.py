"""What a site admin adds, changes or deletes in the Django admin is in the audit trail.

Every model registered with the admin (ours and the packages': email addresses,
authenticators, groups, the task queue) gets an admin that records each write, with
who, when and from where, naming the fields changed and never their values.
"""

from __future__ import annotations

from collections.abc import Callable

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from revmentor.core.admin_audit import _changed_fields
from revmentor.core.models import AuditEvent, User
from tests.factories import UserFactory

ClientFor = Callable[[User | None], Client]


def _events(action: AuditEvent.Action, label: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, object_type=label).order_by("pk"))


def test_every_model_the_admin_can_write_is_audited() -> None:
    assert admin.site._registry  # the admin found its registrations
    unaudited = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not getattr(model_admin, "audited", False)
    ]
    assert unaudited == []


def test_adding_and_changing_in_the_admin_is_recorded_with_field_names_only(
    client_for: ClientFor, site_admin: User
) -> None:
    client = client_for(site_admin)
    added = client.post(reverse("admin:auth_group_add"), {"name": "Night shift"})
    assert added.status_code == 302
    group = Group.objects.get(name="Night shift")
    changed = client.post(
        reverse("admin:auth_group_change", args=[group.pk]), {"name": "Secret new name"}
    )
    assert changed.status_code == 302
    created, updated = _events(AuditEvent.Action.CREATE, "auth.Group") + _events(
        AuditEvent.Action.UPDATE, "auth.Group"
    )
    for event in (created, updated):
        assert event.actor == site_admin
        assert event.object_id == str(group.pk)
        assert event.ip_address == "127.0.0.1"
    assert created.summary == "Added in the admin (group)"
    assert updated.summary == "Changed in the admin: Name (group)"
    assert "Secret" not in updated.summary


def test_deleting_one_and_many_in_the_admin_is_recorded_for_each(
    client_for: ClientFor, site_admin: User
) -> None:
    people = UserFactory.create_batch(3)
    addresses = [
        EmailAddress.objects.create(user=p, email=p.email, verified=True, primary=True)
        for p in people
    ]
    authenticator = Authenticator.objects.create(
        user=people[0], type=Authenticator.Type.TOTP, data={"secret": "x"}
    )
    client = client_for(site_admin)
    one = client.post(
        reverse("admin:mfa_authenticator_delete", args=[authenticator.pk]), {"post": "yes"}
    )
    assert one.status_code == 302
    assert not Authenticator.objects.exists()
    many = client.post(
        reverse("admin:account_emailaddress_changelist"),
        {
            "action": "delete_selected",
            "post": "yes",
            "_selected_action": [a.pk for a in addresses[:2]],
        },
    )
    assert many.status_code == 302
    assert EmailAddress.objects.count() == 1
    removed = _events(AuditEvent.Action.DELETE, "mfa.Authenticator")
    assert [(e.object_id, e.actor) for e in removed] == [(str(authenticator.pk), site_admin)]
    emails = _events(AuditEvent.Action.DELETE, "account.EmailAddress")
    assert sorted(e.object_id for e in emails) == sorted(str(a.pk) for a in addresses[:2])
    assert all(e.summary == "Deleted in the admin (email address)" for e in emails)


def test_the_fields_named_come_from_the_admins_change_message() -> None:
    message = [
        {"changed": {"fields": ["Full name", "Email"]}},
        {"added": {"name": "scheme membership", "object": "Dr Who"}},
    ]
    assert _changed_fields(message) == "Full name, Email, added scheme membership"
    assert _changed_fields("") == ""
    assert _changed_fields("not json") == ""
