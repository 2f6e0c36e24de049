"""Paying tutors in the chat: tutor page → buy a package → pay → balance → book with the
credit; a lesson without credit is held and paid; a monthly Stars plan and its renewal; the
same package bought through the API next to the chat."""

from __future__ import annotations

from typing import Any

import aiohttp

from core.money import STARS
from db.models import (
    LedgerTransaction,
    Lesson,
    LessonStatus,
    Package,
    ProviderKind,
    Role,
    TutoringPayment,
    User,
)
from services import ledger
from services.tutoring import money, profiles, purchases
from tests.handlers.conftest import Telegram, faster_clicks, labels, text_of
from tests.services.shop_data import make_provider
from tests.web.conftest import sign_init_data, tma

make_settings = faster_clicks("100/5seconds")


async def anna_math(telegram: Telegram, *, stars_price: int | None = None) -> Any:
    """A tutor (free every day, no notice) with a 60-minute lesson at 1 000 ₽ and a package
    of 4 lessons at 10 % off."""
    anna = telegram.user(4101, first_name="Anna", language_code="en")
    await anna.send("/start")
    owner = await User.get(tg_id=4101)
    await User.filter(id=owner.id).update(role=Role.provider)
    provider = await make_provider(owner, kind=ProviderKind.tutor, name="Anna Math")
    tutor = await profiles.create_tutor(provider, timezone="Europe/Berlin")
    await profiles.update_settings(tutor, min_notice=0, subjects="Maths")
    for weekday in range(7):
        await profiles.add_rule(tutor, weekday, 8 * 60, 20 * 60)
    lesson_type = await profiles.add_lesson_type(
        tutor, title="Algebra", duration=60, price=100000, location="https://meet.example/a"
    )
    if stars_price:
        lesson_type.stars_price = stars_price
        await lesson_type.save()
    await purchases.add_offer(tutor, lesson_type, 4, 10)
    return provider, tutor, lesson_type


async def test_student_buys_a_package_in_chat_and_books_with_its_credit(
    telegram: Telegram,
) -> None:
    provider, tutor, _type = await anna_math(telegram)
    boris = telegram.user(4102, first_name="Boris", language_code="en")
    await boris.send("/start")

    page = await boris.send(f"/start tutor_{provider.id}")
    assert "Your prepaid lessons here: 0" in text_of(page[-1])
    assert "🎟 Buy 4 lessons — 3,600.00\xa0₽" in labels(page[-1])
    choice = await boris.click("🎟 Buy 4 lessons — 3,600.00\xa0₽", page[-1])
    assert "4 lessons with Anna Math (−10%): 3,600.00\xa0₽" in text_of(choice[-1])
    invoice = (await boris.click("💳 Pay in Telegram", choice[-1]))[0]
    assert invoice.invoice is not None and invoice.invoice.total_amount == 360000

    result = await boris.pay(invoice)
    await telegram.services.jobs.run_due()

    assert result.ok
    student = await User.get(tg_id=4102)
    assert await money.credits_left(student.id, tutor.id) == 4
    package = await Package.get(student_id=student.id)
    assert package.payment_reference.endswith(str(result.charge_id))
    told = [m for m in boris.messages if "Payment received" in text_of(m)]
    assert len(told) == 1
    assert "4 lessons with Anna Math. Prepaid lessons left: 4" in text_of(told[0])
    # Telegram delivers successful_payment again: nothing more
    update_id = max(telegram.emulator.bot(telegram.bot.token).history)
    await telegram.emulator.redeliver(telegram.bot.token, update_id)
    await telegram.emulator.wait_idle()
    await telegram.services.jobs.run_due()
    assert await Package.filter(student_id=student.id).count() == 1
    assert len([m for m in boris.messages if "Payment received" in text_of(m)]) == 1

    # The balance shows on the tutor's page; a time is booked with the credit.
    page = await boris.click("👩‍🏫 Tutor's page", told[0])
    assert "Your prepaid lessons here: 4" in text_of(page[-1])
    slots = await boris.click(labels(page[-1])[0], page[-1])
    booked = await boris.click(labels(slots[-1])[0], slots[-1])
    assert "Booked" in text_of(booked[-1])
    assert await money.credits_left(student.id, tutor.id) == 3
    assert (await ledger.verify()).ok


