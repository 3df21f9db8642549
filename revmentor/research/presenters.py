"""Shape the analysis report for the Results page inside the NHS.UK layout.

The tables, charts and warnings are the report's own (``analysis.report.render_html``),
so the page and ``revmentor analyse --html`` show the same figures. The report is a
complete HTML document; the page keeps its body without the title block (the page has
its own heading) and its styles nested under ``.rm-report`` (CSS nesting), so they
cannot restyle the NHS.UK header, footer or form controls.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup

from revmentor.analysis.engine import JSON
from revmentor.analysis.quartiles import METHODS, QuartileMethod
from revmentor.analysis.reader import Study
from revmentor.analysis.report import render_html

QUARTILE_LABELS: dict[QuartileMethod, tuple[str, str]] = {
    "tukey": (
        "Tukey's hinges (default)",
        "The only method consistent with every IQR the paper publishes.",
    ),
    "haverage": ("Weighted average (SPSS HAVERAGE)", "Hyndman and Fan type 6."),
    "linear": ("Linear", "Hyndman and Fan type 7, the default of NumPy and R."),
}
_STYLE = re.compile(r"<style>(.*?)</style>", re.S)
_BODY = re.compile(r"<body>(.*)</body>", re.S)
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


def report(results: JSON, study: Study) -> Report:
    """Return the analysis report's styles (scoped) and body (without its title block).

    Safe to insert unescaped: it is the analysis report's own autoescaped output (study
    data reaches it only as escaped text or as SVG text matplotlib escaped).
    """
    html = render_html(results, study)
    style_match, body_match = _STYLE.search(html), _BODY.search(html)
    if style_match is None or body_match is None:  # pragma: no cover - the template has both
        raise ValueError("the analysis report has no <style> or <body>")
    style = _PAGE_RULE.sub("", style_match.group(1))
    body = _HEADER.sub("", body_match.group(1), count=1)
    return Report(
        style=Markup(f".rm-report {{ {style} }}"),  # noqa: S704
        body=Markup(body),  # noqa: S704
    )
