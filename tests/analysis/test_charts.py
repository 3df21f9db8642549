"""What the charts draw: whole-number axes for whole-number answers, text big enough."""

from __future__ import annotations

import re

import numpy as np

from revmentor.analysis import charts

TEXT = re.compile(r"<text[^>]*>([^<]*)</text>")
FONT_SIZE = re.compile(r"font-size: ([0-9.]+)px")


def test_a_paired_panel_of_answers_has_whole_number_ticks_only() -> None:
    # Answers of 3 and 4 only: matplotlib's own choice would tick 3.0, 3.2, … 4.0.
    svg = charts.paired_plot(
        "paired-ticks",
        "Before and after",
        [("Approachability", np.array([3, 4, 4]), np.array([4, 4, 4]))],
        ("Before", "After"),
    )
    texts = TEXT.findall(svg)
    numbers = [t for t in texts if re.fullmatch(r"[0-9.]+", t)]
    assert numbers == ["3", "4"]


def test_no_chart_text_is_smaller_than_seven_and_a_half_points() -> None:
    # SVG user units are points here; a phone shows a chart at its drawn size.
    drawn = [
        charts.paired_plot(
            "paired-size",
            "Before and after",
            [("Strengths", np.array([2, 3, 5]), np.array([3, 4, 5]))] * 5,
            ("Before the group interview", "After the session"),
        ),
        charts.likert_bars(
            "likert-size", "Confidence", [("Strengths · Before", {"1": 1, "3": 2, "5": 1})]
        ),
        charts.durations_plot(
            "durations-size", "Sessions", np.array([30.0, 45, 50]), 45.0, 30.0, 50.0
        ),
    ]
    for svg in drawn:
        sizes = [float(size) for size in FONT_SIZE.findall(svg)]
        assert sizes and min(sizes) >= 7.5, sizes


def test_a_likert_label_takes_two_lines_unless_the_chart_would_outgrow_a_page() -> None:
    def drawn(rows: int) -> tuple[list[str], float]:
        svg = charts.likert_bars(
            f"likert-wrap-{rows}",
            "Confidence",
            [(f"Domain {n} · Before the group interview", {"1": 1, "5": 1}) for n in range(rows)],
        )
        height = re.search(r'<svg[^>]* height="([0-9.]+)pt"', svg)
        assert height is not None
        return TEXT.findall(svg), float(height.group(1))

    # Seven domains at two time points: question and time point on lines of their own
    texts, height = drawn(14)
    assert "Domain 0" in texts and "Before the group interview" in texts
    assert not any(" · " in t for t in texts)
    # Seven domains at four time points: one line each, and the chart fits an A4 page
    # (about 730 points high inside its margins)
    texts, height = drawn(28)
    assert "Domain 0 · Before the group interview" in texts
    assert height < 700
