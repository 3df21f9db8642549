"""Reads of the research room: the scheme's results through the pure analysis core.

The Results page and ``revmentor analyse`` agree by construction: the scheme's study
data folder (``research.export.study_folder``) is written to a temporary folder and read
and analysed by the same functions the command line calls (``read_study``, ``analyse``).
The Pooled results page does the same with the pooled folder of several schemes.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from revmentor.analysis.engine import JSON, analyse
from revmentor.analysis.quartiles import METHODS, QuartileMethod
from revmentor.analysis.reader import Study, read_study
from revmentor.research.export import (
    folder_name,
    pooled_folder,
    pooled_folder_name,
    study_folder,
)
from revmentor.research.models import KEEP_FOR, Report
from revmentor.schemes.models import Scheme


@dataclass(frozen=True, slots=True)
class Results:
    """The scheme's results (``None`` when there are no answers yet) and the read folder."""

    results: JSON | None
    study: Study | None


def has_answers(files: dict[str, bytes]) -> bool:
    """Whether ``responses.csv`` of a study folder holds at least one answer row."""
    rows = csv.reader(io.StringIO(files["responses.csv"].decode("utf-8")))
    next(rows, None)
    return next(rows, None) is not None


def analysed(scheme: Scheme, quartiles: QuartileMethod = "tukey") -> Results:
    """Return the scheme's results and the study they were computed from.

    Without any exported answer (nobody with research consent has submitted a
    questionnaire) there is nothing to analyse: both are ``None``. Raises ValueError for
    an unknown quartile method, and ``StudyDataError`` if the exported folder could not
    be read back (a bug: the exporter writes what the reader reads). A fixed number of
    queries whatever the size of the scheme.
    """
    return _analysed_folder(study_folder(scheme), folder_name(scheme), quartiles)


def pooled_analysed(schemes: Iterable[Scheme], quartiles: QuartileMethod = "tukey") -> Results:
    """Return the results of several schemes analysed together, and their study.

    The pooled folder (``research.export.pooled_folder``) is read and analysed as
    :func:`analysed` reads one scheme's, so ``revmentor analyse`` on the unzipped pooled
    download gives the same numbers. The caller chooses only schemes the user may export
    (``schemes_for_research``). Both ``None`` without any exported answer; raises
    PoolingError when the schemes cannot be pooled (the message says why) and
    ValueError for an unknown quartile method. A fixed number of queries per scheme.
    """
    ordered = sorted(schemes, key=lambda s: s.pk)
    files = pooled_folder(ordered)
    return _analysed_folder(files, pooled_folder_name(ordered), quartiles)


def _analysed_folder(files: dict[str, bytes], name: str, quartiles: QuartileMethod) -> Results:
    """Write ``files`` to a temporary folder ``name``, read and analyse it as the CLI does."""
    if quartiles not in METHODS:
        raise ValueError(f"unknown quartile method {quartiles!r}; use one of {METHODS}")
    if not has_answers(files):
        return Results(results=None, study=None)
    with tempfile.TemporaryDirectory(prefix="revmentor-results-") as tmp:
        folder = Path(tmp) / name
        folder.mkdir()
        for file, content in files.items():
            (folder / file).write_bytes(content)
        study = read_study(folder)
    return Results(results=analyse(study, method=quartiles), study=study)


def results(scheme: Scheme, quartiles: QuartileMethod = "tukey") -> JSON | None:
    """Return the scheme's results as ``revmentor analyse --json`` writes them.

    ``None`` when there are no answers yet; see :func:`analysed`.
    """
    return analysed(scheme, quartiles).results


def report_of(scheme: Scheme, *, with_content: bool = False) -> Report | None:
    """Return the scheme's report PDF (asked for, being made, made or failed), or None.

    A made report older than ``KEEP_FOR`` counts as gone (it is deleted at the next
    request). Its content, which can be megabytes, is read only ``with_content``. One
    query.
    """
    found = Report.objects.filter(scheme=scheme).exclude(finished_at__lt=timezone.now() - KEEP_FOR)
    if not with_content:
        found = found.defer("content")
    return found.first()
