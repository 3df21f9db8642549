"""``revmentor restore``: a backup into this database, all of it or nothing."""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from allauth.mfa.models import Authenticator
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.core.serializers import jsonl
from django.db import connection, models, transaction
from django.db.migrations.executor import MigrationExecutor

from revmentor.core import audit, planner, sealing
from revmentor.core.backup.tables import (
    FORMAT,
    FORMAT_VERSION,
    LEFT_OUT,
    MANIFEST,
    MERGED,
    BackupError,
    backed_up_models,
    require_migrated,
    row_counts_of,
    tables_of,
)
from revmentor.core.models import AuditEvent
from revmentor.schemes import research_ids
from revmentor.schemes.models import Participant


@dataclass(frozen=True)
class RestoreSummary:
    """What :func:`installation_restore` loaded, and from which backup."""

    path: Path
    rows: int
    replaced_rows: int
    created_at: str
    revmentor_version: str
    database_vendor: str


@dataclass(frozen=True)
class _Manifest:
    """What a restore needs from ``manifest.json``, checked to be all there."""

    data: list[tuple[str, str]]  # (model label, file in the zip), in load order
    row_counts: dict[str, int]
    migrations: set[tuple[str, str]]
    created_at: str
    revmentor_version: str
    database_vendor: str

    @classmethod
    def parse(cls, manifest: dict[str, Any]) -> _Manifest:
        """Raise KeyError, TypeError, AttributeError or ValueError if anything is amiss."""
        return cls(
            data=[(str(entry["model"]), str(entry["file"])) for entry in manifest["data"]],
            row_counts={str(k): int(v) for k, v in manifest["row_counts"].items()},
            migrations={
                (str(app), str(name))
                for app, names in manifest["migrations"].items()
                for name in names
            },
            created_at=str(manifest["created_at"]),
            revmentor_version=str(manifest["revmentor_version"]),
            database_vendor=str(manifest["database_vendor"]),
        )


def _damaged(path: Path, detail: object) -> BackupError:
    return BackupError(f"{path} is damaged and cannot be restored ({detail}).")


def _open(path: Path) -> tuple[zipfile.ZipFile, _Manifest]:
    """Open the backup at ``path`` and return it with its manifest, once checked whole."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist.")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise BackupError(
            f"{path} is not a revmentor backup, or it is damaged (it is not a whole zip file)."
        ) from None
    try:
        try:
            manifest = json.loads(archive.read(MANIFEST))
        except KeyError:
            raise BackupError(f"{path} is not a revmentor backup (it has no manifest).") from None
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as error:
            raise _damaged(path, error) from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BackupError(f"{path} is not a revmentor backup (its manifest is not ours).")
        version = manifest.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise BackupError(
                f"{path} was made by a newer version of revmentor (backup format {version}): "
                "upgrade revmentor to restore it."
            )
        try:
            bad = archive.testzip()
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as error:
            raise _damaged(path, error) from None
        if bad is not None:
            raise _damaged(path, f"{bad} fails its checksum")
        try:
            parsed = _Manifest.parse(manifest)
        except (KeyError, TypeError, AttributeError, ValueError):
            raise _damaged(path, "its manifest is incomplete") from None
        names = set(archive.namelist())
        missing = [file for _model, file in parsed.data if file not in names]
        if missing:
            raise _damaged(path, f"{missing[0]} is missing")
    except BaseException:
        archive.close()
        raise
    return archive, parsed


def _check_migrations(manifest: _Manifest) -> None:
    """Refuse a backup from a newer revmentor, or a database that is not migrated."""
    executor = MigrationExecutor(connection)
    known = set(executor.loader.disk_migrations)
    for migration in executor.loader.disk_migrations.values():
        known.update(migration.replaces)
    unknown = sorted(manifest.migrations - known)
    if unknown:
        listed = ", ".join(f"{app}.{name}" for app, name in unknown[:5])
        raise BackupError(
            "This backup was made by a newer version of revmentor: its database has "
            f"migrations this version does not know ({listed}). Restore it with that "
            "version or a later one."
        )
    require_migrated()


def _entries(manifest: _Manifest) -> list[tuple[type[models.Model], str]]:
    """The backup's data files in load order, each with the model it holds."""
    entries = []
    for label, file in manifest.data:
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            raise BackupError(
                f"This backup holds data for {label}, which this version of revmentor does "
                "not have. Restore it with the version that made it."
            ) from None
        entries.append((model, file))
    return entries


