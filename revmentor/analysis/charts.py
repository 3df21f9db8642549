"""Charts for the report, drawn with matplotlib and returned as inline SVG text.

Every chart has a data table next to it in the report, so the picture is never the only
way to the numbers. Colours are a colour-blind-safe diverging palette; text stays text in
the SVG (``svg.fonttype = none``) so it is selectable and scales for print.

Drawing is most of the cost of a Results page, and the page is opened again and again
on the same data: each process keeps the last ``KEEP`` charts it drew, keyed by
everything that goes into them, and gives a kept chart back instead of drawing it again.
A program running several processes (the web app: its app servers and the task worker
that makes report PDFs) can also share what each draws through a store of its own
(:func:`share_charts`), named by a digest of the key and of this code's version; and a
page that must not wait can have placeholders instead of charts not drawn yet
(:func:`kept_only`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import re
import textwrap
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from pathlib import Path
from typing import Any, ParamSpec, Protocol

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import numpy.typing as npt

from revmentor.analysis.quartiles import QuartileMethod, quartiles

LIKERT_COLOURS = ["#b2182b", "#ef8a62", "#d9d9d9", "#67a9cf", "#2166ac"]
NHS_BLUE = "#005eb8"
NHS_DARK = "#212b32"
LINE_ALPHA = 0.55  # one person's line in a paired chart: overlaps show darker
WRAP_UP_TO_ROWS = 14  # beyond, a question heads its time points instead of two-line labels
_XML_HEADER = re.compile(r"^.*?(?=<svg)", re.DOTALL)

KEEP = 64  # charts kept per process: a few Results pages' worth
_kept_charts: OrderedDict[Hashable, str] = OrderedDict()
_kept_lock = threading.Lock()
P = ParamSpec("P")


class ChartStore(Protocol):
    """Where several processes share the charts they draw (see :func:`share_charts`)."""

    def get(self, name: str) -> str | None: ...

    def set(self, name: str, svg: str) -> None: ...


_shared: ChartStore | None = None
# What the drawing depends on besides its arguments: this code, how quartiles are
# computed, and matplotlib. A shared chart drawn by other code is never given back.
_VERSION = hashlib.sha256(
    b"".join(
        [
            Path(__file__).read_bytes(),
            Path(__file__).with_name("quartiles.py").read_bytes(),
            matplotlib.__version__.encode(),
        ]
    )
).hexdigest()[:16]


def share_charts(store: ChartStore | None) -> None:
    """Look for charts in ``store`` before drawing them, and put each one drawn there.

    ``None`` stops sharing. Charts stay kept per process as well.
    """
    global _shared
    _shared = store


_not_drawing = threading.local()  # .ids: the charts asked for in kept_only() and not drawn


@contextlib.contextmanager
def kept_only() -> Iterator[list[str]]:
    """Within, a chart that is neither kept here nor in the shared store is not drawn.

    Its call returns a :func:`placeholder` instead, and its id is added to the list this
    yields, so that a page can be shown at once and its charts drawn elsewhere (the web
    app's task worker). Per thread.
    """
    before = getattr(_not_drawing, "ids", None)
    ids: list[str] = []
    _not_drawing.ids = ids
    try:
        yield ids
    finally:
        _not_drawing.ids = before


def placeholder(chart_id: str, title: str) -> str:
    """A chart's place while it is drawn: a box saying so, labelled as the chart is."""
    label = (
        f"{title} (being drawn)".replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{label}" '
        f'class="chart" data-chart="{chart_id}" data-chart-waiting="true" '
        'width="454pt" height="48pt" viewBox="0 0 454 48">'
        '<rect x="1" y="1" width="452" height="46" fill="#f0f4f5" stroke="#aeb7bd"/>'
        '<text x="16" y="29" font-family="Arial, sans-serif" font-size="12" fill="#212b32">'
        "This chart is being drawn. It appears here when it is ready.</text></svg>"
    )


def _shared_name(key: Hashable) -> str:
    """The name of a chart in the shared store: this code's version and the key's digest."""
    digest = hashlib.sha256(repr(key).encode("utf-8", "surrogatepass")).hexdigest()
    return f"{_VERSION}-{digest}"


def _frozen(value: Any) -> Hashable:
    """``value`` as a key: arrays by their bytes, mappings and sequences item by item."""
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, np.generic):  # a NumPy number: keyed as the Python one
        return _frozen(value.item())
    if isinstance(value, dict):
        return ("dict", tuple(sorted((k, _frozen(v)) for k, v in value.items())))
    if isinstance(value, list | tuple):
        return ("seq", tuple(_frozen(v) for v in value))
    if isinstance(value, str | int | float | bool | None):
        return value
    raise TypeError(f"cannot key a chart on a {type(value).__name__}")


