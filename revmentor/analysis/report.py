"""The report: one Jinja2 template rendered to HTML, and that HTML printed to PDF.

The order follows the paper's Results: participants, the mentors' questionnaires (phase 1
and after), the sessions, the mentees' questionnaires (phase 2), then Table 1. Every test
is named with its settings, every chart has a data table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from revmentor.analysis import charts
from revmentor.analysis.engine import JSON, format_p, measures
from revmentor.analysis.quartiles import QuartileMethod
from revmentor.analysis.reader import DOMAIN_LABELS, MISSING, ROLES, Study

T = TypeVar("T")
ROLE_TITLES = {"mentor": "Mentors", "mentee": "Mentees"}
DASH = "\u2013"  # an en dash, for ranges and for "nothing to show"


@dataclass(slots=True)
class Figure:
    """A chart with its caption and the data table that says the same in numbers."""

    caption: str
    svg: Markup
    head: list[str]
    rows: list[list[str]]


@dataclass(slots=True)
class Scale:
    """One scale of one role: its summaries, comparisons and charts."""

    name: str
    title: str
    timepoints: list[str]
    summary_rows: list[list[str]]
    comparisons: list[tuple[str, list[list[str]]]] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


def _trusted(svg: str) -> Markup:
    """Return matplotlib's SVG output as markup to insert unescaped.

    Safe because matplotlib's SVG writer escapes every text it draws, and study data
    reaches a chart only as text.
    """
    return Markup(svg)  # noqa: S704  # nosec B704


def _num(x: float | None) -> str:
    """Return a number as the paper prints it: whole numbers bare, else one decimal."""
    if x is None:
        return "n/a"
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"


def _mqn(row: JSON) -> str:
    """Return "median (IQR q1-q3), n = N" for a summary row."""
    return f"{_num(row['median'])} ({_num(row['q1'])}{DASH}{_num(row['q3'])}), n = {row['n']}"


def _item_title(item: str, scale: str) -> str:
    """Return the printed name of an item of ``scale``."""
    if item == "total":
        return "Total"
    if item == scale:
        return item.replace("_", " ").capitalize()
    return DOMAIN_LABELS.get(item, item.replace("_", " ").capitalize())


def _ordered(values: Iterable[T]) -> list[T]:
    """Return distinct values in order of first appearance."""
    return list(dict.fromkeys(values))


def _scales(results: JSON, study: Study, role: str, labels: dict[str, str]) -> list[Scale]:
    """Return every scale of ``role`` with its tables and charts."""
    method: QuartileMethod = results["method"]["quartiles"]
    tp_order = [t["timepoint"] for t in results["timepoints"]]
    by_measure = {(m.role, m.scale, m.item): m for m in measures(study)}
    summaries = [s for s in results["summaries"] if s["role"] == role]
    out: list[Scale] = []
    for scale in _ordered(s["scale"] for s in summaries):
        rows = [s for s in summaries if s["scale"] == scale]
        tps = sorted({s["timepoint"] for s in rows}, key=tp_order.index)
        items = _ordered(s["item"] for s in rows)
        is_grid = "total" in items
        cell = {(s["item"], s["timepoint"]): _mqn(s) for s in rows}
        title = scale.replace("_", " ").capitalize()
        if is_grid:
            title += (
                f" ({len(items) - 1} domains, each 1{DASH}5; total out of {5 * (len(items) - 1)})"
            )
        block = Scale(
            name=scale,
            title=title,
            timepoints=[labels.get(t, t) for t in tps],
            summary_rows=[
                [_item_title(i, scale), *(cell.get((i, t), DASH) for t in tps)] for i in items
            ],
        )
        comparisons = [
            c for c in results["comparisons"] if c["role"] == role and c["scale"] == scale
        ]
        for ta, tb in _ordered((c["timepoint_a"], c["timepoint_b"]) for c in comparisons):
            pair_rows = [c for c in comparisons if (c["timepoint_a"], c["timepoint_b"]) == (ta, tb)]
            label_a, label_b = labels.get(ta, ta), labels.get(tb, tb)
            heading = f"{label_a} compared with {label_b}"
            block.comparisons.append(
                (
                    heading,
                    [
                        [
                            _item_title(c["item"], scale),
                            _num(c["median_a"]),
                            _num(c["median_b"]),
                            str(c["n_pairs"]),
                            str(c["n_nonzero"]),
                            DASH if c["z"] is None else f"{c['z']:.3f}",
                            format_p(c["p_asymptotic"]),
                            format_p(c["p_exact"]),
                            DASH if c["effect_r"] is None else f"{c['effect_r']:.2f}",
                        ]
                        for c in pair_rows
                    ],
                )
            )
            panels = []
            for c in pair_rows:
                m = by_measure[(role, scale, c["item"])]
                a_col, b_col = m.values[:, tp_order.index(ta)], m.values[:, tp_order.index(tb)]
                both = (a_col != MISSING) & (b_col != MISSING)
                panels.append(
                    (
                        _item_title(c["item"], scale),
                        a_col[both].astype(np.int64),
                        b_col[both].astype(np.int64),
                    )
                )
            chart_id = f"paired-{role}-{scale}-{ta}-{tb}"
            caption = f"{ROLE_TITLES[role]}' {scale.replace('_', ' ')}: {heading.lower()}"
            block.figures.append(
                Figure(
                    caption=caption,
                    svg=_trusted(
                        charts.paired_plot(
                            chart_id,
                            caption,
                            panels,
                            (labels.get(ta, ta), labels.get(tb, tb)),
                            method,
                        )
                    ),
                    head=["Item", label_a, label_b, "Pairs"],
                    rows=[
                        [
                            _item_title(c["item"], scale),
                            f"{_num(c['median_a'])} ({_num(c['q1_a'])}{DASH}{_num(c['q3_a'])})",
                            f"{_num(c['median_b'])} ({_num(c['q1_b'])}{DASH}{_num(c['q3_b'])})",
                            str(c["n_pairs"]),
                        ]
                        for c in pair_rows
                    ],
                )
            )
        dist = [
            d
            for d in results["distributions"]
            if d["role"] == role and d["scale"] == scale and set(d["counts"]) == set("12345")
        ]
        if dist:
            dist.sort(key=lambda d: (items.index(d["item"]), tp_order.index(d["timepoint"])))
            bars = [
                (f"{_item_title(d['item'], scale)} · {labels.get(d['timepoint'])}", d["counts"])
                for d in dist
            ]
            caption = f"{ROLE_TITLES[role]}' {scale.replace('_', ' ')}: answers from 1 to 5"
            block.figures.append(
                Figure(
                    caption=caption,
                    svg=_trusted(charts.likert_bars(f"likert-{role}-{scale}", caption, bars)),
                    head=["Question", "1", "2", "3", "4", "5"],
                    rows=[[label, *(str(c.get(k, 0)) for k in "12345")] for label, c in bars],
                )
            )
        out.append(block)
    return out


def _participants(results: JSON) -> tuple[list[str], list[list[str]]]:
    """Return (head, rows) of the participants table, one column per role."""
    people = results["participants"]
    head = ["Characteristic", *(ROLE_TITLES[p["role"]] for p in people)]

    def pct(n: int, of: int) -> str:
        return f"{n} of {of} ({100 * n / of:.1f}%)" if of else DASH

    def span(r: JSON | None) -> str:
        return f"{_num(r['min'])}{DASH}{_num(r['max'])}" if r else DASH

    rows = [
        ["Taking part", *(str(p["n"]) for p in people)],
        ["Active / withdrawn", *(f"{p['active']} / {p['withdrawn']}" for p in people)],
        ["Male", *(pct(p["sex"].get("male", {}).get("n", 0), p["n"]) for p in people)],
        ["Female", *(pct(p["sex"].get("female", {}).get("n", 0), p["n"]) for p in people)],
        ["Age range (years)", *(span(p["age"]) for p in people)],
        ["Years as consultant", *(span(p["years_as_consultant"]) for p in people)],
        [
            "Previously a mentor",
            *(pct(p["previous_mentor"]["yes"], p["previous_mentor"]["answered"]) for p in people),
        ],
    ]
    return head, rows


def _schemes(results: JSON) -> list[list[str]]:
    """Return rows (scheme, mentors, mentees, total) of a pooled folder's schemes, or []."""
    return [
        [s["scheme"] or DASH, str(s["mentor"]), str(s["mentee"]), str(s["n"])]
        for s in results.get("schemes", [])
    ]


