"""docs/permissions.md is the access matrix as a table: it must match the matrix."""

from __future__ import annotations

from tests.schemes.permissions_doc import COMMAND, DOC, render
from tests.schemes.test_access import MATRIX, OTHER, PERSONAS


def test_permissions_doc_is_up_to_date() -> None:
    written = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    assert written == render(), f"docs/permissions.md is out of date: run {COMMAND}"


def test_permissions_doc_has_a_row_per_url_and_a_column_per_persona() -> None:
    text = render()
    rows = [line for line in text.splitlines() if line.startswith("| `/")]
    assert len(rows) == len(MATRIX) + len(OTHER)
    assert all(row.count(" | ") == len(PERSONAS) + 1 for row in rows)
    assert "| `/schemes/<int:pk>/audit/`<br>schemes:audit_trail |" in text