async def test_without_credit_the_lesson_is_held_then_paid_and_booked(telegram: Telegram) -> None:
    provider, _tutor, _type = await anna_math(telegram)
    vera = telegram.user(4103, first_name="Vera", language_code="en")
    await vera.send("/start")

    page = await vera.send(f"/start tutor_{provider.id}")
    slots = await vera.click(labels(page[-1])[0], page[-1])
    held = await vera.click(labels(slots[-1])[0], slots[-1])

    assert "is held for you for 15 minutes" in text_of(held[-1])
    lesson = await Lesson.get(student__tg_id=4103)
    assert lesson.status == LessonStatus.awaiting_payment
    listed = await vera.send("/lessons")  # /lessons offers to pay it too
    assert "held for you until paid" in text_of(listed[-1])
    assert labels(listed[-1]) == ["💳 Pay in Telegram"]
    invoice = (await vera.click("💳 Pay in Telegram", held[-1]))[0]
    assert invoice.invoice is not None and invoice.invoice.total_amount == 100000
    assert (await vera.pay(invoice)).ok
    await telegram.services.jobs.run_due()

    await lesson.refresh_from_db()
    assert lesson.status == LessonStatus.booked
    assert any("your lesson with Anna Math" in text_of(m) for m in vera.messages)
    unearned = await money.unearned_account(provider.id, "RUB")
    assert unearned.balance == 100000
    assert (await ledger.verify()).ok


async def test_a_monthly_stars_plan_grants_lessons_on_each_renewal(telegram: Telegram) -> None:
    provider, tutor, lesson_type = await anna_math(telegram, stars_price=300)
    await purchases.add_offer(tutor, lesson_type, 4, 0, monthly=True)
    gleb = telegram.user(4104, first_name="Gleb", language_code="en")
    await gleb.send("/start")

    page = await gleb.send(f"/start tutor_{provider.id}")
    plan = await gleb.click("⭐ 4 lessons a month — ⭐ 1200", page[-1])
    link = plan[-1].reply_markup.inline_keyboard[0][0].url  # type: ignore[union-attr]
    (created,) = telegram.emulator.calls_to("createInvoiceLink")
    assert str(created.params["subscription_period"]) == "2592000"
    assert created.params["currency"] == STARS

    first = await gleb.pay(link)
    assert first.ok
    # a renewal 30 days later: Telegram charges without asking, with a new charge id
    renewal = {
        "currency": STARS,
        "total_amount": 1200,
        "invoice_payload": purchases.invoice_payload(await TutoringPayment.get()),
        "telegram_payment_charge_id": "stxRenewal0001",
        "provider_payment_charge_id": "",
        "is_recurring": True,
    }
    await gleb.send_content({"successful_payment": renewal})
    await gleb.send_content({"successful_payment": renewal})  # delivered twice
    await telegram.services.jobs.run_due()

    student = await User.get(tg_id=4104)
    assert await money.credits_left(student.id, tutor.id) == 8
    assert await Package.filter(student_id=student.id, currency=STARS).count() == 2
    assert (await ledger.verify()).ok