def _answers(results: JSON, labels: dict[str, str]) -> list[list[str]]:
    """Return rows of the yes/no and category answers table."""
    rows = []
    for a in results["answers"]:
        if a["kind"] == "text":
            shown = f"{a['n']} free-text answers"
        else:
            shown = "; ".join(f"{k}: {v} of {a['n']}" for k, v in a["counts"].items())
        rows.append(
            [
                ROLE_TITLES[a["role"]],
                labels.get(a["timepoint"], a["timepoint"]),
                a["item"].replace("_", " "),
                shown,
            ]
        )
    return rows


def _themes(results: JSON, labels: dict[str, str]) -> tuple[list[str], list[str], list[list[str]]]:
    """Return (column keys, column heads, rows) of Table 1."""
    tp_order = [t["timepoint"] for t in results["timepoints"]]
    keys = sorted(
        {k for t in results["themes"] for k in t["counts"]},
        key=lambda k: (ROLES.index(k.split("/")[0]), tp_order.index(k.split("/", 1)[1])),
    )
    heads = [
        f"{ROLE_TITLES[k.split('/')[0]]}: {labels.get(k.split('/', 1)[1], k.split('/', 1)[1])}"
        for k in keys
    ]
    rows = [[t["label"], *(str(t["counts"].get(k, "")) for k in keys)] for t in results["themes"]]
    return keys, heads, rows


