"""``revmentor backup`` and ``revmentor restore``: a whole installation, nothing lost.

The same tests run on SQLite and on PostgreSQL (CI runs the suite on both). The one that
goes through the real command in another process restores into an SQLite file there, so
on the PostgreSQL run it carries a backup from PostgreSQL to SQLite and back.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection, models
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from revmentor.allocation.models import Allocation
from revmentor.cli import main
from revmentor.core import backup, demo, sealing
from revmentor.core.backends import ACCOUNT_BACKEND
from revmentor.core.backup import (
    MERGED,
    BackupError,
    installation_backup,
    installation_restore,
)
from revmentor.core.models import AuditEvent, User
from revmentor.meetings.models import Meeting
from revmentor.schemes import research_ids
from revmentor.schemes import services as scheme_services
from revmentor.schemes.models import Organisation, Participant, ParticipantRole, Scheme
from tests.factories import ConsentFactory, ParticipantFactory, SchemeFactory, UserFactory
from tests.meetings.conftest import publish
from tests.research.conftest import answer
from tests.statistics import planned_rows

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# Text that trips careless serialisation: quotes, line breaks of every kind, non-ASCII.
AWKWARD = 'Said "no" — twice.\r\nThen: ✓ ünïcode 🩺,\u2028a line separator\nand a tab\t.'


def build_installation() -> None:
    """The demo scheme taken further, and a row in every kind of table that has one.

    Phase 1 documents and willingness (the demo), answered questionnaires, a published
    allocation with sessions, staff with groups and permissions, an admin log entry, an
    email address, an authenticator app (its secret sealed), a queued task, an audit
    event from an IPv6 address and a session.
    """
    scheme = demo.seed()
    mentors = list(scheme.participants.mentors().order_by("pk"))
    mentees = list(scheme.participants.filter(role=ParticipantRole.MENTEE).order_by("pk"))
    scheme_services.consent_give(participant=mentors[0], take_part=True, research_use=False)
    answer(scheme, mentors)
    pairs = publish(scheme, list(zip(mentors[1:4], mentees[1:4], strict=True)))
    Allocation.objects.filter(pk=pairs[0].allocation_id).update(
        record={"seed": 2**62 + 1, "weights": [0.1, 1e-7, -3], "note": AWKWARD, "empty": {}}
    )
    starts = datetime(2027, 3, 15, 13, 30, 5, 123456, tzinfo=UTC)
    Meeting.objects.create(
        pair=pairs[0],
        starts_at=starts,
        place=AWKWARD[:60],
        sequence=2,
        proposed_at=starts - timedelta(days=9, microseconds=7),
        proposed_by=pairs[0].mentor,
        confirmed_at=starts - timedelta(days=8),
        confirmed_by=pairs[0].mentee,
        held=True,
        duration_minutes=45,
        logged_at=starts + timedelta(hours=1),
        logged_by=pairs[0].mentor,
    )
    Meeting.objects.create(pair=pairs[1], held=False)
    Participant.objects.filter(pk=mentees[4].pk).update(withdrawn_reason=AWKWARD[:300])
    admin = User.objects.get(email=f"admin@{demo.DOMAIN}")
    auditors = Group.objects.create(name="Auditors")
    auditors.permissions.set(
        Permission.objects.filter(codename__in=["view_auditevent", "view_user"])
    )
    admin.groups.add(auditors)
    admin.user_permissions.add(Permission.objects.get(codename="change_organisation"))
    LogEntry.objects.create(
        user=admin,
        content_type=ContentType.objects.get_for_model(Scheme),
        object_id=str(scheme.pk),
        object_repr=str(scheme),
        action_flag=CHANGE,
        change_message=json.dumps([{"changed": {"fields": ["Name"]}}]),
    )
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=admin, email=admin.email, verified=True, primary=True)
    Authenticator.objects.create(
        user=admin, type=Authenticator.Type.TOTP, data={"secret": sealing.seal(TOTP_SECRET)}
    )
    DBTaskResult.objects.create(
        task_path="revmentor.questionnaires.tasks.send_stage_reminders",
        args_kwargs={"args": [scheme.pk], "kwargs": {"note": AWKWARD}},
        backend_name="default",
        run_after=timezone.now() + timedelta(days=3),
        exception_class_path="",
        traceback="",
    )
    AuditEvent.objects.create(
        action=AuditEvent.Action.VIEW,
        object_type="core.User",
        summary="x",
        ip_address="2001:db8::7",
    )
    Client().force_login(admin, backend=ACCOUNT_BACKEND)
    assert Session.objects.exists()


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every value of every row of every table a backup holds, table by table.

    Content types and permissions are named by natural key, and so are references to
    them: their ids are each database's own. So are the ids of the many-to-many tables.
    """
    content_types = {ct.pk: (ct.app_label, ct.model) for ct in ContentType.objects.all()}
    permissions = {
        p.pk: (p.codename, *content_types[p.content_type_id]) for p in Permission.objects.all()
    }
    named: dict[type[models.Model], dict[int, tuple[str, ...]]] = {
        ContentType: content_types,
        Permission: permissions,
    }
    tables: dict[str, list[dict[str, Any]]] = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if label in backup.LEFT_OUT:
            continue
        own_ids = model in named or model._meta.auto_created
        fields = model._meta.concrete_fields
        rows = []
        for values in model._base_manager.order_by("pk").values_list(*[f.attname for f in fields]):
            row = {}
            for field, value in zip(fields, values, strict=True):
                if field.primary_key and own_ids:
                    continue
                if field.related_model in named and value is not None:
                    value = named[field.related_model][value]  # type: ignore[index]
                row[field.attname] = value
            rows.append(row)
        tables[label] = sorted(rows, key=repr) if own_ids else rows
    return tables


