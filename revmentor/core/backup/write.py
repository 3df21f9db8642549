"""``revmentor backup``: every row of the installation into one new zip file."""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import django
from django.db import connection, transaction
from django.utils import timezone

from revmentor.core import audit
from revmentor.core.backup.tables import (
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MERGED,
    BackupError,
    Encoder,
    Serializer,
    backed_up_models,
    dump_queryset,
    file_name,
    migration_state,
    require_migrated,
    revmentor_version,
    row_counts_of,
)
from revmentor.core.models import AuditEvent

_CHUNK = 2000


@dataclass(frozen=True)
class BackupSummary:
    """What :func:`installation_backup` wrote (``rows`` leaves out content types and
    permissions, which every database makes for itself)."""

    path: Path
    rows: int
    tables: int


def installation_backup(*, path: Path) -> BackupSummary:
    """Write every row of the installation to a new zip file at ``path``.

    Raises :class:`BackupError` if ``path`` exists, its folder does not or cannot be
    written, or the database is not migrated. The file is written beside ``path`` and
    renamed into place only when complete, readable by its owner only (it holds personal
    data). The backup records itself in the audit trail (action ``export``), in the same
    transaction, so the event is in the backup and is kept only if the file is.
    """
    path = Path(path)
    if path.exists():
        raise BackupError(f"{path} already exists: choose another name or delete it first.")
    if not path.parent.is_dir():
        raise BackupError(f"The folder {path.parent} does not exist.")
    require_migrated()
    partial: Path | None = None
    outermost = not connection.in_atomic_block
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql" and outermost:
                # Read every table as of one moment, whatever is written meanwhile (an
                # SQLite transaction sees one moment already). Must be the first query.
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            audit.record(
                actor=None,
                action=AuditEvent.Action.EXPORT,
                obj=None,
                summary=f"Backed up the whole installation to {path.name}",
            )
            descriptor, name = tempfile.mkstemp(
                dir=path.parent, prefix=f".{path.name}.", suffix=".partial"
            )
            partial = Path(name)
            with os.fdopen(descriptor, "wb") as file:
                counts = _write(file)
                file.flush()
                os.fsync(file.fileno())
            os.replace(partial, path)
    except OSError as error:
        raise BackupError(f"{path} could not be written: {error.strerror or error}.") from error
    finally:
        if partial is not None:
            partial.unlink(missing_ok=True)
    rows = sum(n for label, n in counts.items() if label not in MERGED)
    return BackupSummary(path=path, rows=rows, tables=len(counts))


def _write(file: io.BufferedWriter) -> dict[str, int]:
    """Write the zip of every table and its manifest to ``file``; return the row counts."""
    model_list = backed_up_models()
    counts = row_counts_of(model_list)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "revmentor_version": revmentor_version(),
        "django_version": django.get_version(),
        "created_at": timezone.now().isoformat(),
        "database_vendor": connection.vendor,
        "migrations": migration_state(),
        "data": [{"model": m._meta.label_lower, "file": file_name(m)} for m in model_list],
        "row_counts": counts,
    }
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for model in model_list:
            with (
                archive.open(file_name(model), "w", force_zip64=True) as raw,
                io.TextIOWrapper(raw, encoding="utf-8", newline="\n") as text,
            ):
                Serializer().serialize(
                    dump_queryset(model).iterator(chunk_size=_CHUNK), stream=text, cls=Encoder
                )
        archive.writestr(MANIFEST, json.dumps(manifest, indent=2))
    return counts
