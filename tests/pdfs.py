"""Read PDFs in tests with poppler's pdftotext and pdfinfo (installed by scripts/dev)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path


def _run(tool: str, content: bytes) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(content)
        args = [tool, str(path), "-"] if tool == "pdftotext" else [tool, str(path)]
        return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def pdf_text(content: bytes) -> str:
    """The text of a PDF, as a reader would copy it."""
    return _run("pdftotext", content)


def pdf_info(content: bytes) -> str:
    """pdfinfo's report: page count, page size and so on."""
    return _run("pdfinfo", content)