def _kept(draw: Callable[P, str]) -> Callable[P, str]:
    """Keep what ``draw`` returns for the last ``KEEP`` different arguments (all charts),
    and share it through the store of :func:`share_charts`, if any."""

    @functools.wraps(draw)
    def keeper(*args: P.args, **kwargs: P.kwargs) -> str:
        key = (draw.__name__, _frozen(args), _frozen(sorted(kwargs.items())))
        with _kept_lock:
            if key in _kept_charts:
                _kept_charts.move_to_end(key)
                return _kept_charts[key]
        shared = _shared
        name = _shared_name(key) if shared is not None else ""
        found = shared.get(name) if shared is not None else None
        waiting: list[str] | None = getattr(_not_drawing, "ids", None)
        if found is not None:
            svg = found
        elif waiting is not None:  # not drawn now: a placeholder, neither kept nor shared
            named = dict(zip(("chart_id", "title"), args, strict=False)) | kwargs
            chart_id, title = str(named["chart_id"]), str(named["title"])  # every chart's
            waiting.append(chart_id)
            return placeholder(chart_id, title)
        else:
            svg = draw(*args, **kwargs)
            if shared is not None:
                shared.set(name, svg)
        with _kept_lock:
            _kept_charts[key] = svg
            while len(_kept_charts) > KEEP:
                _kept_charts.popitem(last=False)
        return svg

    return keeper


def _style() -> Any:  # matplotlib types rcParams keys as one long Literal
    """Return rcParams for every chart: plain sans-serif text, no chart junk."""
    return {
        # Labels are study data (a time point's label is typed by the lead): a "$" in one
        # is a dollar sign, not the start of a formula for matplotlib's mathtext.
        "text.parse_math": False,
        "svg.fonttype": "none",
        "font.family": "sans-serif",
        "font.sans-serif": ["Arial", "Liberation Sans", "DejaVu Sans"],
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#768692",
        "axes.labelcolor": NHS_DARK,
        "xtick.color": NHS_DARK,
        "ytick.color": NHS_DARK,
    }


