"""Admin in chat: export a provider's catalog as CSV and import an edited file."""

from __future__ import annotations

import io

from db.models import Product
from services import catalog_csv
from tests.handlers.admin_support import ADMIN_ID, make_settings
from tests.handlers.conftest import Telegram, text_of
from tests.services.shop_data import make_product, make_provider

__all__ = ["make_settings"]  # the fixture override: a generous throttle for fast typing


async def test_export_then_import_the_same_file_changes_nothing(telegram: Telegram) -> None:
    shop = await make_provider(name="Lavka")
    await make_product(shop, title="Green tea", price=149000, stock=7, sku="TEA-1")
    await make_product(shop, title="Teapot", price=250000, stock=1, sku="POT-1")
    before = list(await Product.filter(provider_id=shop.id).order_by("id").values())

    root = telegram.user(ADMIN_ID, first_name="Root", language_code="en")
    await root.send("/admin")
    await root.click("📄 Catalog CSV")
    await root.click("🏪 Lavka")
    assert "Catalog CSV of Lavka\nProducts: 2" in text_of(root.last_message)
    replies = await root.click("⬇️ Export CSV")
    document = replies[0].document
    assert document is not None and document.file_name == f"{shop.slug}-catalog.csv"
    buffer = io.BytesIO()
    await telegram.bot.download(document.file_id, destination=buffer)
    exported = buffer.getvalue()
    assert exported == await catalog_csv.export(shop)

    replies = await root.click("⬆️ Import CSV")
    assert "Send the CSV file for Lavka as a document" in text_of(replies[0])
    replies = await root.send_photo(b"a screenshot of the table")
    assert "That is a picture" in text_of(replies[0])
    replies = await root.send("here it comes")
    assert "I am waiting for a CSV file" in text_of(replies[0])
    replies = await root.send_document(exported, "catalog.csv", mime_type="text/csv")
    assert text_of(replies[0]) == "✅ Imported into Lavka: 0 created, 2 updated."
    after = list(await Product.filter(provider_id=shop.id).order_by("id").values())
    for row in (*before, *after):
        row.pop("updated_at")
    assert after == before
    replies = await root.send("more text")  # the conversation ended with the import
    assert "waiting for a CSV file" not in text_of(replies[0])


async def test_a_file_with_bad_rows_is_reported_and_not_applied(telegram: Telegram) -> None:
    shop = await make_provider(name="Lavka")
    await make_product(shop, title="Green tea", price=149000, sku="TEA-1")
    data = (
        "sku;title;price;stock\r\n"
        "TEA-1;Зелёный чай;1590;\r\n"
        "NEW-1;Cup;-5;\r\n"
        "NEW-2;;10;\r\n"
        "NEW-3;Bowl;10;many\r\n"
    ).encode("cp1251")
    root = telegram.user(ADMIN_ID, first_name="Root", language_code="en")
    await root.send("/admin")
    await root.click("🏪 Providers")
    await root.click("🏪 Lavka")
    await root.click("📄 Catalog CSV")
    await root.click("⬆️ Import CSV")
    replies = await root.send_document(data, "catalog.csv")
    text = text_of(replies[0])
    assert text.startswith("Nothing was imported. Problems found: 3.")
    assert text.splitlines()[2:] == [
        "line 3: price: must be a positive number",
        "line 4: title: required",
        "line 5: stock: must be a whole number, 0 or more",
    ]
    tea = await Product.get(provider_id=shop.id, sku="TEA-1")
    assert (tea.title, tea.price) == ("Green tea", 149000)
    assert await Product.filter(provider_id=shop.id).count() == 1

    fixed = data.replace(b"-5", b"5").replace(b"NEW-2;;", b"NEW-2;Jar;").replace(b"many", b"3")
    replies = await root.send_document(fixed, "catalog.csv")  # still waiting for a file
    assert text_of(replies[0]) == "✅ Imported into Lavka: 3 created, 1 updated."
    tea = await Product.get(provider_id=shop.id, sku="TEA-1")
    assert (tea.title, tea.price) == ("Зелёный чай", 159000)


async def test_a_long_error_list_fits_in_one_message(telegram: Telegram) -> None:
    shop = await make_provider(name="Lavka")
    rows = "".join(f"S-{i},Thing {i},free\r\n" for i in range(400))
    root = telegram.user(ADMIN_ID, first_name="Root", language_code="en")
    await root.send("/admin")
    await root.click("📄 Catalog CSV")
    await root.click("🏪 Lavka")
    await root.click("⬆️ Import CSV")
    replies = await root.send_document(f"sku,title,price\r\n{rows}".encode(), "catalog.csv")
    text = text_of(replies[0])
    assert len(text) <= 4096
    assert "Nothing was imported. Problems found: 400." in text
    assert "line 2: price: must be a positive number" in text
    assert text.splitlines()[-1].startswith("…and ") and text.endswith(" more")
    assert await Product.filter(provider_id=shop.id).count() == 0
