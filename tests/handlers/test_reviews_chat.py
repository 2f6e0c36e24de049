"""Reviews in chat: rate a completed order, the provider replies, admins hide; bad inputs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiogram.types import Message

from db.models import Job, JobState, Order, Provider, ProviderKind, Review
from keyboards.reviews import RateAction, RateCB
from sandbox import SandboxUser
from services.jobs import JobKind
from tests.handlers.admin_support import ADMIN_ID, make_settings
from tests.handlers.conftest import Telegram, text_of
from tests.handlers.test_provider_orders import bakery, bot_messages, forge_click, labels, person
from tests.handlers.test_provider_orders import place as place_order
from tests.services.custom_data import picture

__all__ = ["make_settings"]  # fixture: faster clicks

COMPLETE = [
    "✅ Accept",
    "🛠 In work",
    "📦 Ready for pickup",
    "💵 Cash received, complete",
]
EXISTS = "This order has a review already."
NOT_FOUND = "Not found. It may have been removed."
NOT_STAFF = "Seller mode is for the staff of a shop."


async def completed_order(
    telegram: Telegram,
) -> tuple[SandboxUser, SandboxUser, Order, Message]:
    """Sam's bakery completes Ann's order; the completion message Ann got."""
    seller, _, product = await bakery(telegram)
    buyer = await person(telegram, 3001, "Ann")
    order = await place_order(telegram, buyer, product)
    push = seller.last_message
    assert push is not None
    for label in COMPLETE:
        await seller.click(label, push.message_id)
    done = buyer.last_message
    assert done is not None and f"Order #{order.id} is completed" in text_of(done)
    return seller, buyer, order, done


async def storefront_text(buyer: SandboxUser) -> str:
    """The bakery's storefront as the buyer opens it from the menu."""
    await buyer.send("/start")
    await buyer.click("🛒 Catalog")
    replies = await buyer.click("Sam's Bakery")
    return text_of(replies[-1])


async def test_a_customer_rates_with_text_and_the_provider_replies(telegram: Telegram) -> None:
    seller, buyer, order, done = await completed_order(telegram)
    assert "⭐ Rate the order" in labels(done)

    asked = await buyer.click("⭐ Rate the order", done)
    assert f"rate order #{order.id}" in text_of(asked[-1])
    assert labels(asked[-1]) == ["1⭐", "2⭐", "3⭐", "4⭐", "5⭐"]
    wrong = await buyer.send("great!")  # text where the stars are expected
    assert "choose 1 to 5 stars" in text_of(wrong[-1])
    assert await Review.filter(order_id=order.id).count() == 0

    prompt = await buyer.click("4⭐", asked[-1])
    assert "★★★★☆" in text_of(prompt[-1]) and labels(prompt[-1]) == ["Skip"]
    photo = await buyer.send_photo(b"a picture")  # a photo where the text is expected
    assert "write the review as text" in text_of(photo[-1])
    seller_before = len(bot_messages(seller))
    photo_asked = await buyer.send("Fresh and <warm>")
    assert "Send a photo" in text_of(photo_asked[-1]) and labels(photo_asked[-1]) == ["Skip"]
    assert await Review.filter(order_id=order.id).count() == 0  # saved after the photo step
    thanks = await buyer.click("Skip", photo_asked[-1])
    assert "review is saved" in text_of(thanks[-1])

    review = await Review.get(order_id=order.id)
    assert (review.rating, review.text, review.hidden) == (4, "Fresh and <warm>", False)
    news = bot_messages(seller)[seller_before:]
    assert len(news) == 1
    assert f"New review of order #{order.id}" in text_of(news[0])
    assert "Fresh and <warm>" in text_of(news[0]) and labels(news[0]) == ["💬 Reply"]

    # Stale buttons after the review: the stars again, Skip, rate again.
    await buyer.click("5⭐", asked[-1])
    assert buyer.callback_answers[-1].text == EXISTS
    await buyer.click("Skip", prompt[-1])
    assert buyer.callback_answers[-1].text == EXISTS
    await buyer.click("⭐ Rate the order", done)
    assert buyer.callback_answers[-1].text == EXISTS
    assert await Review.filter(order_id=order.id).count() == 1
    assert (await Review.get(order_id=order.id)).rating == 4

    buyer_before = len(bot_messages(buyer))
    asked_reply = await seller.click("💬 Reply", news[0])
    assert f"review of order #{order.id}" in text_of(asked_reply[-1])
    sent = await seller.send("Thank you, come again!")
    assert "reply is sent" in text_of(sent[-1])
    assert (await Review.get(id=review.id)).reply == "Thank you, come again!"
    told = bot_messages(buyer)[buyer_before:]
    assert len(told) == 1
    assert "Sam's Bakery replied to your review" in text_of(told[0])
    assert "Thank you, come again!" in text_of(told[0])