async def test_the_same_package_bought_through_the_api(telegram: Telegram) -> None:
    provider, tutor, _type = await anna_math(telegram)
    dina = telegram.user(4105, first_name="Dina", language_code="en")
    await dina.send("/start")
    user = {"id": dina.id, "first_name": "Dina", "language_code": "en"}
    headers = {
        **tma(sign_init_data(telegram.settings.token, user=user)),
        "Accept-Language": "en",
        "Idempotency-Key": "buy-package-0001",
    }

    async with aiohttp.ClientSession() as http:
        async with http.get(
            f"{telegram.app_url}/api/v1/tutors/{provider.id}", headers=headers
        ) as answer:
            page = await answer.json()
        [offer] = page["offers"]
        assert (offer["lessons"], offer["discount_percent"]) == (4, 10)
        assert offer["price"]["amount"] == 360000 and offer["channels"] == ["telegram"]
        body = {"offer_id": offer["id"], "channel": "telegram"}
        url = f"{telegram.app_url}/api/v1/tutors/{provider.id}/packages"
        async with http.post(url, json=body, headers=headers) as answer:
            assert answer.status == 201
            bought = await answer.json()
        async with http.post(url, json=body, headers=headers) as answer:  # a repeated key
            again = await answer.json()
        wrong = {"offer_id": offer["id"], "channel": "stars"}
        async with http.post(url, json=wrong, headers=headers) as answer:
            assert answer.status == 409
            assert (await answer.json())["error"]["code"] == "payment_channel_unavailable"

    assert again["id"] == bought["id"] and bought["invoice_link"]
    assert len(telegram.emulator.calls_to("createInvoiceLink")) == 1
    assert (await dina.pay(bought["invoice_link"])).ok
    await telegram.services.jobs.run_due()
    student = await User.get(tg_id=4105)
    assert await money.credits_left(student.id, tutor.id) == 4
    assert await LedgerTransaction.filter(reference__startswith="package:").count() == 1
    assert any("Payment received" in text_of(m) for m in dina.messages)


async def test_the_tutor_returns_unused_lessons_to_the_students_wallet(telegram: Telegram) -> None:
    _provider, tutor, _type = await anna_math(telegram)
    boris = telegram.user(4106, first_name="Boris", language_code="en")
    await boris.send("/start")
    student = await User.get(tg_id=4106)
    package = await money.buy_package(
        student, tutor, lessons=4, lesson_price=90000, payment_reference="t", channel="telegram"
    )
    anna = telegram.user(4101, first_name="Anna", language_code="en")
    stranger = telegram.user(4107, first_name="Gleb", language_code="en")
    await stranger.send("/start")
    assert "No packages" in text_of((await stranger.send("/tutor_packages"))[-1])

    listed = await anna.send("/tutor_packages")
    assert f"Package #{package.id}: Boris, 4 of 4 lessons unused." in text_of(listed[-1])
    done = await anna.click("↩️ Return 4 lessons to the wallet", listed[-1])
    again = await anna.click("↩️ Return 4 lessons to the wallet", listed[-1])

    assert f"Returned 3,600.00\xa0₽ to the student's wallet for package #{package.id}." in (
        text_of(done[-1])
    )
    assert again == []  # a stale second press: an alert, nothing returned twice
    assert anna.callback_answers[-1].text == "This package has no unused lessons."
    assert (await ledger.customer_account(student.id, "RUB")).balance == 360000
    assert await money.credits_left(student.id, tutor.id) == 0
    assert (await ledger.verify()).ok


async def test_the_tutor_puts_a_package_on_sale(telegram: Telegram) -> None:
    _provider, tutor, lesson_type = await anna_math(telegram)
    anna = telegram.user(4101, first_name="Anna", language_code="en")

    shown = await anna.send("/tutor_offers")
    assert "🎟 Buy 4 lessons — 3,600.00\xa0₽" in text_of(shown[-1])
    assert f"{lesson_type.id} — Algebra" in text_of(shown[-1])
    added = await anna.send(f"/tutor_offers {lesson_type.id} 8 15")
    wrong = await anna.send(f"/tutor_offers {lesson_type.id} 500 15")

    assert "🎟 Buy 8 lessons — 6,800.00\xa0₽" in text_of(added[-1])
    assert "from 1 to 100" in text_of(wrong[-1])
    assert [p.offer.lessons for p in await purchases.offers(tutor)] == [4, 8]