def _svg(fig: Any, chart_id: str, title: str) -> str:
    """Return ``fig`` as an inline ``<svg>`` element labelled by ``title``; closes ``fig``.

    ``chart_id`` salts matplotlib's internal ids so several charts on one page never share
    a clip-path id.
    """
    buf = io.StringIO()
    with plt.rc_context({"svg.hashsalt": chart_id}):
        fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    svg = _XML_HEADER.sub("", buf.getvalue(), count=1)
    svg = re.sub(r'id="([^"]+)"', lambda m: f'id="{chart_id}-{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{chart_id}-{m.group(1)})", svg)
    svg = re.sub(r'xlink:href="#([^"]+)"', lambda m: f'xlink:href="#{chart_id}-{m.group(1)}"', svg)
    safe_title = title.replace("&", "&amp;").replace("<", "&lt;")
    return svg.replace(
        "<svg ",
        f'<svg role="img" aria-label="{safe_title}" class="chart" data-chart="{chart_id}" ',
        1,
    )


@_kept
def likert_bars(chart_id: str, title: str, rows: Sequence[tuple[str, dict[str, int]]]) -> str:
    """Return a diverging stacked bar chart of 1-5 answers, one bar per row label.

    Each row is (label, counts keyed "1".."5"); bars show percentages, centred on the
    middle answer. Rows with no answers are drawn empty.
    """
    # A label "question · time point" takes two lines, so the chart is narrower and more
    # of its bars show beside the labels on a phone, where it keeps its drawn size. Two
    # lines need taller rows: beyond two time points of seven domains the chart would
    # outgrow an A4 page, so there each question is a bold line of its own above its
    # time points, and the labels are as narrow as the longest time point.
    split = [label.split(" · ", 1) for label, _ in rows]
    grouped = len(rows) > WRAP_UP_TO_ROWS and all(len(parts) == 2 for parts in split)
    slots: list[tuple[str, dict[str, int] | None]] = []  # (label, counts; None: a heading)
    row_height = 0.28
    if grouped:
        row_height = 0.24
        question = None
        for (asked, timepoint), (_label, counts) in zip(split, rows, strict=True):
            if asked != question:
                question = asked
                slots.append((question, None))
            slots.append((timepoint, counts))
    elif len(rows) <= WRAP_UP_TO_ROWS and any(len(parts) == 2 for parts in split):
        slots = [(label.replace(" · ", "\n", 1), counts) for label, counts in rows]
        row_height = 0.42
    else:
        slots = [(label, counts) for label, counts in rows]
    with plt.rc_context(_style()):
        height = 0.9 + row_height * len(slots)
        fig, ax = plt.subplots(figsize=(6.3, height))
        levels = [str(k) for k in range(1, 6)]
        first_bar = True
        for y, (_label, maybe_counts) in enumerate(slots):
            if maybe_counts is None:
                continue
            total = sum(maybe_counts.get(k, 0) for k in levels) or 1
            shares = [100 * maybe_counts.get(k, 0) / total for k in levels]
            left = -(shares[0] + shares[1] + shares[2] / 2)
            for k, share in enumerate(shares):
                ax.barh(
                    y,
                    share,
                    left=left,
                    color=LIKERT_COLOURS[k],
                    height=0.7,
                    edgecolor="white",
                    linewidth=0.5,
                    label=f"{k + 1}" if first_bar else None,
                )
                left += share
            first_bar = False
        ax.set_yticks(range(len(slots)), [label for label, _ in slots])
        marks = ax.yaxis.get_major_ticks()
        for y, (text, (_label, maybe_counts)) in enumerate(
            zip(ax.get_yticklabels(), slots, strict=True)
        ):
            if maybe_counts is None:  # a question's heading: bold, without a tick mark
                text.set_fontweight("bold")
                marks[y].tick1line.set_visible(False)
        ax.invert_yaxis()
        ax.axvline(0, color=NHS_DARK, linewidth=0.6)
        ax.set_xlim(-100, 100)
        ticks = np.arange(-100, 101, 25)
        ax.set_xticks(ticks, [f"{abs(t)}%" for t in ticks])
        ax.legend(
            ncols=5,
            loc="lower center",
            bbox_to_anchor=(0.5, 1.0),
            frameon=False,
            title="Answer (1 = lowest, 5 = highest)",
            fontsize=8,
            title_fontsize=8,
        )
        return _svg(fig, chart_id, title)


@_kept
def paired_plot(
    chart_id: str,
    title: str,
    panels: Sequence[tuple[str, npt.NDArray[np.int64], npt.NDArray[np.int64]]],
    labels: tuple[str, str],
    method: QuartileMethod = "tukey",
    max_lines: int = 60,
) -> str:
    """Return small multiples of paired values, one panel per (label, before, after).

    Up to ``max_lines`` pairs are drawn as one line per participant (overlaps show as
    darker lines: people with the same pair of answers share one, as dark as theirs
    drawn one on another); beyond that each panel shows the medians with their interquartile
    ranges (by ``method``), which stay readable at any size.
    """
    with plt.rc_context(_style()):
        cols = min(4, len(panels))
        rows = -(-len(panels) // cols)
        fig, axes = plt.subplots(rows, cols, figsize=(6.3, 1.9 * rows), squeeze=False)
        for ax, (label, before, after) in zip(axes.flat, panels, strict=False):
            if before.size <= max_lines:
                # People with the same pair of answers share a line, drawn once as dark
                # as that many lines one on another (they also looked thicker, their
                # edges adding up): far less for the PDF's layout to draw.
                pairs, counts = np.unique(
                    np.stack([before, after], axis=1), axis=0, return_counts=True
                )
                for (a, b), n in zip(pairs.tolist(), counts.tolist(), strict=True):
                    colour = NHS_BLUE if b > a else ("#d5281b" if b < a else "#768692")
                    ax.plot(
                        [0, 1],
                        [a, b],
                        color=colour,
                        alpha=1 - (1 - LINE_ALPHA) ** n,
                        linewidth=1.2,
                        marker="o",
                        markersize=2.5,
                    )
            else:
                for x, values in ((0, before), (1, after)):
                    q = quartiles(values, method)
                    med, q1, q3 = float(q.median or 0), float(q.q1 or 0), float(q.q3 or 0)
                    ax.errorbar(
                        x, med, yerr=[[med - q1], [q3 - med]], fmt="o", color=NHS_BLUE, capsize=3
                    )
            ax.set_title(label, fontsize=8.5, loc="left")
            ax.set_xticks([0, 1], [textwrap.fill(label, 12) for label in labels], fontsize=7.5)
            ax.set_xlim(-0.3, 1.3)
            ax.margins(y=0.15)
            # Answers are whole numbers: no tick at 3.5 between two of them.
            ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=4, integer=True))
        for ax in list(axes.flat)[len(panels) :]:
            ax.set_visible(False)
        fig.tight_layout(h_pad=1.2)
        return _svg(fig, chart_id, title)


@_kept
def durations_plot(
    chart_id: str, title: str, minutes: npt.NDArray[np.float64], median: float, q1: float, q3: float
) -> str:
    """Return a strip plot of session durations with the median and quartiles marked.

    Up to 500 sessions are drawn as dots; more as a histogram.
    """
    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(6.3, 1.6))
        if minutes.size <= 500:
            jitter = np.random.default_rng(0).uniform(-0.12, 0.12, minutes.size)
            ax.scatter(minutes, jitter, s=18, color=NHS_BLUE, alpha=0.75, zorder=3)
            ax.add_patch(
                matplotlib.patches.Rectangle(
                    (q1, -0.3), q3 - q1, 0.6, facecolor="#e8edee", edgecolor="#768692", zorder=1
                )
            )
            ax.plot([median, median], [-0.3, 0.3], color=NHS_DARK, linewidth=2, zorder=2)
            ax.set_ylim(-0.6, 0.6)
            ax.set_yticks([])
            ax.spines["left"].set_visible(False)
        else:
            ax.hist(minutes, bins=40, color=NHS_BLUE)
            ax.axvline(median, color=NHS_DARK, linewidth=2)
            ax.set_ylabel("sessions")
        ax.set_xlabel("minutes")
        return _svg(fig, chart_id, title)
