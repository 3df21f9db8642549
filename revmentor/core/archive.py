"""Zip a set of files into one folder: the shape of every download of several files."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping


def folder_zip(folder: str, files: Mapping[str, bytes | str]) -> bytes:
    """Return a zip holding ``files`` (name -> content) inside the folder ``folder``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(f"{folder}/{name}", content)
    return buffer.getvalue()