async def test_skip_saves_the_stars_once_on_a_double_click(telegram: Telegram) -> None:
    _, buyer, order, done = await completed_order(telegram)
    asked = await buyer.click("⭐ Rate the order", done)
    typed = await buyer.send("5")  # the digit typed instead of pressed is taken
    assert "★★★★★" in text_of(typed[-1])
    asked_photo = await buyer.click("Skip", typed[-1])
    assert "Send a photo" in text_of(asked_photo[-1])
    await buyer.click("Skip", asked_photo[-1])
    await buyer.click("Skip", asked_photo[-1])
    assert buyer.callback_answers[-1].text == EXISTS
    reviews = await Review.filter(order_id=order.id)
    assert [(r.rating, r.text) for r in reviews] == [(5, "")]
    assert asked


async def test_someone_elses_order_or_review_is_not_found(telegram: Telegram) -> None:
    seller, buyer, order, done = await completed_order(telegram)
    eve = await person(telegram, 3002, "Eve")
    await forge_click(eve, RateCB(action=RateAction.stars, order_id=order.id, stars=1).pack())
    assert eve.callback_answers[-1].text == NOT_FOUND
    await forge_click(eve, RateCB(action=RateAction.skip, order_id=order.id, stars=1).pack())
    assert eve.callback_answers[-1].text == NOT_FOUND
    assert await Review.filter(order_id=order.id).count() == 0

    asked = await buyer.click("⭐ Rate the order", done)
    await buyer.click("3⭐", asked[-1])
    photo_asked = await buyer.send("ok")
    await buyer.click("Skip", photo_asked[-1])
    review = await Review.get(order_id=order.id)
    await forge_click(eve, f"rr:{review.id}")  # Eve is on no shop's staff
    assert eve.callback_answers[-1].text == NOT_STAFF
    await forge_click(buyer, f"rr:{review.id}")
    assert buyer.callback_answers[-1].text == NOT_STAFF
    await forge_click(eve, f"rh:{review.id}")  # hiding is for admins
    assert not (await Review.get(id=review.id)).hidden
    assert seller


async def test_an_admin_lists_and_hides_reviews(telegram: Telegram) -> None:
    _, buyer, order, done = await completed_order(telegram)
    asked = await buyer.click("⭐ Rate the order", done)
    await buyer.click("2⭐", asked[-1])
    photo_asked = await buyer.send("Too <b>sweet</b>")
    await buyer.click("Skip", photo_asked[-1])
    review = await Review.get(order_id=order.id)
    assert "★ 2.0 (1)" in await storefront_text(buyer)

    root = telegram.user(ADMIN_ID, first_name="Root", language_code="en")
    listed = await root.send("/reviews")
    text = text_of(listed[-1])
    assert f"#{review.id}" in text and "★★☆☆☆" in text and "Sam's Bakery" in text
    assert "Too <b>sweet</b>" in text  # shown as typed, not as markup
    assert labels(listed[-1]) == [f"🙈 Hide #{review.id}"]

    after = await root.click(f"🙈 Hide #{review.id}", listed[-1])
    assert (await Review.get(id=review.id)).hidden
    assert root.callback_answers[-1].text == f"Review #{review.id} is hidden."
    assert "No reviews to moderate." in text_of(after[-1])
    again = await root.send("/reviews")
    assert "No reviews to moderate." in text_of(again[-1])

    assert "★" not in await storefront_text(buyer)  # a hidden review counts nowhere
    plain = await buyer.send("/reviews")  # not an admin: nothing is listed
    assert all("Recent reviews" not in text_of(m) for m in plain)


