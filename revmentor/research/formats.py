"""The scheme's research exports beyond the zip: Excel workbook, SPSS file and PDF report.

Every export is built from the pseudonymised study data folder
(:func:`revmentor.research.export.study_folder`) and the results the analysis core
computes from it (:func:`revmentor.research.selectors.analysed`), so nothing here can
carry a name or an email the folder does not (and the folder carries none). The workbook
and the SPSS file record the export once in the audit trail; the PDF is made in the
background and each download of it is recorded (``research.services``).

- :func:`workbook`: one sheet per CSV file of the folder, plus ``results`` with the
  summaries and comparisons tables. Text that a spreadsheet would read as a formula
  (``revmentor.core.spreadsheet``: starting ``=``, ``+``, ``-``, ``@``, tab or carriage
  return) is written as a string with Excel's quote prefix, so it is never evaluated.
  The folder's own CSV files carry a leading apostrophe on such text; the workbook
  shows the text as it was typed.
- :func:`spss`: wide format, one row per participant, ``<item>_<timepoint>`` variables
  with variable labels (the question text) and value labels (1–5 items, role; yes/no
  coded 1/0 and choices 1, 2, … in the questionnaire's order).
- :func:`report_pdf`: the analysis report as ``revmentor analyse --pdf`` prints it, for
  the task that makes a scheme's report (``research.tasks.make_report``).
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import math
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from revmentor.analysis.engine import JSON
from revmentor.analysis.quartiles import QuartileMethod
from revmentor.analysis.report import render_html, render_pdf
from revmentor.core import audit, spreadsheet
from revmentor.core.models import AuditEvent, User
from revmentor.research import export, selectors
from revmentor.schemes.models import Scheme

#: The longest variable name SPSS allows.
SPSS_NAME_MAX = 64
#: SPSS codes of the participants' roles.
ROLE_CODES = {"mentor": 1, "mentee": 2}
#: Likert items are answered 1 to 5.
ORDINAL_TYPES = ("likert", "domain_grid")


def _rows(content: bytes) -> list[list[str]]:
    """The rows (header first) of a CSV file of the study folder, each cell as typed.

    The apostrophe the folder's writers put before text a spreadsheet would run as a
    formula is removed: the workbook marks such text as text in its own way.
    """
    return [
        [spreadsheet.from_csv_text(cell) for cell in row]
        for row in csv.reader(io.StringIO(content.decode("utf-8")))
    ]


def record_export(actor: User, scheme: Scheme, what: str) -> None:
    """Record in the audit trail that ``actor`` exported ``what`` of ``scheme``."""
    audit.record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        obj=scheme,
        summary=f"Exported {what}",
        scheme_id=scheme.pk,
    )


# --- Excel -------------------------------------------------------------------------


def _number(text: str) -> int | float | None:
    """``text`` as a number if it is one written plainly (``3``, ``-1.5``), else None."""
    if not spreadsheet.is_plain_number(text):
        return None
    return float(text) if "." in text else int(text)


def _put(sheet: Worksheet, row: int, column: int, value: object) -> None:
    """Write one cell; text that looks like a formula stays inert text."""
    if isinstance(value, float) and not math.isfinite(value):
        value = None
    if isinstance(value, str):
        number = _number(value)
        if number is not None:
            sheet.cell(row=row, column=column, value=number)
            return
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str) and spreadsheet.reads_as_formula(value):
        cell.value = value
        cell.data_type = "s"  # openpyxl made it a formula ("f"): a string it is
        cell.quotePrefix = True  # and Excel shows it as typed, never evaluates it
        return
    cell.value = value if value is None or isinstance(value, int | float | bool) else str(value)


def _table(sheet: Worksheet, start: int, rows: Iterable[Sequence[object]]) -> int:
    """Write ``rows`` from row ``start``; return the next free row."""
    row = start
    for values in rows:
        for column, value in enumerate(values, start=1):
            _put(sheet, row, column, value)
        row += 1
    return row


def _records(records: list[JSON]) -> list[list[object]]:
    """A list of result rows (dicts) as a header row and value rows."""
    if not records:
        return []
    head = list(dict.fromkeys(key for record in records for key in record))
    rows: list[list[object]] = [list(head)]
    rows.extend([record.get(key) for key in head] for record in records)
    return rows


def workbook_bytes(files: dict[str, bytes], results: JSON | None) -> bytes:
    """The workbook of a study folder and its results (``None``: nothing analysed yet)."""
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for name, content in files.items():
        _table(book.create_sheet(title=name.removesuffix(".csv")[:31]), 1, _rows(content))
    sheet = book.create_sheet(title="results")
    if results is None:
        _put(sheet, 1, 1, "There are no answers to analyse yet.")
    else:
        row = _table(sheet, 1, [["Summaries"]])
        row = _table(sheet, row, _records(results["summaries"])) + 1
        row = _table(sheet, row, [["Comparisons"]])
        _table(sheet, row, _records(results["comparisons"]))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def workbook(*, actor: User, scheme: Scheme, quartiles: QuartileMethod = "tukey") -> bytes:
    """Return the scheme's study folder and results as an Excel workbook; audited once."""
    files = export.study_folder(scheme)
    found = selectors.analysed(scheme, quartiles)
    content = workbook_bytes(files, found.results)
    record_export(actor, scheme, "the study data as an Excel workbook (.xlsx)")
    return content