def render_html(results: JSON, study: Study, *, title: str = "") -> str:
    """Return the report as a complete HTML document (charts inline as SVG).

    ``title``: the report's heading and its PDF's title; by default it names the study
    folder, which is all the command line knows of the study.
    """
    labels = {t["timepoint"]: t["label"] for t in results["timepoints"]}
    env = Environment(
        loader=PackageLoader("revmentor.analysis", "templates"),
        autoescape=select_autoescape(["html", "jinja"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    sessions = results["sessions"]
    session_figure = None
    if sessions["n"]:
        caption = "Duration of the one-to-one sessions"
        session_figure = Figure(
            caption=caption,
            svg=_trusted(
                charts.durations_plot(
                    "sessions",
                    caption,
                    study.session_minutes,
                    sessions["median"],
                    sessions["q1"],
                    sessions["q3"],
                )
            ),
            head=["Sessions", "Median", "Quartiles", "Shortest", "Longest"],
            rows=[
                [
                    str(sessions["n"]),
                    _num(sessions["median"]),
                    f"{_num(sessions['q1'])}{DASH}{_num(sessions['q3'])}",
                    _num(sessions["min"]),
                    _num(sessions["max"]),
                ]
            ],
        )
    people_head, people_rows = _participants(results)
    _keys, theme_heads, theme_rows = _themes(results, labels)
    context: dict[str, Any] = {
        "title": title or f"Reverse mentoring study results: {study.folder.name}",
        "generated": dt.date.today().isoformat(),
        "method": results["method"],
        "warnings": results["warnings"],
        "n_comparisons": len(results["comparisons"]),
        "small_n": [w for w in results["warnings"] if w["kind"] == "small_n"],
        "misleading": [w for w in results["warnings"] if w.get("only_approx_significant")],
        "other_warnings": [w for w in results["warnings"] if w["kind"] != "small_n"],
        "people_head": people_head,
        "people_rows": people_rows,
        "scheme_rows": _schemes(results),
        "willingness": results["willingness"],
        "roles": [(ROLE_TITLES[role], _scales(results, study, role, labels)) for role in ROLES],
        "sessions": sessions,
        "session_figure": session_figure,
        "answers": _answers(results, labels),
        "theme_heads": theme_heads,
        "theme_rows": theme_rows,
        "files": study.files,
    }
    return env.get_template("report.html.jinja").render(**context)


def render_pdf(html: str) -> bytes:
    """Return ``html`` printed to an A4 PDF by WeasyPrint.

    Tagged (headings, tables, lists and reading order marked, the document's language
    and title given), so that a screen reader can read it.
    """
    from weasyprint import HTML

    pdf: bytes = HTML(string=html).write_pdf(pdf_tags=True)
    return pdf
