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


def test_a_likert_label_takes_two_lines_or_its_question_heads_its_time_points() -> None:
    def drawn(rows: int, timepoints: int = 2) -> tuple[str, list[str], float, float]:
        names = ["Before the group interview", "After the group interview", "Before the session"]
        svg = charts.likert_bars(
            f"likert-wrap-{rows}",
            "Confidence",
            [
                (f"Domain {n // timepoints} · {names[n % timepoints]}", {"1": 1, "5": 1})
                for n in range(rows)
            ],
        )
        size = re.search(r'<svg[^>]* width="([0-9.]+)pt" height="([0-9.]+)pt"', svg)
        assert size is not None
        return svg, TEXT.findall(svg), float(size.group(1)), float(size.group(2))

    # Seven domains at two time points: question and time point on lines of their own
    _svg, texts, _width, height = drawn(14)
    assert "Domain 0" in texts and "Before the group interview" in texts
    assert not any(" · " in t for t in texts)
    assert texts.count("Domain 0") == 2  # on each of its rows
    # Seven domains at three time points: each question once, in bold, above its time
    # points, and the chart fits an A4 page (about 730 points high inside its margins)
    svg, texts, width, height = drawn(21, timepoints=3)
    assert not any(" · " in t for t in texts)
    labels = [t for t in texts if t.startswith(("Domain", "Before", "After"))]
    assert labels[:4] == [
        "Domain 0",
        "Before the group interview",
        "After the group interview",
        "Before the session",
    ]
    assert texts.count("Domain 6") == 1
    bold = re.findall(r'<text style="font-weight: 700;[^>]*>([^<]*)</text>', svg)
    assert bold == [f"Domain {n}" for n in range(7)]
    assert height < 700
    # The labels are as wide as a time point, not "question · time point": the chart is
    # under 7 inches wide (one-line labels made it 7.4 here, more with longer questions)
    assert width < 7 * 72


def test_people_with_the_same_pair_of_answers_share_one_darker_line() -> None:
    # Ten people went from 3 to 4, one stayed at 4: two lines, not eleven
    svg = charts.paired_plot(
        "paired-shared",
        "Before and after",
        [("Strengths", np.array([3] * 10 + [4]), np.array([4] * 10 + [4]))],
        ("Before", "After"),
    )
    lines = re.findall(r'<path d="M [^"]*"[^>]*style="[^"]*stroke-width: 1\.2[^"]*"', svg)
    assert len(lines) == 2
    opacities = sorted(float(o) for o in re.findall(r"stroke-opacity: ([0-9.]+)", " ".join(lines)))
    assert opacities == [charts.LINE_ALPHA, round(1 - (1 - charts.LINE_ALPHA) ** 10, 6)]