def without_last_events(tables: dict[str, list[dict[str, Any]]], count: int) -> list[str]:
    """Take the last ``count`` audit events off ``tables``; return their actions."""
    events = tables["core.auditevent"]
    taken = events[-count:]
    del events[-count:]
    assert all(e["object_type"] == "installation" for e in taken)
    return [e["action"] for e in taken]


def flush() -> None:
    call_command("flush", interactive=False, verbosity=0)
    assert not User.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_restore_into_an_empty_database_brings_back_every_value_of_every_row(
    tmp_path: Path,
) -> None:
    build_installation()
    file = tmp_path / "backup.zip"
    made = installation_backup(path=file)
    before = snapshot()
    assert made.rows == sum(len(rows) for label, rows in before.items() if label not in MERGED)
    assert before["core.auditevent"][-1]["action"] == AuditEvent.Action.EXPORT
    assert (
        before["core.auditevent"][-1]["summary"] == "Backed up the whole installation to backup.zip"
    )
    for label in ("meetings.meeting", "questionnaires.answer", "admin.logentry", "auth.group"):
        assert before[label], f"the installation has no {label} to restore"
    flush()

    restored = installation_restore(path=file)

    after = snapshot()
    assert without_last_events(after, 1) == [AuditEvent.Action.CREATE]
    assert after == before
    assert restored.rows == made.rows
    assert restored.replaced_rows == 0
    assert not Session.objects.exists()
    # New rows get new ids: the sequences were moved past the restored ones.
    newest = User.objects.order_by("pk").last()
    assert newest is not None and UserFactory().pk > newest.pk
    assert SchemeFactory().pk > max(row["id"] for row in before["schemes.scheme"])
    if connection.vendor == "postgresql":  # the planner was told what the tables now hold
        for model in (Participant, Meeting):
            assert planned_rows(model) == model.objects.count(), model


def test_the_manifest_says_what_the_backup_holds(db: object, tmp_path: Path) -> None:
    build_installation()
    installation_backup(path=tmp_path / "backup.zip")
    with zipfile.ZipFile(tmp_path / "backup.zip") as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = set(archive.namelist())
    assert manifest["format"] == "revmentor-backup"
    assert manifest["format_version"] == backup.FORMAT_VERSION
    assert manifest["database_vendor"] == connection.vendor
    assert datetime.fromisoformat(manifest["created_at"]) <= timezone.now()
    applied = MigrationRecorder(connection).applied_migrations()
    assert {(app, name) for app, ns in manifest["migrations"].items() for name in ns} == set(
        applied
    )
    counts = snapshot()
    assert manifest["row_counts"] == {label: len(rows) for label, rows in counts.items()}
    assert "sessions.session" not in manifest["row_counts"]
    assert {entry["file"] for entry in manifest["data"]} | {"manifest.json"} == names
    assert (tmp_path / "backup.zip").stat().st_mode & 0o777 == 0o600


def test_restore_refuses_a_database_that_holds_data(db: object, tmp_path: Path) -> None:
    ParticipantFactory(user__full_name="Dr Already Here")
    installation_backup(path=tmp_path / "backup.zip")
    before = snapshot()
    with pytest.raises(
        BackupError, match=r"already holds data \(1 users, 1 schemes, \d+ rows in all\).*--replace"
    ):
        installation_restore(path=tmp_path / "backup.zip")
    assert snapshot() == before


