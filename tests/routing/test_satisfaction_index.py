"""The satisfaction index's arithmetic, by hand (no stack).

Wilson's interval for 40 satisfied of 50, z = 1.96 (rounded as in most textbooks):
  p = 0.8, z²/n = 3.8416/50 = 0.076832
  centre = (0.8 + 0.038416) / 1.076832 = 0.838416 / 1.076832 = 0.778595
  half   = 1.96 / 1.076832 · sqrt(0.16/50 + 3.8416/10000)
         = 1.820153 · sqrt(0.0032 + 0.00038416) = 1.820153 · 0.059868 = 0.108969
  [low, high] = [0.669626, 0.887564]
"""

from __future__ import annotations

import pytest

from services.routing.stats.satisfaction import MIN_RATINGS, satisfaction, wilson


def test_wilson_against_a_hand_computed_interval() -> None:
    low, high = wilson(40, 50, z=1.96)
    assert low == pytest.approx(0.669626, abs=1e-5)
    assert high == pytest.approx(0.887564, abs=1e-5)


def test_wilson_stays_inside_zero_and_one_at_the_extremes() -> None:
    # All satisfied, n = 30: high is 1, low = n / (n + z²) = 30 / 33.8415 = 0.886486.
    low, high = wilson(30, 30)
    assert high == pytest.approx(1.0)
    assert low == pytest.approx(30 / (30 + 1.959963984540054**2), abs=1e-9)
    assert wilson(0, 30)[0] == pytest.approx(0.0)


def test_too_few_ratings_are_shown_as_such_without_an_index() -> None:
    few = satisfaction(satisfied=MIN_RATINGS - 1, ratings=MIN_RATINGS - 1)
    assert (few.index, few.low, few.high, few.too_few) == (None, None, None, True)
    assert few.ratings == MIN_RATINGS - 1
    assert satisfaction(0, 0).too_few
    enough = satisfaction(satisfied=24, ratings=MIN_RATINGS)
    assert enough.too_few is False and enough.index == 0.8
    assert enough.low is not None and enough.high is not None
    assert enough.low < 0.8 < enough.high


def test_a_threshold_can_be_lowered_for_a_fixture() -> None:
    assert satisfaction(3, 4, minimum=4).index == 0.75
    with pytest.raises(ValueError):
        wilson(5, 4)
