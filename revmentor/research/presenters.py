"""Shape the analysis report for the Results page inside the NHS.UK layout.

The tables, charts and warnings are the report's own (``analysis.report.render_html``),
so the page and ``revmentor analyse --html`` show the same figures. The report is a
complete HTML document; the page keeps its ``<main>`` without the title block (the page
has its own heading, and its own ``<main>``) and its styles nested under ``.rm-report``
(CSS nesting), so they cannot restyle the NHS.UK header, footer or form controls.
"""

from __future__ import annotations

import base64
import html as html_lib
import re
from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.utils.http import urlencode
from markupsafe import Markup

from revmentor.analysis import charts
from revmentor.analysis.engine import JSON
from revmentor.analysis.quartiles import METHODS, QuartileMethod
from revmentor.analysis.reader import Study
from revmentor.analysis.report import render_html
from revmentor.research.export import folder_name
from revmentor.research.models import Report as ReportModel
from revmentor.schemes.models import Scheme

QUARTILE_LABELS: dict[QuartileMethod, tuple[str, str]] = {
    "tukey": (
        "Tukey's hinges (default)",
        "The only method consistent with every IQR the paper publishes.",
    ),
    "haverage": ("Weighted average (SPSS HAVERAGE)", "Hyndman and Fan type 6."),
    "linear": ("Linear", "Hyndman and Fan type 7, the default of NumPy and R."),
}
_STYLE = re.compile(r"<style>(.*?)</style>", re.S)
_MAIN = re.compile(r"<main>(.*)</main>", re.S)
_SVG = re.compile(r"<svg\b(?P<attrs>[^>]*)>.*?</svg>", re.S)
_ARIA_LABEL = re.compile(r'aria-label="([^"]*)"')
_DATA_CHART = re.compile(r'data-chart="([^"]*)"')
_HEADER = re.compile(r"<header>.*?</header>", re.S)
_PAGE_RULE = re.compile(r"@page\s*\{(?:[^{}]|\{[^{}]*\})*\}", re.S)


@dataclass(frozen=True, slots=True)
class Report:
    """The report's styles and body, ready to place in a page."""

    style: Markup
    body: Markup


def quartile_choice(raw: str | None) -> QuartileMethod:
    """Return the quartile method asked for in the query string; unknown or none: tukey."""
    for method in METHODS:
        if raw == method:
            return method
    return "tukey"


def quartile_name(method: str) -> str:
    """A quartile method's name in a sentence ("quartiles by Tukey's hinges")."""
    for known, (label, _hint) in QUARTILE_LABELS.items():
        if method == known:
            return label.removesuffix(" (default)")
    return method


def quartile_options(selected: QuartileMethod) -> list[dict[str, object]]:
    """The radios of the quartile selector (nhsuk-frontend ``radios`` items)."""
    return [
        {
            "value": method,
            "text": QUARTILE_LABELS[method][0],
            "hint": {"text": QUARTILE_LABELS[method][1]},
            "checked": method == selected,
        }
        for method in METHODS
    ]


def scheme_options(schemes: list[Scheme], form: forms.Form) -> list[dict[str, object]]:
    """The checkboxes of the Pooled results page (nhsuk-frontend ``checkboxes`` items).

    One per scheme the user may export, ticked when the submitted form chose it; the
    hint says where it runs and its label in the pooled folder's ``scheme`` column.
    """
    submitted = form["scheme"].value() if form.is_bound else None
    ticked = {str(v) for v in submitted or []}
    return [
        {
            "value": str(scheme.pk),
            "text": scheme.name,
            "hint": {
                "text": f"{scheme.organisation.name} · {scheme.specialty} · {folder_name(scheme)}"
            },
            "checked": str(scheme.pk) in ticked,
        }
        for scheme in schemes
    ]


