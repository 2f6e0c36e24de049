"""Admin in chat: the panel is hidden from others; providers are created with an owner or invite."""

from __future__ import annotations

from db.models import AuditLog, Provider, ProviderInvite, Role, User
from tests.handlers.admin_support import ADMIN_ID, INVITE_RE, make_settings
from tests.handlers.conftest import Telegram, labels, text_of
from tests.services.shop_data import make_provider

__all__ = ["make_settings"]  # the fixture override: a generous throttle for fast typing


async def test_non_admin_gets_the_unknown_command_answer(telegram: Telegram) -> None:
    ann = telegram.user(1001, first_name="Ann", language_code="en")
    replies = await ann.send("/admin")
    assert len(replies) == 1
    assert text_of(replies[0]).startswith("I did not understand that.")
    assert "Admin" not in text_of(replies[0])


async def test_admin_menu(telegram: Telegram) -> None:
    root = telegram.user(ADMIN_ID, first_name="Root", language_code="en")
    replies = await root.send("/admin")
    assert "Admin panel" in text_of(replies[0])
    assert labels(replies[0]) == [
        "🏪 Providers",
        "🛡 Products moderation",
        "📦 Orders",
        "📄 Catalog CSV",
        "💸 Payouts",
        "📊 Statistics",
        "👥 Users",
        "🧾 Audit log",
        "📣 Broadcast",
    ]


async def test_shop_created_with_an_invite_link_goes_to_the_first_who_opens_it(
    telegram: Telegram,
) -> None:
    root = telegram.user(ADMIN_ID, first_name="Root", language_code="en")
    await root.send("/admin")
    await root.click("🏪 Providers")
    assert "There are no providers yet." in text_of(root.last_message)
    await root.click("➕ New provider")
    replies = await root.send("Tea time?")  # typed instead of choosing the kind
    assert "with the buttons above" in text_of(replies[0])
    await root.click("🏪 Shop")
    replies = await root.send("Лавка Чая")
    assert "lavka-chaya" in text_of(replies[0])
    await root.click("Use “lavka-chaya”")
    assert "Telegram id" in text_of(root.last_message)
    await root.click("🔗 Invite link")

    shop = await Provider.get(slug="lavka-chaya")
    assert (shop.name, shop.kind, shop.owner_id) == ("Лавка Чая", "shop", None)
    match = INVITE_RE.search(text_of(root.last_message))
    assert match is not None, text_of(root.last_message)
    payload = match.group(1)

    bob = telegram.user(2002, first_name="Bob", language_code="en")
    replies = await bob.send(f"/start {payload}")
    assert [text_of(m) for m in replies] == ["You now manage Лавка Чая. Send /shop."]
    bob_user = await User.get(tg_id=bob.id)
    assert bob_user.role is Role.provider
    assert (await Provider.get(id=shop.id)).owner_id == bob_user.id

    carol = telegram.user(2003, first_name="Carol", language_code="en")
    replies = await carol.send(f"/start {payload}")
    assert "This invite is no longer valid" in text_of(replies[0])
    assert (await Provider.get(id=shop.id)).owner_id == bob_user.id
    assert (await User.get(tg_id=carol.id)).role is Role.customer
    replies = await carol.send("/start inv_unknowncode")
    assert "This invite is no longer valid" in text_of(replies[0])


async def test_provider_with_owner_by_telegram_id_and_input_checks(telegram: Telegram) -> None:
    await make_provider(slug="taken")
    root = telegram.user(ADMIN_ID, first_name="Root", language_code="en")
    await root.send("/admin")
    await root.click("🏪 Providers")
    await root.click("➕ New provider")
    await root.click("🎓 Tutor")
    replies = await root.send_photo(b"a picture instead of a name")
    assert "as text" in text_of(replies[0])
    await root.send("Maths with Olga")
    replies = await root.send("Bad Slug!")
    assert "Latin letters" in text_of(replies[0])
    replies = await root.send("taken")
    assert "is taken" in text_of(replies[0])
    replies = await root.send("olga-maths")
    assert "Telegram id" in text_of(replies[0])
    replies = await root.send("olga")
    assert "number like 123456789" in text_of(replies[0])
    replies = await root.send("3003")
    assert text_of(replies[0]).startswith("✅ Created.")
    assert "Owner: (no name yet), id 3003" in text_of(replies[0])

    tutor = await Provider.get(slug="olga-maths").prefetch_related("owner")
    assert tutor.kind == "tutor" and tutor.owner is not None
    assert (tutor.owner.tg_id, tutor.owner.role) == (3003, Role.provider)
    assert await AuditLog.filter(action="provider.create", target=f"provider:{tutor.id}").exists()


async def test_provider_settings(telegram: Telegram) -> None:
    shop = await make_provider(name="Lavka", allow_cash=True, inn="")
    root = telegram.user(ADMIN_ID, first_name="Root", language_code="en")
    await root.send("/admin")
    await root.click("🏪 Providers")
    await root.click("🏪 Lavka")
    screen = root.last_message
    assert "Cash: on" in text_of(screen)

    await root.click("✅ Cash")
    assert root.callback_answers[-1].text == "Saved."
    assert "Cash: off" in text_of(root.last_message)
    await root.click("✅ Cash", screen)  # the old button, pressed again: still off
    assert (await Provider.get(id=shop.id)).allow_cash is False

    await root.click("🔢 INN")
    replies = await root.send("7707083894")
    assert "not a valid INN" in text_of(replies[0])
    replies = await root.send("7707083893")
    assert "INN: 7707083893" in text_of(replies[-1])

    await root.click("🚚 Delivery fee")
    replies = await root.send("free")
    assert "number of roubles" in text_of(replies[0])
    await root.send("149,90")
    await root.click("🧾 Tax system")
    await root.click("Patent (PSN)")
    await root.click("⏸ Deactivate")
    shop = await Provider.get(id=shop.id)
    assert (shop.inn, shop.delivery_fee, shop.tax_system_code, shop.is_active) == (
        "7707083893",
        14990,
        6,
        False,
    )
    assert "Status: deactivated" in text_of(root.last_message)
    assert await AuditLog.filter(action="provider.update").count() == 5


async def test_invite_for_an_existing_provider_and_stale_invites(telegram: Telegram) -> None:
    await make_provider(name="Lavka")
    root = telegram.user(ADMIN_ID, first_name="Root", language_code="en")
    await root.send("/admin")
    await root.click("🏪 Providers")
    await root.click("🏪 Lavka")
    await root.click("🔗 Owner invite link")
    match = INVITE_RE.search(text_of(root.last_message))
    assert match is not None
    await ProviderInvite.filter(code=match.group(1)[4:]).update(expires_at="2000-01-01T00:00:00Z")
    replies = await telegram.user(2002, language_code="en").send(f"/start {match.group(1)}")
    assert "This invite is no longer valid" in text_of(replies[0])
