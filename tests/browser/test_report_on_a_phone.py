"""The analysis report, read on a phone: wide tables and charts scroll in their frames.

The Results page shows the same report inside the site's layout (its browser tests are
in test_results.py); here the report of the paper's study, with every kind of table and
chart it has (comparisons of nine columns among them), is opened on its own, as
`revmentor analyse --html` writes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from revmentor.analysis.cli import main
from tests.analysis.conftest import paper_rows, write_study
from tests.browser.conftest import Axe

pytestmark = pytest.mark.browser


def test_on_a_phone_nothing_in_the_report_is_wider_than_the_screen(
    browser: Any, tmp_path: Path
) -> None:
    # Given the paper's study analysed into an HTML report
    folder = write_study(tmp_path / "study", paper_rows())
    report = tmp_path / "report.html"
    assert main([str(folder), "--html", str(report)]) == 0

    # When it is opened on a phone's screen
    page = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        page.goto(report.as_uri())

        # Then nothing but a frame's own content reaches past the screen's edge
        outside = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter(e => !e.closest('.nhsuk-scroll__content'))
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
                .map(e => e.tagName + ' ' + e.textContent.slice(0, 40))"""
        )
        assert outside == []
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        # And the wide tables and every chart do scroll, in a frame named for them that
        # the keyboard can reach
        frames = page.evaluate(
            """() => [...document.querySelectorAll('.nhsuk-scroll__content')].map(f => ({
                name: f.getAttribute('aria-label'), focusable: f.tabIndex === 0,
                scrolls: f.scrollWidth > f.clientWidth, chart: !!f.querySelector('svg.chart'),
                table: !!f.querySelector('table')}))"""
        )
        assert all(f["name"] and f["focusable"] for f in frames)
        assert any(f["table"] and f["scrolls"] for f in frames)
        assert [f for f in frames if f["chart"]] and all(f["scrolls"] for f in frames if f["chart"])
        # And axe finds nothing wrong with it at this width
        assert [v["id"] for v in Axe.violations(page)] == []
    finally:
        page.close()
