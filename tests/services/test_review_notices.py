"""Review notices as job rows, quiet hours for non-urgent pushes, ratings in list orders, and
the erasure of review texts and photos."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.config import Settings
from core.errors import NotStaff
from db.models import ActorRole, Job, JobState, OrderStatus, Product, Provider, Review
from services import catalog, jobs, orders, privacy, quiet_hours, reviews
from services.events import ShopEvents
from services.jobs import JobKind, JobRunner
from services.ratings import PRIOR_MEAN, Rating
from tests.services.custom_data import picture
from tests.services.shop_data import make_product, make_provider, make_user, order_in

pytestmark = pytest.mark.usefixtures("db")

EVENING = datetime(2026, 12, 7, 20, 30, tzinfo=UTC)  # 23:30 in Moscow
NEXT_MORNING = datetime(2026, 12, 8, 6, 0, tzinfo=UTC)  # 09:00 in Moscow
NOON = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def quiet(make_settings: object) -> Settings:
    return make_settings(quiet_hours="22-9", timezone="Europe/Moscow")  # type: ignore[operator,no-any-return]


async def test_only_non_urgent_kinds_wait_out_the_recipients_quiet_hours(quiet: Settings) -> None:
    ann = await make_user()
    for kind in (JobKind.review_new, JobKind.review_reply, JobKind.review_request):
        assert quiet_hours.held_until(kind, ann, quiet, EVENING) == NEXT_MORNING
        assert quiet_hours.held_until(kind, ann, quiet, NOON) is None
    assert quiet_hours.held_until(JobKind.homework_graded, ann, quiet, EVENING) == NEXT_MORNING
    for urgent in (JobKind.lesson_reminder, JobKind.deliver_digital, JobKind.support_sla):
        assert quiet_hours.held_until(urgent, ann, quiet, EVENING) is None
    ann.timezone = "Asia/Vladivostok"  # 06:30 there: quiet until 09:00 local
    assert quiet_hours.held_until(JobKind.review_new, ann, quiet, EVENING) == datetime(
        2026, 12, 7, 23, 0, tzinfo=UTC
    )


async def test_a_postponed_job_waits_without_spending_an_attempt(quiet: Settings) -> None:
    ann = await make_user()
    sent: list[int] = []

    async def notice(job: Job) -> None:
        quiet_hours.hold(job.kind, ann, quiet, now=clock)
        sent.append(job.id)

    runner = JobRunner(name="test")
    runner.register(JobKind.review_reply, notice)
    await jobs.enqueue(JobKind.review_reply, "review.reply:1", {"review_id": 1}, due_at=EVENING)
    clock = EVENING
    assert await runner.run_due(now=EVENING) == 1
    job = await Job.get(key="review.reply:1")
    assert (job.state, job.due_at, job.attempts, sent) == (
        JobState.pending,
        NEXT_MORNING,
        0,
        [],
    )
    assert await runner.run_due(now=NEXT_MORNING - timedelta(minutes=1)) == 0
    clock = NEXT_MORNING
    assert await runner.run_due(now=NEXT_MORNING) == 1
    job = await Job.get(key="review.reply:1")
    assert (job.state, job.attempts, sent) == (JobState.done, 1, [job.id])


async def test_a_review_and_a_reply_write_their_notices_and_a_rating_cancels_the_request() -> None:
    owner = await make_user()
    ann, shop = await make_user(), await make_provider(owner)
    order = await order_in(OrderStatus.ready_for_pickup, ann, shop)
    await orders.transition(
        order.id,
        OrderStatus.completed,
        role=ActorRole.provider,
        actor=owner,
        provider_id=shop.id,
        cash_received=True,
        events=ShopEvents(),
    )
    request = await Job.get(key=JobKind.review_request.key(order.id))
    assert request.state is JobState.pending
    assert request.due_at > datetime.now(UTC) + timedelta(hours=23)

    review = await reviews.write(ann, order.id, 5, "Great")
    new = await Job.get(key=JobKind.review_new.key(order.id))
    assert (new.kind, new.payload) == (str(JobKind.review_new), {"review_id": review.id})
    assert (await Job.get(id=request.id)).state is JobState.cancelled  # rated: no request

    with pytest.raises(NotStaff):
        await reviews.staff_reply(ann, review.id, "me?")
    await reviews.staff_reply(owner, review.id, "Thank you")
    told = await Job.get(key=JobKind.review_reply.key(review.id))
    assert told.payload == {"review_id": review.id}
    saved = await Review.get(id=review.id)
    assert saved.reply == "Thank you" and saved.replied_at is not None


def test_the_damped_score_needs_many_reviews_to_move_far_from_the_prior() -> None:
    assert Rating(None, 0).score == PRIOR_MEAN
    one_five = Rating(5.0, 1, 5)
    many_good = Rating(4.8, 20, 96)
    two_bad = Rating(1.0, 2, 2)
    assert many_good.score > one_five.score > PRIOR_MEAN > two_bad.score


async def rate(provider_id: int, *stars: int, product_id: int | None = None) -> None:
    """One completed order (with the product, if named) and its review per star count."""
    provider = await Provider.get(id=provider_id)
    product = await Product.get(id=product_id) if product_id is not None else None
    for value in stars:
        person = await make_user()
        order = await order_in(OrderStatus.completed, person, provider, product=product)
        await reviews.write(person, order.id, value)


async def test_storefronts_by_rating_put_many_good_reviews_above_one_perfect() -> None:
    lone = await make_provider(name="A lone five")
    crowd = await make_provider(name="B crowd")
    fresh = await make_provider(name="C fresh")
    poor = await make_provider(name="D poor")
    await rate(lone.id, 5)
    await rate(crowd.id, *[5] * 8, 4, 4)
    await rate(poor.id, 1, 2)

    by_name = [p.name for p in await catalog.storefronts()]
    assert by_name == ["A lone five", "B crowd", "C fresh", "D poor"]
    by_rating = [p.name for p in await catalog.storefronts(by_rating=True)]
    assert by_rating == ["B crowd", "A lone five", "C fresh", "D poor"]
    assert fresh


async def test_search_orders_by_relevance_then_by_rating() -> None:
    shop = await make_provider()
    plain = await make_product(shop, "Rye bread", description="dark")
    loved = await make_product(shop, "White bread", description="soft")
    bun = await make_product(shop, "Bun", description="sweet bread roll")
    before = [p.title for p in (await catalog.search("bread")).items]
    assert before == ["Rye bread", "White bread", "Bun"]  # title before description, then A–Z

    await rate(shop.id, 5, 5, 5, product_id=loved.id)
    await rate(shop.id, 1, product_id=plain.id)
    after = await catalog.search("bread")
    assert [p.title for p in after.items] == ["White bread", "Rye bread", "Bun"]
    assert after.total == 3 and bun
    exact = await catalog.search("bun")  # the title starts with the query
    assert [p.title for p in exact.items] == ["Bun"]


async def test_erasure_removes_review_texts_and_photos_and_keeps_the_stars(
    settings: Settings, tmp_path: Path
) -> None:
    ann, shop = await make_user(), await make_provider()
    order = await order_in(OrderStatus.completed, ann, shop)
    upload = tmp_path / "photo.upload"
    upload.write_bytes(picture(fmt="JPEG"))
    review = await reviews.write(
        ann, order.id, 4, "I am Ann", photo=upload, data_dir=settings.data_path
    )
    photo = settings.data_path / str(review.photo_path)
    assert photo.is_file()
    exported = await privacy.export_user_data(ann)
    assert exported["reviews"][0]["text"] == "I am Ann" and exported["reviews"][0]["photo"]

    await privacy.anonymize_user(ann, data_dir=settings.data_path)

    erased = await Review.get(id=review.id)
    assert (erased.rating, erased.text, erased.photo_path) == (4, "", None)
    assert not photo.exists()
    assert (await reviews.rating(shop.id)).count == 1