def pooled_choice(chosen: list[Scheme]) -> dict[str, object]:
    """What the Pooled results page says of the schemes chosen.

    ``labels``: (label in the ``scheme`` column, scheme); ``hidden``: the (name, value)
    pairs the quartile form sends again; ``pooled_query``: the download's query string.
    """
    pairs = [("scheme", scheme.pk) for scheme in chosen]
    return {
        "labels": [(folder_name(scheme), scheme) for scheme in chosen],
        "hidden": pairs,
        "pooled_query": urlencode(pairs),
    }


def _chart_image(match: re.Match[str]) -> str:
    """An inline SVG chart as an ``<img>`` of itself, its label as the ``alt`` text.

    matplotlib styles every shape with a ``style`` attribute, which the page's
    Content-Security-Policy (no inline styles) would drop. An SVG shown as an image is a
    document of its own, so its styles apply; the data table beside every chart still
    gives the numbers as text.
    """
    attrs = match.group("attrs")
    label = _ARIA_LABEL.search(attrs)
    alt = html_lib.escape(html_lib.unescape(label.group(1)) if label else "Chart", quote=True)
    data = base64.b64encode(match.group(0).encode("utf-8")).decode("ascii")
    chart = _DATA_CHART.search(attrs)
    marks = f' data-chart="{html_lib.escape(chart.group(1))}"' if chart else ""
    if "data-chart-waiting" in attrs:  # a placeholder (analysis.charts.kept_only)
        marks += " data-chart-waiting"
    return f'<img class="chart" src="data:image/svg+xml;base64,{data}" alt="{alt}"{marks}>'


def report_kept(results: JSON, study: Study) -> tuple[Report, list[str]]:
    """:func:`report` without drawing: charts not drawn yet are placeholders, their ids
    listed (``analysis.charts.kept_only``)."""
    with charts.kept_only() as waiting:
        shown = report(results, study)
    return shown, waiting


def report(results: JSON, study: Study) -> Report:
    """Return the analysis report's styles (scoped) and body (without its title block).

    Safe to insert unescaped: it is the analysis report's own autoescaped output (study
    data reaches it only as escaped text or as SVG text matplotlib escaped). Its charts
    become images (:func:`_chart_image`).
    """
    html = render_html(results, study)
    style_match, main_match = _STYLE.search(html), _MAIN.search(html)
    if style_match is None or main_match is None:  # pragma: no cover - the template has both
        raise ValueError("the analysis report has no <style> or <main>")
    style = _PAGE_RULE.sub("", style_match.group(1))
    body = _SVG.sub(_chart_image, _HEADER.sub("", main_match.group(1), count=1))
    scoped_style = Markup(f".rm-report {{ {style} }}")  # noqa: S704  # nosec B704
    trusted_body = Markup(body)  # noqa: S704  # nosec B704
    return Report(style=scoped_style, body=trusted_body)


@dataclass(frozen=True, slots=True)
class ReportStatus:
    """What the report page says of the scheme's report PDF.

    ``state`` is ``none`` (never asked for, or deleted), ``waiting``, ``making``,
    ``ready``, ``failed`` or ``overdue`` (waiting or being made for longer than it
    should: the task worker may not be running). ``checking`` says whether the page's
    script should keep asking how it is going.
    """

    state: str
    report: ReportModel | None
    quartiles_label: str = ""
    size: str = ""

    @property
    def checking(self) -> bool:
        return self.state in ("waiting", "making")


def _size(n: int) -> str:
    """A file size as people read it: ``48 KB``, ``1.2 MB``."""
    if n < 1_000_000:
        return f"{max(1, round(n / 1000))} KB"
    return f"{n / 1_000_000:.1f} MB"


def report_status(report: ReportModel | None, now: datetime) -> ReportStatus:
    """Shape the scheme's report (``selectors.report_of``) for the report page."""
    if report is None:
        return ReportStatus(state="none", report=None)
    label = quartile_name(report.quartiles)
    if report.status == ReportModel.Status.READY:
        return ReportStatus("ready", report, label, _size(report.size))
    if report.status == ReportModel.Status.FAILED:
        return ReportStatus("failed", report, label)
    if report.overdue(now):
        return ReportStatus("overdue", report, label)
    return ReportStatus(str(report.status), report, label)