@pytest.mark.django_db(transaction=True)
def test_secrets_sealed_with_another_key_are_refused_unless_that_key_is_a_fallback(
    tmp_path: Path, settings: Any
) -> None:
    build_installation()
    installation_backup(path=tmp_path / "backup.zip")
    flush()
    empty = snapshot()
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "another-installation-" + "k" * 50
    with pytest.raises(BackupError, match="another installation's DJANGO_SECRET_KEY"):
        installation_restore(path=tmp_path / "backup.zip")
    assert snapshot() == empty

    settings.SECRET_KEY_FALLBACKS = [old_key]
    installation_restore(path=tmp_path / "backup.zip")
    stored = Authenticator.objects.get(type=Authenticator.Type.TOTP)
    assert sealing.unseal(stored.data["secret"]) == TOTP_SECRET


@pytest.mark.django_db(transaction=True)
def test_secrets_from_a_backup_made_before_sealing_are_sealed_on_restore(tmp_path: Path) -> None:
    admin = UserFactory()
    Authenticator.objects.create(
        user=admin, type=Authenticator.Type.TOTP, data={"secret": sealing.seal(TOTP_SECRET)}
    )
    installation_backup(path=tmp_path / "backup.zip")
    # As an older revmentor wrote it: the same backup with the secret in the clear.
    sealed = json.dumps(Authenticator.objects.get().data["secret"]).encode()
    older = tmp_path / "older.zip"
    with zipfile.ZipFile(tmp_path / "backup.zip") as source, zipfile.ZipFile(older, "w") as out:
        for item in source.infolist():
            out.writestr(item, source.read(item).replace(sealed, json.dumps(TOTP_SECRET).encode()))
    with zipfile.ZipFile(older) as archive:
        assert any(TOTP_SECRET.encode() in archive.read(name) for name in archive.namelist())
    flush()

    installation_restore(path=older)

    secret = Authenticator.objects.get().data["secret"]
    assert sealing.is_sealed(secret) and TOTP_SECRET not in secret
    assert sealing.unseal(secret) == TOTP_SECRET


def made_before_research_ids_were_stored(name: str, data: bytes) -> bytes:
    """Rewrite one member of a backup as a revmentor before schemes 0005 wrote it."""
    if name == "manifest.json":
        manifest = json.loads(data)
        manifest["migrations"]["schemes"] = [
            m for m in manifest["migrations"]["schemes"] if m < "0005"
        ]
        return json.dumps(manifest).encode()
    rows = [json.loads(line) for line in data.decode().splitlines()]
    for row in rows:
        if not row["fields"].pop("imported"):
            row["fields"]["research_id"] = ""
    return "".join(json.dumps(row) + "\n" for row in rows).encode()


@pytest.mark.django_db(transaction=True)
def test_a_backup_from_before_research_ids_were_stored_gets_the_ids_exports_gave(
    tmp_path: Path,
) -> None:
    scheme = SchemeFactory()
    mentor = ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTOR)
    mentee = ParticipantFactory(scheme=scheme, role=ParticipantRole.MENTEE)
    # An imported participant holding the ID the mentor's was worked out to then.
    former = research_ids.former_research_id(mentor)
    imported = ParticipantFactory(scheme=scheme, research_id=former, imported=True)
    installation_backup(path=tmp_path / "backup.zip")
    older = tmp_path / "older.zip"
    with zipfile.ZipFile(tmp_path / "backup.zip") as source:
        participants = next(n for n in source.namelist() if n.endswith("schemes.participant.jsonl"))
    rewrite(
        tmp_path / "backup.zip",
        older,
        {
            name: lambda data, name=name: made_before_research_ids_were_stored(name, data)
            for name in ("manifest.json", participants)
        },
    )
    with zipfile.ZipFile(older) as archive:
        assert b'"imported"' not in archive.read(participants)
    flush()

    installation_restore(path=older)

    restored = {p.pk: p for p in Participant.objects.all()}
    assert restored[mentee.pk].research_id == research_ids.former_research_id(mentee)
    assert not restored[mentee.pk].is_imported
    assert restored[imported.pk].research_id == former and restored[imported.pk].is_imported
    # The mentor's former ID is the imported participant's: the mentor gets a new one.
    assert re.fullmatch(r"M-[0-9a-f]{12}", restored[mentor.pk].research_id)


