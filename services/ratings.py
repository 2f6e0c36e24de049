"""Ratings of providers and products from visible reviews, and the damped score they rank by.

Ranking by the plain average would put a shop with one five-star review above one with fifty
reviews averaging 4.9. The ranking score is a Bayesian average instead: the reviews are
counted together with `PRIOR_WEIGHT` imagined reviews of `PRIOR_MEAN` stars,

    score = (sum of stars + PRIOR_WEIGHT * PRIOR_MEAN) / (count + PRIOR_WEIGHT)

so a few reviews move the score a little and many reviews move it to their average; with no
reviews the score is PRIOR_MEAN (between a well- and a badly-rated shop). The prior is a
constant, not the platform's mean, so one shop's new review never reorders the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tortoise.functions import Count, Sum

from db.models import OrderItem, Review

PRIOR_MEAN = 3.5
PRIOR_WEIGHT = 5


@dataclass(frozen=True, slots=True)
class Rating:
    """An average rating (None: no reviews yet) and how many reviews count."""

    average: float | None
    count: int
    stars: int = field(default=0, compare=False)
    """The sum of the stars (for the ranking score)."""

    @property
    def score(self) -> float:
        """The Bayesian average the lists are ordered by (see the module's docstring)."""
        return (self.stars + PRIOR_WEIGHT * PRIOR_MEAN) / (self.count + PRIOR_WEIGHT)


def rating_of(stars: int, count: int) -> Rating:
    """A Rating from a sum of stars and a count."""
    if not count:
        return Rating(None, 0)
    return Rating(round(stars / count, 2), count, stars)


async def provider_ratings(provider_ids: list[int]) -> dict[int, Rating]:
    """Ratings of several providers at once (Rating(None, 0) for those without reviews)."""
    ids = sorted(set(provider_ids))
    found: dict[int, Rating] = {provider_id: Rating(None, 0) for provider_id in ids}
    if not ids:
        return found
    rows = (
        await Review.filter(provider_id__in=ids, hidden=False)
        .annotate(stars=Sum("rating"), count=Count("id"))
        .group_by("provider_id")
        .values("provider_id", "stars", "count")
    )
    for row in rows:
        found[int(row["provider_id"])] = rating_of(int(row["stars"] or 0), int(row["count"] or 0))
    return found


async def product_ratings(product_ids: list[int]) -> dict[int, Rating]:
    """Ratings of products: the visible reviews of the orders that had them in."""
    ids = sorted(set(product_ids))
    found: dict[int, Rating] = {product_id: Rating(None, 0) for product_id in ids}
    if not ids:
        return found
    lines = (
        await OrderItem.filter(product_id__in=ids, order__review__hidden=False)
        .distinct()
        .values_list("product_id", "order_id", "order__review__rating")
    )
    sums: dict[int, list[int]] = {}
    for product_id, _order_id, stars in lines:
        if product_id is not None and stars is not None:
            sums.setdefault(int(product_id), []).append(int(stars))
    for product_id, all_stars in sums.items():
        found[product_id] = rating_of(sum(all_stars), len(all_stars))
    return found
