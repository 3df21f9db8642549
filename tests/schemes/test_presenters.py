"""The dashboard's counts of how many of a whole did something (``of_whole``)."""

from __future__ import annotations

from revmentor.schemes.presenters import StepCount, all_done, of_whole


def test_a_count_of_a_whole_of_one_is_in_the_singular() -> None:
    one = of_whole(1, 1, "sessions held", one="session held")
    assert one == ("of 1 session held", 1)
    assert isinstance(one, StepCount) and one.whole == 1
    assert of_whole(0, 1, "sessions held", one="session held") == ("of 1 session held", 0)


def test_a_count_of_any_other_whole_is_in_the_plural() -> None:
    for whole in (0, 2, 12):
        count = of_whole(0, whole, "sessions held", one="session held")
        assert count == (f"of {whole} sessions held", 0) and count.whole == whole


def test_a_step_is_done_only_when_every_count_is_whole() -> None:
    assert all_done([of_whole(1, 1, "sessions held", one="session held"), ("other", 0)])
    assert not all_done([of_whole(0, 1, "sessions held", one="session held")])
