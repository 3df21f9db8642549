"""Unpack an uploaded study data folder (a zip) safely, or say what is wrong with it.

Pure: nothing here imports Django. The zip holds the folder's CSV files at its top
level or inside one folder. What an upload cannot do:

- be larger than :data:`MAX_ZIP_BYTES`, or not a zip at all;
- unpack to more than :data:`MAX_UNPACKED_BYTES` (a "zip bomb"): the sizes the zip
  declares are checked first, and the bytes actually unpacked are counted as they are
  written, so a zip that lies about its sizes is stopped too;
- name a path outside the folder (``../``, ``/etc/…``, ``C:…``: "zip slip"), a link,
  a file protected by a password, or more than :data:`MAX_ENTRIES` entries.

Only files with a name of the format (:data:`FOLDER_FILES`) are written, each under its
own name straight into the target folder, so nothing is ever written elsewhere whatever
the zip says. Files that are not CSV (a README, macOS's ``__MACOSX/`` and ``.DS_Store``)
are ignored; a CSV file the format does not know is a problem (most often a misspelt
name).
"""

from __future__ import annotations

import re
import stat
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO

from revmentor.analysis.problems import ProblemLog

MAX_ZIP_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ENTRIES = 200
CHUNK = 1024 * 1024
FOLDER_FILES = (
    "participants.csv",
    "responses.csv",
    "timepoints.csv",
    "sessions.csv",
    "willingness.csv",
    "codes.csv",
    "codebook.csv",
    "items.csv",
)
DRIVE = re.compile(r"^[A-Za-z]:")


def _megabytes(size: int) -> str:
    return f"{size // (1024 * 1024)} MB"


def _outside(name: str) -> bool:
    """Whether the entry's path could lead out of the folder it is unpacked into."""
    parts = name.split("/")
    return name.startswith("/") or bool(DRIVE.match(name)) or ".." in parts


def _ignored(parts: list[str]) -> bool:
    """Entries that are not part of the folder: not CSV, hidden, or macOS's extras."""
    return (
        parts[0] == "__MACOSX"
        or any(part.startswith(".") for part in parts)
        or not parts[-1].lower().endswith(".csv")
    )


def _entries(archive: zipfile.ZipFile, label: str, log: ProblemLog) -> list[zipfile.ZipInfo]:
    """Return the CSV entries to unpack, recording a problem for each unsafe entry."""
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        log.add(label, None, None, f"holds more than {MAX_ENTRIES} files", "entries")
        return []
    wanted: list[zipfile.ZipInfo] = []
    folders: set[str] = set()
    seen: set[str] = set()
    for info in infos:
        name = info.filename.replace("\\", "/")
        if _outside(name):
            log.add(
                name,
                None,
                None,
                "points outside the folder; zip the study data folder itself",
                "outside",
            )
            continue
        if info.is_dir():
            continue
        parts = [part for part in name.split("/") if part not in ("", ".")]
        if not parts or _ignored(parts):
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            log.add(name, None, None, "is a link, not a file; put the file itself in", "link")
            continue
        if info.flag_bits & 0x1:
            log.add(name, None, None, "is protected by a password; zip it without one", "crypt")
            continue
        base = parts[-1]
        if base not in FOLDER_FILES:
            log.add(
                name,
                None,
                None,
                "is not a file of the study data folder; its files are " + ", ".join(FOLDER_FILES),
                "unknown",
            )
            continue
        if base in seen:
            log.add(name, None, None, f"{base} is in the zip twice; keep one", "twice")
            continue
        seen.add(base)
        folders.add("/".join(parts[:-1]))
        wanted.append(info)
    if len(folders) > 1 or any("/" in folder for folder in folders):
        where = ", ".join(sorted(f"{folder}/" if folder else "the top" for folder in folders))
        log.add(
            label,
            None,
            None,
            "put the CSV files at the top of the zip or all in one folder; they are in " + where,
            "folders",
        )
    declared = sum(info.file_size for info in wanted)
    if declared > MAX_UNPACKED_BYTES:
        log.add(
            label,
            None,
            None,
            f"unpacks to more than {_megabytes(MAX_UNPACKED_BYTES)}; "
            "split the study or upload fewer answers",
            "size",
        )
    return wanted


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int) -> int:
    """Copy one entry to ``target``, at most ``budget`` bytes; return the bytes written.

    Raises OverflowError when the entry holds more than ``budget`` bytes.
    """
    written = 0
    with archive.open(info) as source, target.open("wb") as out:
        while chunk := source.read(CHUNK):
            written += len(chunk)
            if written > budget:
                raise OverflowError
            out.write(chunk)
    return written


def unpack(upload: BinaryIO, into: Path, log: ProblemLog, *, label: str) -> list[str]:
    """Unpack the study data folder zipped in ``upload`` into the folder ``into``.

    ``label`` names the upload in problems (its file name). Returns the names of the
    files written; records every problem in ``log`` and writes nothing more once one is
    found (files already written may stay in ``into``: it is the caller's temporary
    folder).
    """
    upload.seek(0, 2)
    size = upload.tell()
    upload.seek(0)
    if size > MAX_ZIP_BYTES:
        log.add(label, None, None, f"is larger than {_megabytes(MAX_ZIP_BYTES)}", "size")
        return []
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        log.add(
            label,
            None,
            None,
            "is not a zip file; zip the study data folder and upload the .zip file",
            "zip",
        )
        return []
    written: list[str] = []
    with archive:
        entries = _entries(archive, label, log)
        if log.problems:
            return []
        budget = MAX_UNPACKED_BYTES
        for info in entries:
            base = info.filename.replace("\\", "/").rsplit("/", 1)[-1]
            try:
                budget -= _extract(archive, info, into / base, budget)
            except OverflowError:
                log.add(
                    label,
                    None,
                    None,
                    f"unpacks to more than {_megabytes(MAX_UNPACKED_BYTES)}; "
                    "split the study or upload fewer answers",
                    "size",
                )
                return []
            except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, OSError):
                log.add(info.filename, None, None, "cannot be unpacked; zip it again", "broken")
                return []
            written.append(base)
    return written


__all__ = ["FOLDER_FILES", "MAX_UNPACKED_BYTES", "MAX_ZIP_BYTES", "unpack"]
