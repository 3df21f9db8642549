"""Charts are kept per process: the same data gives the same chart without drawing again;
a program of several processes can share them through a store."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from revmentor.analysis import charts


@pytest.fixture
def draws(chart_draws: list[str], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the charts drawn while the test runs (``chart_draws``); not shared."""
    monkeypatch.setattr(charts, "_shared", None)  # the web app shares them: not here
    return chart_draws


def bars(n: int) -> list[tuple[str, dict[str, int]]]:
    return [("Clinical practice", {"1": n, "3": 2, "5": 4}), ("Teamwork", {"2": 1, "4": 3})]


def test_the_same_data_in_new_objects_gives_the_kept_chart(draws: list[str]) -> None:
    first = charts.likert_bars("likert-a", "Confidence", bars(1))
    again = charts.likert_bars("likert-a", "Confidence", bars(1))  # equal, not the same
    assert again == first and first.startswith("<svg ")
    assert draws == ["likert-a"]


def test_anything_different_draws_again(draws: list[str]) -> None:
    base = charts.likert_bars("likert-a", "Confidence", bars(1))
    assert charts.likert_bars("likert-a", "Confidence", bars(2)) != base
    assert charts.likert_bars("likert-b", "Confidence", bars(1)) != base
    charts.likert_bars("likert-a", "Confidence again", bars(1))
    assert draws == ["likert-a", "likert-a", "likert-b", "likert-a"]


def test_arrays_are_keyed_by_their_values(draws: list[str]) -> None:
    def panels(after: list[int]) -> list[tuple[str, Any, Any]]:
        return [("Total", np.array([1, 2, 3], dtype=np.int64), np.array(after, dtype=np.int64))]

    first = charts.paired_plot("paired", "Before and after", panels([2, 2, 4]), ("Pre", "Post"))
    assert (
        charts.paired_plot("paired", "Before and after", panels([2, 2, 4]), ("Pre", "Post"))
        == first
    )
    charts.paired_plot("paired", "Before and after", panels([2, 3, 4]), ("Pre", "Post"))
    charts.paired_plot("paired", "Before and after", panels([2, 2, 4]), ("Pre", "Post"), "linear")
    assert draws == ["paired", "paired", "paired"]


def test_only_the_last_charts_are_kept(draws: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(charts, "KEEP", 2)
    minutes = np.array([30.0, 45.0, 60.0])
    for chart_id in ("one", "two", "three", "one"):
        charts.durations_plot(chart_id, "Sessions", minutes, 45.0, 37.5, 52.5)
    assert len(charts._kept_charts) == 2
    assert draws == ["one", "two", "three", "one"]  # "one" had been let go


def test_numpy_numbers_key_as_the_python_numbers_they_are(draws: list[str]) -> None:
    as_numpy = [("Teamwork", {"2": np.int64(1), "4": np.int64(3)})]
    first = charts.likert_bars("likert-n", "Teamwork", as_numpy)
    assert charts.likert_bars("likert-n", "Teamwork", [("Teamwork", {"2": 1, "4": 3})]) == first
    minutes = np.array([30.0, 45.0])
    charts.durations_plot("d", "Sessions", minutes, np.float64(37.5), 30.0, np.float64(45.0))
    charts.durations_plot("d", "Sessions", minutes, 37.5, np.float32(30.0), 45.0)
    assert draws == ["likert-n", "d"]


class Store(dict[str, str]):
    """A shared store as a dict: what another process drew is in it."""

    def set(self, name: str, svg: str) -> None:
        self[name] = svg


def test_a_chart_another_process_drew_comes_from_the_shared_store(draws: list[str]) -> None:
    store = Store()
    charts.share_charts(store)
    first = charts.likert_bars("likert-s", "Confidence", bars(1))
    assert list(store.values()) == [first]
    charts._kept_charts.clear()  # as in another process
    assert charts.likert_bars("likert-s", "Confidence", bars(1)) == first
    assert draws == ["likert-s"]
    charts.likert_bars("likert-s", "Confidence", bars(2))  # other data: drawn, and shared
    assert draws == ["likert-s", "likert-s"] and len(store) == 2


def test_a_shared_chart_drawn_by_other_code_is_drawn_again(
    draws: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store()
    charts.share_charts(store)
    charts.likert_bars("likert-v", "Confidence", bars(1))
    charts._kept_charts.clear()
    monkeypatch.setattr(charts, "_VERSION", "a-later-release")
    charts.likert_bars("likert-v", "Confidence", bars(1))
    assert draws == ["likert-v", "likert-v"] and len(store) == 2


def test_kept_only_gives_a_placeholder_for_a_chart_not_drawn_and_lists_it(
    draws: list[str],
) -> None:
    drawn = charts.likert_bars("likert-k", "Confidence", bars(1))
    with charts.kept_only() as waiting:
        assert charts.likert_bars("likert-k", "Confidence", bars(1)) == drawn  # kept: as is
        box = charts.likert_bars("likert-new", "Teamwork & <more>", bars(2))
    assert waiting == ["likert-new"] and draws == ["likert-k"]  # not drawn
    assert 'data-chart="likert-new"' in box and "data-chart-waiting" in box
    assert 'aria-label="Teamwork &amp; &lt;more> (being drawn)"' in box
    # Nor kept: outside, the chart is drawn
    assert charts.likert_bars("likert-new", "Teamwork & <more>", bars(2)) != box
    assert draws == ["likert-k", "likert-new"]


def test_kept_only_names_a_chart_asked_for_by_keyword(draws: list[str]) -> None:
    with charts.kept_only() as waiting:
        box = charts.likert_bars(chart_id="likert-kw", title="Teamwork", rows=bars(1))
    assert waiting == ["likert-kw"] and 'aria-label="Teamwork (being drawn)"' in box
    assert draws == []