@pytest.mark.django_db(transaction=True)
def test_replace_deletes_what_is_there_and_restores_the_backup(tmp_path: Path) -> None:
    build_installation()
    installation_backup(path=tmp_path / "backup.zip")
    before = snapshot()
    ParticipantFactory(scheme=SchemeFactory(name="Made after the backup"))
    User.objects.filter(email=f"lead@{demo.DOMAIN}").update(full_name="Renamed after the backup")
    Meeting.objects.filter(held=False).delete()
    rows_now = sum(len(rows) for rows in snapshot().values())

    restored = installation_restore(path=tmp_path / "backup.zip", replace=True)

    after = snapshot()
    assert without_last_events(after, 1) == [AuditEvent.Action.CREATE]
    assert after == before
    assert restored.replaced_rows == rows_now - sum(len(before[label]) for label in MERGED)
    assert "replacing" in AuditEvent.objects.order_by("pk").last().summary  # type: ignore[union-attr]


def rewrite(source: Path, target: Path, change: dict[str, Any]) -> None:
    """Copy the backup, replacing members: a value is new bytes, or a function of the old."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            replacement = change.get(info.filename, data)
            new.writestr(info, replacement(data) if callable(replacement) else replacement)


def break_a_meeting(data: bytes) -> bytes:
    lines = data.decode().splitlines()
    row = json.loads(lines[-1])
    row["fields"]["pair"] = 987654321
    return "\n".join([*lines[:-1], json.dumps(row)]).encode()


def one_more_user(data: bytes) -> bytes:
    manifest = json.loads(data)
    manifest["row_counts"]["core.user"] += 1
    return json.dumps(manifest).encode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"data/meetings.meeting.jsonl": break_a_meeting}, "could not be restored"),
        ({"manifest.json": one_more_user}, r"core\.user: \d+ in the backup, \d+ restored"),
    ],
    ids=["a row refers to nothing", "rows missing"],
)
def test_a_failure_half_way_leaves_the_database_as_it_was(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    build_installation()
    installation_backup(path=tmp_path / "backup.zip")
    rewrite(tmp_path / "backup.zip", tmp_path / "bad.zip", change)
    ParticipantFactory(scheme=SchemeFactory(name="Made after the backup"))
    before = snapshot()

    with pytest.raises(BackupError, match=message):
        installation_restore(path=tmp_path / "bad.zip", replace=True)

    assert snapshot() == before
    assert Scheme.objects.filter(name="Made after the backup").exists()


def flip_a_byte(path: Path) -> None:
    """Change one byte in the middle of the stored users."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("data/core.user.jsonl")
    data = bytearray(path.read_bytes())
    header = 30 + len(info.filename.encode()) + len(info.extra)
    data[info.header_offset + header + info.compress_size // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def newer(data: bytes) -> bytes:
    manifest = json.loads(data)
    manifest["migrations"]["core"].append("9999_from_a_later_version")
    return json.dumps(manifest).encode()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("text", r"not a revmentor backup, or it is damaged \(it is not a whole zip file\)"),
        ("cut short", r"not a revmentor backup, or it is damaged"),
        ("byte flipped", r"is damaged and cannot be restored"),
        ("no manifest", r"not a revmentor backup \(it has no manifest\)"),
        ("someone else's zip", r"not a revmentor backup \(its manifest is not ours\)"),
        ("newer format", r"made by a newer version of revmentor \(backup format 2\)"),
        ("newer migrations", r"newer version .* \(core\.9999_from_a_later_version\)"),
        ("missing", r"does not exist"),
    ],
)
def test_restore_refuses_what_it_cannot_trust_and_changes_nothing(
    db: object, tmp_path: Path, damage: str, message: str
) -> None:
    ConsentFactory()
    good = tmp_path / "good.zip"
    installation_backup(path=good)
    file = tmp_path / "bad.zip"
    if damage == "text":
        file.write_text("participant,email\n", encoding="utf-8")
    elif damage == "cut short":
        file.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif damage == "byte flipped":
        shutil.copy(good, file)
        flip_a_byte(file)
    elif damage == "no manifest":
        with zipfile.ZipFile(file, "w") as archive:
            archive.writestr("data.csv", "a,b\n")
    elif damage == "someone else's zip":
        rewrite(good, file, {"manifest.json": b'{"format": "study-folder"}'})
    elif damage == "newer format":
        rewrite(
            good,
            file,
            {"manifest.json": lambda d: d.replace(b'"format_version": 1', b'"format_version": 2')},
        )
    elif damage == "newer migrations":
        rewrite(good, file, {"manifest.json": newer})
    before = snapshot()
    with pytest.raises(BackupError, match=message):
        installation_restore(path=file, replace=True)
    assert snapshot() == before


