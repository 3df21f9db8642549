"""Back up a whole installation to one zip file, and restore it, on SQLite or PostgreSQL.

A backup holds every row of every table that Django models describe, in Django's JSON
Lines serialisation, one file per model (``data/<app>.<model>.jsonl``), and
``manifest.json``: the format and its version, the revmentor and Django versions, when it
was made, the database vendor, the migrations applied per app and the row count of every
table (many-to-many tables included). Rows keep their ids, because the audit trail and
the allocation records refer to rows by id; content types and permissions, whose ids
each database chooses for itself on ``migrate``, are written and referred to by natural
key and matched to the target's own on restore. So a backup made on SQLite restores into
PostgreSQL and the other way round.

Left out on purpose: sessions (a backup must not let whoever holds it sign in as
someone; everyone signs in again after a restore, which also clears the sessions), report
PDFs (derived data, made again on request; a restore clears them too) and the cache
(rate limits). No model stores files on disk (``MEDIA_ROOT`` is unused; a test
fails if a ``FileField`` appears), so the database is the whole installation.

A restore refuses, changing nothing, a file that is not a revmentor backup or is damaged,
a backup whose migrations this version does not know (made by a newer revmentor), a
database that is not migrated, and a database that already holds data unless
``replace`` is given. It runs in one transaction: wipe (with ``replace``), load, check
foreign keys, reset PostgreSQL's sequences, compare the row counts with the manifest,
and record itself in the audit trail; any failure rolls all of it back.
"""

from revmentor.core.backup.restore import RestoreSummary, installation_restore
from revmentor.core.backup.tables import FORMAT_VERSION, LEFT_OUT, MERGED, BackupError
from revmentor.core.backup.write import BackupSummary, installation_backup

__all__ = [
    "FORMAT_VERSION",
    "LEFT_OUT",
    "MERGED",
    "BackupError",
    "BackupSummary",
    "RestoreSummary",
    "installation_backup",
    "installation_restore",
]
