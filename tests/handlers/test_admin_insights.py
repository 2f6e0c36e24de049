"""Admin's statistics, funnel, people and audit log in chat; the funnel fed by both faces."""

from __future__ import annotations

import csv
import io

from core.errors import Forbidden
from db.models import (
    ActorRole,
    AuditLog,
    EventChannel,
    EventKind,
    OrderStatus,
    PaymentMethod,
    ProductEvent,
    Role,
    User,
)
from services import admin_users, orders
from tests.handlers.admin_support import ADMIN_ID
from tests.handlers.conftest import Telegram, labels, text_of
from tests.handlers.customer_data import make_product, make_settings, make_shop, rub
from tests.services.shop_data import order_in
from tests.web.conftest import TG_USER, LiveMiniApp

__all__ = ["make_settings"]  # the fixture override: a generous throttle for fast clicks


async def test_stats_and_funnel_count_what_customers_did_in_chat_and_in_the_app(
    telegram: Telegram,
) -> None:
    shop = await make_shop("Tea House")
    tea = await make_product(shop, "Green tea", 15000, stock=5, category="Tea")
    ann = telegram.user(1001, first_name="Ann", language_code="en")
    await ann.send("/start spring_sale")
    await ann.click("🛒 Catalog")
    await ann.click("Tea House")
    await ann.click("Tea")
    await ann.click(f"Green tea — {rub(15000)}")
    await ann.click("🛒 Add to cart")
    bob = telegram.user(1002, first_name="Bob", language_code="en")
    await bob.send("/start")
    await bob.click("🛒 Catalog")

    # Anna comes through the Mini App: it opens, shows the shop and adds to the cart.
    app = LiveMiniApp(telegram.app_url, telegram.settings.token)
    assert (await app.call("GET", "/me"))[0] == 200
    assert (await app.call("GET", f"/providers/{shop.id}/products"))[0] == 200
    assert (await app.call("POST", "/cart/items", {"product_id": tea.id}))[0] == 200
    assert (await app.call("POST", "/cart/items", {"product_id": 999999}))[0] == 404

    # Ann's cash order is handed over: it is sold (and her funnel reaches "paid").
    ann_user = await User.get(tg_id=ann.id)
    order = await order_in(
        OrderStatus.ready_for_pickup, ann_user, shop, payment_method=PaymentMethod.cash, product=tea
    )
    await orders.transition(
        order.id,
        OrderStatus.completed,
        role=ActorRole.provider,
        actor=None,
        events=telegram.services.shop_events,
        cash_received=True,
    )
    await telegram.services.analytics.flush()

    anna = await User.get(tg_id=TG_USER["id"])
    app_steps = set(
        await ProductEvent.filter(user_id=anna.id, channel=EventChannel.app).values_list(
            "kind", flat=True
        )
    )
    assert app_steps == {EventKind.app_opened, EventKind.catalog_viewed, EventKind.cart_added}
    assert await ProductEvent.filter(user_id=anna.id, kind=EventKind.cart_added).count() == 1

    root = telegram.user(ADMIN_ID, first_name="Root", language_code="en")
    replies = await root.send("/stats")
    text = text_of(replies[0])
    assert "Statistics: Today" in text
    assert f"Revenue: {rub(15000)}" in text
    assert "Orders placed: 1, sold: 1" in text
    assert "catalogue view to paid order: 33.3% (1 of 3)" in text  # Ann, Bob, Anna viewed
    assert "1. Green tea — 1 pcs" in text
    assert labels(replies[0])[:3] == ["• Today", "7 days", "30 days"]

    replies = await root.click("🔀 Funnel")
    funnel = text_of(replies[0])
    assert "spring_sale: 1 → 1 → 1 → 1 → 0 → 1 (100.0%)" in funnel
    assert "direct: 1 → 1 → 0 → 0 → 0 → 0 (0.0%)" in funnel

    replies = await root.click("⬇️ Funnel CSV")
    document = replies[-1].document
    assert document is not None and document.file_name == "funnel-today.csv"
    data = await telegram.emulator.files.read(document.file_id)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:2] == ["Source", "Started"]
    assert ["spring_sale", "1", "1", "1", "1", "0", "1", "100,0"] in rows

    replies = await root.click("📈 Chart")
    assert replies[-1].photo, "the chart comes as a picture"
    assert "7 days" in text_of(replies[-1])

    replies = await root.click("30 days")  # the funnel's screen switches its period
    assert "Funnel by source: 30 days" in text_of(replies[0])
    assert labels(replies[0])[:3] == ["Today", "7 days", "• 30 days"]


async def test_stats_are_for_admins_only(telegram: Telegram) -> None:
    ann = telegram.user(1001, first_name="Ann", language_code="en")
    await ann.send("/start")
    for command in ("/stats", "/users 1001", "/audit"):
        replies = await ann.send(command)
        assert "Statistics" not in text_of(replies[0]) and "Audit" not in text_of(replies[0])
        assert "Telegram id" not in text_of(replies[0])


async def test_admin_finds_a_person_changes_the_role_bans_and_reads_the_audit_log(
    telegram: Telegram,
) -> None:
    ann = telegram.user(1001, first_name="Ann", username="ann_tea", language_code="en")
    await ann.send("/start")
    root = telegram.user(ADMIN_ID, first_name="Root", language_code="en")
    await root.send("/start")

    await root.send("/admin")
    await root.click("👥 Users")
    replies = await root.send_photo(b"not a query")
    assert "as text" in text_of(replies[0])
    replies = await root.send("@nobody_here")
    assert "Nobody found" in text_of(replies[0])
    replies = await root.send("@ann")
    assert labels(replies[0])[0] == "Ann @ann_tea · 1001"
    replies = await root.click("Ann @ann_tea · 1001")
    card = text_of(replies[0])
    assert "Telegram id: 1001" in card
    assert "Role: customer" in card
    assert labels(replies[0]) == [
        "• customer",
        "staff",
        "support agent",
        "admin",
        "⛔ Ban",
        "⬅️ Admin menu",
    ]

    await root.click("staff")
    assert (await User.get(tg_id=1001)).role is Role.staff
    replies = await root.click("⛔ Ban")
    assert "⛔ Banned" in text_of(replies[0])
    assert (await User.get(tg_id=1001)).is_banned
    assert await ann.send("/start") == []  # a banned person's updates are dropped

    # An admin's card offers no ban; a stale or forged ban is refused by the service.
    replies = await root.send("/users 999")
    replies = await root.click(labels(replies[0])[0])
    assert "⛔ Ban" not in labels(replies[0])
    root_user = await User.get(tg_id=ADMIN_ID)
    try:
        await admin_users.set_banned(
            root_user.id, True, actor=root_user, admin_ids=telegram.settings.admin_ids
        )
    except Forbidden:
        pass
    else:
        raise AssertionError("an admin was banned")
    assert not (await User.get(tg_id=ADMIN_ID)).is_banned

    replies = await root.send("/audit")
    log = text_of(replies[0])
    assert "user.ban" in log and "False → True" in log
    assert "user.role" in log and "customer → staff" in log
    assert await AuditLog.filter(action="user.ban", actor_id=root_user.id).count() == 1

    ann_id = (await User.get(tg_id=1001)).id
    await root.send(f"/users {ann_id}")
    replies = await root.click(labels(root.last_message)[0])
    replies = await root.click("✅ Unban")
    assert not (await User.get(tg_id=1001)).is_banned
    assert len(await ann.send("/start")) == 1