def test_restore_refuses_a_database_that_is_not_migrated(db: object, tmp_path: Path) -> None:
    installation_backup(path=tmp_path / "backup.zip")
    MigrationRecorder(connection).migration_qs.filter(app="meetings").delete()
    with pytest.raises(BackupError, match=r"not up to date .*meetings\.0001_initial.*migrate"):
        installation_restore(path=tmp_path / "backup.zip", replace=True)


def test_backup_never_overwrites_a_file(db: object, tmp_path: Path) -> None:
    file = tmp_path / "backup.zip"
    file.write_bytes(b"yesterday's backup")
    with pytest.raises(BackupError, match="already exists"):
        installation_backup(path=file)
    assert file.read_bytes() == b"yesterday's backup"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.zip"]
    assert not AuditEvent.objects.exists()


def test_command_exit_codes_and_messages(
    db: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ParticipantFactory()
    file = tmp_path / "backup.zip"
    assert main(["backup", str(file)]) == 0
    assert f"to {file}" in capsys.readouterr().out
    assert main(["backup", str(file)]) == 1
    assert "revmentor backup: " in capsys.readouterr().err
    assert main(["restore", str(file)]) == 1
    assert "--replace" in capsys.readouterr().err
    Organisation.objects.create(name="Made after the backup")
    assert main(["restore", "--replace", str(file)]) == 0
    out = capsys.readouterr().out
    assert "Restored " in out and "replacing" in out
    assert not Organisation.objects.filter(name="Made after the backup").exists()


def _revmentor(*args: str, database: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed ``revmentor`` command on the SQLite file ``database``."""
    command = shutil.which("revmentor", path=str(Path(sys.executable).parent))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "REVMENTOR_DATA_DIR": str(database.parent),
    }
    for name in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)  # the command's own default settings
    base = [command] if command else [sys.executable, "-m", "revmentor"]
    return subprocess.run(
        [*base, *args], env=env, capture_output=True, text=True, check=False, timeout=300
    )


@pytest.mark.django_db(transaction=True)
def test_the_command_carries_an_installation_to_another_database_and_back(
    tmp_path: Path,
) -> None:
    build_installation()
    there = tmp_path / "there.zip"
    assert main(["backup", str(there)]) == 0
    before = snapshot()
    other = tmp_path / "other" / "revmentor.sqlite3"
    other.parent.mkdir()
    migrated = _revmentor("manage", "migrate", "--verbosity", "0", database=other)
    assert migrated.returncode == 0, migrated.stderr

    restored = _revmentor("restore", str(there), database=other)
    assert restored.returncode == 0, restored.stderr
    assert f"on {connection.vendor} by revmentor" in restored.stdout
    again = _revmentor("restore", str(there), database=other)
    assert again.returncode == 1
    assert "already holds" in again.stderr
    back = tmp_path / "back.zip"
    made = _revmentor("backup", str(back), database=other)
    assert made.returncode == 0, made.stderr
    flush()
    assert main(["restore", str(back)]) == 0

    after = snapshot()
    assert without_last_events(after, 3) == [
        AuditEvent.Action.CREATE,
        AuditEvent.Action.EXPORT,
        AuditEvent.Action.CREATE,
    ]
    assert after == before
    with zipfile.ZipFile(back) as archive:
        assert json.loads(archive.read("manifest.json"))["database_vendor"] == "sqlite"


def test_backup_makes_as_many_queries_for_many_people_as_for_few(
    db: object, tmp_path: Path
) -> None:
    """Rows are read in chunks, with what their natural keys need: no query per row."""
    group = Group.objects.create(name="Auditors")
    permission = Permission.objects.get(codename="view_auditevent")
    scheme_type = ContentType.objects.get_for_model(Scheme)

    def people(count: int) -> None:
        for participant in ParticipantFactory.create_batch(count):
            participant.user.groups.add(group)
            participant.user.user_permissions.add(permission)
            LogEntry.objects.create(
                user=participant.user,
                content_type=scheme_type,
                object_id="1",
                object_repr="x",
                action_flag=CHANGE,
            )

    queries = []
    for count, name in ((2, "few.zip"), (40, "many.zip")):
        people(count)
        with CaptureQueriesContext(connection) as captured:
            installation_backup(path=tmp_path / name)
        queries.append(len(captured))
    assert queries[0] == queries[1]


def test_no_model_keeps_files_on_disk() -> None:
    """A backup holds the database only; a FileField would need its files backed up too."""
    file_fields = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    ]
    assert file_fields == [], "add the files under MEDIA_ROOT to revmentor.core.backup"