def _wipe(model_list: list[type[models.Model]], *, everything: bool) -> None:
    """Delete the sessions and, if ``everything``, every row that a backup restores."""
    tables = [m for m in apps.get_models() if m._meta.label_lower in LEFT_OUT]
    if everything:
        tables += tables_of(m for m in model_list if m._meta.label_lower not in MERGED)
    statements = connection.ops.sql_flush(no_style(), [t._meta.db_table for t in tables])
    if connection.vendor == "postgresql":
        # TRUNCATE refuses a table whose deferred foreign-key checks are still pending in
        # this transaction: run them now.
        connection.check_constraints()
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _load(
    archive: zipfile.ZipFile, entries: list[tuple[type[models.Model], str]], manifest: _Manifest
) -> None:
    # A backup from before research IDs were stored: each participant gets the ID exports
    # gave them then, as the migration gave it to those in the database.
    ids_to_store = research_ids.STORED_SINCE not in manifest.migrations
    taken: dict[int, set[str]] = {}
    for model, name in entries:
        with (
            archive.open(name) as raw,
            io.TextIOWrapper(raw, encoding="utf-8", newline="\n") as text,
        ):
            items: Iterable[Any] = jsonl.Deserializer(text, using=connection.alias)
            if ids_to_store and model is Participant:
                # Imported participants first, so that their IDs are kept as they are.
                items = sorted(items, key=lambda i: (not i.object.research_id, i.object.pk))
            for item in items:
                if type(item.object) is not model:
                    raise ValueError(f"{name} holds rows of {item.object._meta.label_lower}")
                if ids_to_store and model is Participant:
                    research_ids.store_former_id(item.object, taken)
                item.save(using=connection.alias)


def _reset_sequences(model_list: list[type[models.Model]]) -> None:
    """Move PostgreSQL's id sequences past the restored ids (SQLite needs nothing)."""
    statements = connection.ops.sequence_reset_sql(no_style(), model_list)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _verify_counts(model_list: list[type[models.Model]], expected: dict[str, int]) -> None:
    loaded = row_counts_of(model_list)
    for label, count in expected.items():
        if label in LEFT_OUT:
            continue
        found = loaded.get(label, 0)
        if found < count if label in MERGED else found != count:
            raise BackupError(
                f"The restored rows do not match the backup ({label}: {count} in the backup, "
                f"{found} restored), so nothing was restored."
            )


def installation_restore(*, path: Path, replace: bool = False) -> RestoreSummary:
    """Load the backup at ``path`` into this database, all of it or nothing.

    Raises :class:`BackupError`, changing nothing, when the file is not a revmentor
    backup or is damaged, when it comes from a newer revmentor, when the database is not
    migrated, when the database already holds data and ``replace`` is false, and when
    loading fails or the restored row counts differ from the manifest's. With
    ``replace`` every restorable row is deleted first, in the same transaction. Sessions
    are cleared, so everyone signs in again. The restore is recorded in the restored
    audit trail (action ``create``).
    """
    path = Path(path)
    archive, manifest = _open(path)
    try:
        with archive:
            _check_migrations(manifest)
            entries = _entries(manifest)
            model_list = backed_up_models()
            with transaction.atomic():
                held = {
                    label: count
                    for label, count in row_counts_of(model_list).items()
                    if count and label not in MERGED
                }
                if held and not replace:
                    raise BackupError(
                        f"The database already holds data ({held.get('core.user', 0)} users, "
                        f"{held.get('schemes.scheme', 0)} schemes, {sum(held.values())} rows "
                        "in all). Restore into an empty database, or add --replace to delete "
                        "everything in it first."
                    )
                try:
                    _wipe(model_list, everything=replace)
                    _load(archive, entries, manifest)
                    connection.check_constraints(
                        table_names=[t._meta.db_table for t in tables_of(model_list)]
                    )
                    _reset_sequences(model_list)
                    # A backup from before secrets were sealed holds them open: seal them.
                    # One sealed under another installation's key cannot be used here.
                    sealing.seal_stored(Authenticator)
                except sealing.CannotOpen as error:
                    raise BackupError(
                        "The backup's authenticator secrets were sealed with another "
                        "installation's DJANGO_SECRET_KEY, so nothing was restored. Add that "
                        "key to DJANGO_SECRET_KEY_FALLBACKS and restore again."
                    ) from error
                except BackupError:
                    raise
                except Exception as error:
                    raise BackupError(
                        f"{path} could not be restored, so the database was left as it was: {error}"
                    ) from error
                _verify_counts(model_list, manifest.row_counts)
                planner.analyse_after_commit(tables_of(model_list))
                summary = RestoreSummary(
                    path=path,
                    rows=sum(n for label, n in manifest.row_counts.items() if label not in MERGED),
                    replaced_rows=sum(held.values()),
                    created_at=manifest.created_at,
                    revmentor_version=manifest.revmentor_version,
                    database_vendor=manifest.database_vendor,
                )
                audit.record(
                    actor=None,
                    action=AuditEvent.Action.CREATE,
                    obj=None,
                    summary=(
                        f"Restored the whole installation from {path.name} (made "
                        f"{summary.created_at} on {summary.database_vendor} by revmentor "
                        f"{summary.revmentor_version}): {summary.rows} rows"
                        + (f", replacing {summary.replaced_rows}" if summary.replaced_rows else "")
                    ),
                )
    finally:
        ContentType.objects.clear_cache()
    return summary