async def test_a_review_with_a_photo_reaches_the_provider_with_it(telegram: Telegram) -> None:
    seller, buyer, order, done = await completed_order(telegram)
    asked = await buyer.click("⭐ Rate the order", done)
    await buyer.click("5⭐", asked[-1])
    photo_asked = await buyer.send("Lovely cake")

    refused = await buyer.send_document(
        b"%PDF-1.4 not a picture", "cake.pdf", mime_type="image/png"
    )
    assert "JPEG, PNG or WebP" in text_of(refused[-1]) and labels(refused[-1]) == ["Skip"]
    wrong = await buyer.send("here it comes")  # text where the photo is expected
    assert "send a photo" in text_of(wrong[-1])
    assert await Review.filter(order_id=order.id).count() == 0

    seller_before = len(bot_messages(seller))
    thanks = await buyer.send_photo(picture(fmt="JPEG"))
    assert "with the photo is saved" in text_of(thanks[-1])
    review = await Review.get(order_id=order.id)
    assert (review.rating, review.text) == (5, "Lovely cake")
    assert review.photo_path and review.photo_path.startswith("media/reviews/")
    assert (telegram.settings.data_path / review.photo_path).is_file()
    assert review.photo_file_id  # the chat's photo is sent on by its id

    news = bot_messages(seller)[seller_before:]
    assert len(news) == 1 and news[0].photo
    assert f"New review of order #{order.id}" in text_of(news[0])
    assert "Lovely cake" in text_of(news[0]) and labels(news[0]) == ["💬 Reply"]
    assert photo_asked


async def test_the_shops_list_offers_the_best_rated_first(telegram: Telegram) -> None:
    _, buyer, order, done = await completed_order(telegram)
    await Provider.create(slug="aaa", kind=ProviderKind.shop, name="Aardvark Cakes")
    await buyer.send("/start")
    listed = await buyer.click("🛒 Catalog")
    assert [label for label in labels(listed[-1]) if "a" in label.lower()][:2] == [
        "Aardvark Cakes",
        "Sam's Bakery",
    ]
    assert "⭐ By rating" in labels(listed[-1])
    asked = await buyer.click("⭐ Rate the order", done)
    await buyer.click("5⭐", asked[-1])
    photo_asked = await buyer.send("Best in town")
    await buyer.click("Skip", photo_asked[-1])

    by_rating = await buyer.click("⭐ By rating", listed[-1])
    names = labels(by_rating[-1])
    assert names.index("Sam's Bakery") < names.index("Aardvark Cakes")
    assert "🔤 By name" in names
    assert order


async def test_an_unrated_order_brings_one_request_a_day_later(telegram: Telegram) -> None:
    _, buyer, order, _ = await completed_order(telegram)
    request = await Job.get(key=JobKind.review_request.key(order.id))
    before = len(bot_messages(buyer))
    await telegram.services.jobs.run_due(now=request.due_at + timedelta(seconds=1))
    asked = bot_messages(buyer)[before:]
    assert len(asked) == 1
    assert f"How was order #{order.id}" in text_of(asked[0])
    assert labels(asked[0]) == ["⭐ Rate the order"]
    stars = await buyer.click("⭐ Rate the order", asked[0])
    assert labels(stars[-1]) == ["1⭐", "2⭐", "3⭐", "4⭐", "5⭐"]


MOSCOW = ZoneInfo("Europe/Moscow")
HOUR = datetime.now(MOSCOW).hour


@pytest.mark.parametrize(
    "telegram_settings",
    [{"timezone": "Europe/Moscow", "quiet_hours": f"{HOUR}-{(HOUR + 2) % 24}"}],
)
async def test_a_reply_in_the_customers_quiet_hours_waits_for_their_end(
    telegram: Telegram,
) -> None:
    seller, buyer, order, done = await completed_order(telegram)
    asked = await buyer.click("⭐ Rate the order", done)
    await buyer.click("3⭐", asked[-1])
    photo_asked = await buyer.send("ok")
    await buyer.click("Skip", photo_asked[-1])
    review = await Review.get(order_id=order.id)
    news = await Job.get(key=JobKind.review_new.key(order.id))
    assert news.state is JobState.pending and news.due_at > datetime.now(UTC)  # Sam's too

    before = len(bot_messages(buyer))
    await forge_click(seller, f"rr:{review.id}")
    await seller.send("Thanks!")
    assert len(bot_messages(buyer)) == before  # nothing in the night
    told = await Job.get(key=JobKind.review_reply.key(review.id))
    start = datetime.now(MOSCOW).replace(hour=HOUR, minute=0, second=0, microsecond=0)
    if start > datetime.now(MOSCOW):  # collected just before midnight
        start -= timedelta(days=1)
    morning = (start + timedelta(hours=2)).astimezone(UTC)
    assert told.state is JobState.pending and told.due_at == morning
    assert told.attempts == 0