# --- SPSS --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Question:
    """What the scheme's questionnaires say about one stored item."""

    text: str
    ordinal: bool
    value_labels: dict[float, str]
    #: For yes/no and choice items: the stored answer -> its SPSS code (yes 1, no 0;
    #: choices 1, 2, … in the questionnaire's order).
    codes: dict[str, float] = field(default_factory=dict)


def spss_name(item: str, timepoint: str = "") -> str:
    """The SPSS variable name of ``item`` at ``timepoint`` (or of a plain column).

    Letters, digits and underscores, starting with a letter, at most 64 characters; a
    longer name is cut and ends with 8 characters of a hash of the full name, so the
    same name always gives the same variable and two long names differ.
    """
    full = f"{item}_{timepoint}" if timepoint else item
    name = re.sub(r"[^A-Za-z0-9_]", "_", full)
    if not name[:1].isalpha():
        name = f"v_{name}"
    if len(name) > SPSS_NAME_MAX:
        digest = hashlib.sha256(full.encode("utf-8")).hexdigest()[:8]
        name = f"{name[: SPSS_NAME_MAX - 9]}_{digest}"
    return name


def _codes(item_type: str, values: list[str]) -> dict[str, float]:
    """SPSS codes of a yes/no or choice item's answers; empty for other items."""
    if item_type == "yes_no":
        return {"yes": 1.0, "no": 0.0}
    if item_type == "choice":
        return {value: float(i) for i, value in enumerate(values, start=1)}
    return {}


def _unique_name(name: str, full: str) -> str:
    """A variable name for ``full`` when ``name`` already stands for something else (two
    items that differ only in characters SPSS does not allow): ends with a hash of ``full``."""
    digest = hashlib.sha256(full.encode("utf-8")).hexdigest()[:8]
    return f"{name[: SPSS_NAME_MAX - 9]}_{digest}"


def _questions(scheme: Scheme) -> dict[str, Question]:
    """Every item the scheme's questionnaires ask: its text, and whether it is 1–5."""
    from revmentor.questionnaires.models import SchemeInstrument

    found: dict[str, Question] = {}
    chosen = SchemeInstrument.objects.filter(scheme=scheme).select_related("version", "scheme")
    for chosen_instrument in chosen:
        instrument = chosen_instrument.version.instrument
        for answerable in instrument.answerables(chosen_instrument.domains()):
            item = answerable.item
            text = f"{item.text}: {answerable.label}" if item.type == "domain_grid" else item.text
            ordinal = item.type in ORDINAL_TYPES
            codes = _codes(item.type, [v for v, _label in item.choices()]) if not ordinal else {}
            labels = (
                {float(v): label for v, label in item.choices()}
                if ordinal
                else {codes[v]: label for v, label in item.choices() if v in codes}
            )
            found.setdefault(answerable.name, Question(text, ordinal, labels, codes))
    return found


def _participants_frame(files: dict[str, bytes]) -> tuple[list[str], list[dict[str, Any]]]:
    """The participants' columns and one dict per participant, from the folder."""
    rows = _rows(files["participants.csv"])
    head, body = rows[0], rows[1:]
    return head, [dict(zip(head, values, strict=True)) for values in body]


