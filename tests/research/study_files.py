"""Study data folders for the import tests, as files."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from tests.analysis.conftest import Row, paper_rows


def csv_bytes(header: Sequence[str], rows: Iterable[Row]) -> bytes:
    """A CSV file (UTF-8, header row) as the platform writes one."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def platform_paper_rows() -> dict[str, tuple[list[str], list[Row]]]:
    """The paper's study folder (``tests/analysis``) fitted to the study's questionnaires.

    The analysis tests' folder has free-text items named differently from the built-in
    questionnaires (``comments_text`` for ``comments``), answers written as words
    (``about right`` for ``about_right``) and items the questionnaires do not ask; here
    they are renamed or left out, and codes follow their answers. Willingness of the
    mentor who withdrew is left out, as the platform's ``willingness.csv`` leaves out
    withdrawn people.
    """
    files = paper_rows()
    rename = {"comments_text": "comments"}
    words = {"about right": "about_right", "excellent": "5", "good": "4"}
    header, responses = files["responses.csv"]
    kept: list[Row] = []
    for pid, role, tp, item, value in responses:
        item = rename.get(str(item), str(item))
        if item == "facilitators_text" or (tp == "pre_session" and item == "comments"):
            continue
        if item == "concerns" and role == "mentor":
            value = "yes"  # every mentor wrote their concerns
        kept.append((pid, role, tp, item, words.get(str(value), value)))
    files["responses.csv"] = (header, kept)
    header, codes = files["codes.csv"]
    files["codes.csv"] = (
        header,
        [
            (pid, role, tp, rename.get(str(item), item), code, coder)
            for pid, role, tp, item, code, coder in codes
            if item != "facilitators_text" and not (tp == "pre_session" and item != "concerns_text")
        ],
    )
    header, willing = files["willingness.csv"]
    files["willingness.csv"] = (header, [row for row in willing if row[0] != "M6"])
    return files
