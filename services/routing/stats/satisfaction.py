"""The satisfaction index (chỉ số hài lòng): its method, written down once.

Method (also in docs/satisfaction.md):
- A rating is a citizen's score of 1-5 after the resolution (intake's case.rated); a case
  counts once, with its latest score, under the local day it was *received* (like every
  other figure of the roll-up).
- The index is the share of rated cases rated satisfied, 4 or 5 of 5: satisfied / ratings.
- Its 95 % interval is Wilson's score interval (Wilson 1927), which stays inside [0, 1]
  and keeps a sensible width for small counts and shares near 0 or 1, where the normal
  ("Wald") interval fails: with p = k/n and z = 1.959964,
      centre = (p + z²/2n) / (1 + z²/n)
      half   = z / (1 + z²/n) · sqrt(p(1-p)/n + z²/4n²)
      [low, high] = centre ∓ half
- Too few ratings: below MIN_RATINGS in the period the index, low and high are null and
  `too_few` is true: the unit is shown with its count of ratings, never ranked. With 30
  ratings the interval is still about ±0.15 wide around 0.8; fewer would rank units by
  noise.
"""

from __future__ import annotations

from math import sqrt

from pydantic import BaseModel

Z95 = 1.959963984540054  # the standard normal's 97.5th percentile
MIN_RATINGS = 30


def wilson(satisfied: int, ratings: int, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval for the share satisfied / ratings (ratings > 0)."""
    if ratings <= 0 or not 0 <= satisfied <= ratings:
        raise ValueError(f"no interval for {satisfied} of {ratings}")
    p, n, z2 = satisfied / ratings, ratings, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


class Satisfaction(BaseModel):
    """The share of rated cases rated 4-5 of 5, its Wilson 95 % interval, the count."""

    index: float | None  # null when too few ratings
    low: float | None
    high: float | None
    ratings: int
    satisfied: int
    too_few: bool  # fewer than `min_ratings`: shown, never ranked
    min_ratings: int = MIN_RATINGS


class KindSatisfaction(Satisfaction):
    kind: str


class MonthSatisfaction(Satisfaction):
    month: str  # YYYY-MM, local (Asia/Ho_Chi_Minh) month of receipt


def satisfaction(satisfied: int, ratings: int, minimum: int = MIN_RATINGS) -> Satisfaction:
    if ratings < max(minimum, 1):
        return Satisfaction(
            index=None,
            low=None,
            high=None,
            ratings=ratings,
            satisfied=satisfied,
            too_few=True,
            min_ratings=minimum,
        )
    low, high = wilson(satisfied, ratings)
    return Satisfaction(
        index=round(satisfied / ratings, 4),
        low=round(low, 4),
        high=round(high, 4),
        ratings=ratings,
        satisfied=satisfied,
        too_few=False,
        min_ratings=minimum,
    )