def spss_bytes(files: dict[str, bytes], questions: dict[str, Question]) -> bytes:
    """The ``.sav`` file of a study folder, with the questions the scheme asks."""
    import pandas as pd
    import pyreadstat

    head, people = _participants_frame(files)
    labels: dict[str, str | None] = {}
    value_labels: dict[str, dict[float, str]] = {}
    measure: dict[str, str] = {}
    columns: dict[str, list[Any]] = {}
    order = [row["participant_id"] for row in people]
    position = {pid: i for i, pid in enumerate(order)}

    def column(name: str, label: str) -> list[Any]:
        if name not in columns:
            columns[name] = [None] * len(order)
            labels[name] = label
        return columns[name]

    numeric_demographics = ("age", "years_as_consultant")
    for key in head:
        values = column(spss_name(key), key.replace("_", " ").capitalize())
        for i, row in enumerate(people):
            text = row[key]
            if key == "role":
                values[i] = float(ROLE_CODES[text]) if text in ROLE_CODES else math.nan
            elif key in numeric_demographics:
                values[i] = float(text) if _number(text) is not None else math.nan
            else:
                values[i] = text
    labels["participant_id"] = "Research ID (pseudonymous)"
    value_labels["role"] = {float(code): role for role, code in ROLE_CODES.items()}
    measure.update({"role": "nominal", "age": "scale", "years_as_consultant": "scale"})

    answers = _rows(files["responses.csv"])[1:]
    item_of: dict[str, str] = {}
    full_of: dict[str, str] = {}  # SPSS name -> the item_timepoint it stands for
    for participant_id, _role, timepoint, item, value in answers:
        if participant_id not in position:
            continue
        question = questions.get(item)
        full = f"{item}_{timepoint}"
        name = spss_name(item, timepoint)
        if full_of.setdefault(name, full) != full:
            name = _unique_name(name, full)
            full_of.setdefault(name, full)
        text = question.text if question else item
        label = text if len(full) <= SPSS_NAME_MAX and name == full else f"{full}: {text}"
        column(name, label)[position[participant_id]] = value
        item_of[name] = item
    for name, item in item_of.items():
        question = questions.get(item)
        values = columns[name]
        numeric = question.ordinal if question else False
        if question is None:  # unknown item: numeric when every answer is a number
            numeric = all(v is None or _number(v) is not None for v in values)
        codes = question.codes if question else {}
        if codes and all(v is None or v in codes for v in values):
            columns[name] = [math.nan if v is None else codes[v] for v in values]
            value_labels[name] = question.value_labels if question else {}
            measure[name] = "nominal"
        elif numeric:
            columns[name] = [
                float(v) if v is not None and _number(v) is not None else math.nan for v in values
            ]
            if question and question.value_labels:
                value_labels[name] = question.value_labels
            measure[name] = "ordinal" if question and question.ordinal else "scale"
        else:
            columns[name] = ["" if v is None else v for v in values]
            measure[name] = "nominal"
    frame = pd.DataFrame(columns)
    with tempfile.TemporaryDirectory(prefix="revmentor-sav-") as tmp:
        path = Path(tmp) / "study.sav"
        pyreadstat.write_sav(
            frame,
            str(path),
            column_labels=labels,
            variable_value_labels=value_labels,
            variable_measure=measure,
        )
        return path.read_bytes()


def spss(*, actor: User, scheme: Scheme) -> bytes:
    """Return the scheme's study data as an SPSS ``.sav`` file; audited once."""
    content = spss_bytes(export.study_folder(scheme), _questions(scheme))
    record_export(actor, scheme, "the study data as an SPSS file (.sav)")
    return content


# --- PDF ---------------------------------------------------------------------------

EMPTY_REPORT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>@page {{ size: A4; margin: 2cm; }} body {{ font-family: sans-serif; }}</style>
</head><body><h1>{title}</h1>
<p>There are no answers to analyse yet. Results appear once a participant who agreed
to research use has submitted a questionnaire.</p></body></html>
"""


def report_pdf(*, scheme: Scheme, quartiles: QuartileMethod = "tukey") -> bytes:
    """Return the analysis report as PDF (as ``revmentor analyse --pdf``).

    Without answers to analyse, a one-page A4 PDF saying so. Not audited: it runs in the
    background task that makes a :class:`~revmentor.research.models.Report`, and each
    download of that is recorded (``research.services.report_download``).
    """
    found = selectors.analysed(scheme, quartiles)
    title = f"Reverse mentoring study results: {scheme.name}"
    if found.results is None or found.study is None:
        document = EMPTY_REPORT.format(title=html.escape(title))
    else:
        document = render_html(found.results, found.study, title=title)
    return render_pdf(document)


__all__ = [
    "record_export",
    "report_pdf",
    "spss",
    "spss_bytes",
    "spss_name",
    "workbook",
    "workbook_bytes",
]
