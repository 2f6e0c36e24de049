"""CSV export and all-or-nothing import of a provider's catalog."""

from __future__ import annotations

from typing import Any

import pytest

from db.models import AuditLog, Category, Product, ProductKind, Provider
from services import catalog, catalog_csv
from services.catalog_csv import MAX_BYTES, MAX_ROWS, RowError
from tests.services.shop_data import make_product, make_provider

HEADER = ",".join(catalog_csv.HEADER)
SNAPSHOT_FIELDS = (
    *("category_id" if column == "category" else column for column in catalog_csv.HEADER),
    "is_blocked",
    "search_text",
)
"""Every column the CSV carries, and what an import must not touch either."""


async def snapshot(provider: Provider) -> list[dict[str, Any]]:
    return list(
        await Product.filter(provider_id=provider.id).order_by("sku").values(*SNAPSHOT_FIELDS)
    )


def csv_bytes(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join((header, *rows)) + "\r\n").encode(encoding)


def codes(errors: list[RowError]) -> list[tuple[int | None, str, str]]:
    return [(error.line, error.field, error.code) for error in errors]


@pytest.fixture
async def shop(db: None) -> Provider:
    provider = await make_provider()
    await make_product(provider, title="Green tea", price=149000, stock=7, sku="TEA-1")
    await make_product(
        provider,
        title="Teapot, glass",
        price=250050,
        stock=0,
        sku="POT-1",
        category="Dishes",
        description='Holds 1 l.\nSays "hello", when boiling; really',
    )
    await make_product(
        provider, title="Tea guide (PDF)", price=50, stock=0, sku="PDF-1", kind=ProductKind.digital
    )
    hidden = await make_product(provider, title="Old mug", price=30000, stock=2, sku="MUG-1")
    await catalog.set_active(provider, hidden.id, False)
    return provider


async def test_export_is_utf8_with_bom_and_decimal_prices(shop: Provider) -> None:
    data = await catalog_csv.export(shop)
    assert data.startswith(b"\xef\xbb\xbf" + HEADER.encode() + b"\r\n")
    text = data.decode("utf-8-sig")
    assert "TEA-1,Green tea,,1490.00,RUB,7,physical,,1,1,commodity,full_prepayment" in text
    assert "PDF-1,Tea guide (PDF),,50,XTR,0,digital,,1," in text
    assert "MUG-1,Old mug,,300.00,RUB,2,physical,,0," in text
    assert '"Holds 1 l.\r\nSays ""hello"", when boiling; really"' in text or (
        '"Holds 1 l.\nSays ""hello"", when boiling; really"' in text
    )


async def test_round_trip_changes_nothing(shop: Provider) -> None:
    before = await snapshot(shop)
    report = await catalog_csv.import_catalog(shop, await catalog_csv.export(shop))
    assert report.ok, report.errors
    assert (report.created, report.updated) == (0, 4)
    assert await snapshot(shop) == before
    assert await Category.filter(provider_id=shop.id).count() == 1


async def test_import_creates_and_updates_by_sku_and_keeps_stock_when_empty(
    shop: Provider,
) -> None:
    data = csv_bytes(
        "TEA-1,Green tea premium,Fresh leaves,1590,,,,Tea,,,,",
        "NEW-1,Black tea,,99.90,,,,Tea,1,,,",
        "NEW-2,Lesson notes,,25,,5,digital,,,,service,",
        header=HEADER,
    )
    report = await catalog_csv.import_catalog(shop, data)
    assert report.ok, report.errors
    assert (report.created, report.updated) == (2, 1)
    tea = await Product.get(provider_id=shop.id, sku="TEA-1").prefetch_related("category")
    assert (tea.title, tea.price, tea.stock, tea.currency) == (
        "Green tea premium",
        159000,
        7,
        "RUB",
    )
    assert tea.category is not None and tea.category.title == "Tea"
    black = await Product.get(provider_id=shop.id, sku="NEW-1")
    assert (black.price, black.stock, black.kind, black.is_active) == (
        9990,
        0,
        ProductKind.physical,
        True,
    )
    notes = await Product.get(provider_id=shop.id, sku="NEW-2")
    assert (notes.currency, notes.price, notes.payment_subject) == ("XTR", 25, "service")
    found = await catalog.search("premium")
    assert [product.sku for product in found.items] == ["TEA-1"]
    assert await AuditLog.filter(action="catalog.import").count() == 1


async def test_a_filled_stock_cell_sets_the_stock(shop: Provider) -> None:
    report = await catalog_csv.import_catalog(shop, csv_bytes("TEA-1,Green tea,,1490,,12,,,,,,"))
    assert report.ok and report.updated == 1
    assert (await Product.get(provider_id=shop.id, sku="TEA-1")).stock == 12


async def test_bad_rows_are_all_reported_with_file_line_numbers_and_nothing_applied(
    shop: Provider,
) -> None:
    before = await snapshot(shop)
    data = csv_bytes(
        "TEA-1,Green tea,,1,,,,,,,,",  # line 2: fine (would change the price)
        'NEW-1,Black tea,"two\nlines",99.90,,,,,,,,',  # lines 3-4: fine
        'NEW-2,Cup,"a cup\nfor tea",-5,,,,,,,,',  # lines 5-6: negative price
        "NEW-3,,,10,,,,,,,,",  # line 7: no title
        "",  # line 8: empty lines are skipped
        "NEW-4,Bowl,,abc,,lots,,,maybe,,,",  # line 9: price, stock and is_active
    )
    report = await catalog_csv.import_catalog(shop, data)
    assert not report.ok
    assert codes(report.errors) == [
        (5, "price", "positive_number"),
        (7, "title", "required"),
        (9, "price", "positive_number"),
        (9, "stock", "whole_number"),
        (9, "is_active", "yes_no"),
    ]
    assert (report.created, report.updated) == (0, 0)
    assert await snapshot(shop) == before
    assert not await AuditLog.filter(action="catalog.import").exists()


async def test_semicolons_and_windows_1251_from_russian_excel(shop: Provider) -> None:
    header = ";".join(catalog_csv.HEADER)
    data = csv_bytes(
        "ЧАЙ-2;Чай «Иван-чай»;Листовой, 100 г;1 490,50;RUB;3;physical;Чай;да;1;commodity;",
        header=header,
        encoding="cp1251",
    )
    report = await catalog_csv.import_catalog(shop, data)
    assert report.ok, report.errors
    product = await Product.get(provider_id=shop.id, sku="ЧАЙ-2")
    assert (product.title, product.description, product.price, product.stock) == (
        "Чай «Иван-чай»",
        "Листовой, 100 г",
        149050,
        3,
    )
    assert [p.sku for p in (await catalog.search("иван")).items] == ["ЧАЙ-2"]


async def test_header_problems_are_reported_on_line_1(shop: Provider) -> None:
    report = await catalog_csv.import_catalog(shop, csv_bytes("X,Y,1", header="sku,title,colour"))
    assert codes(report.errors) == [(1, "colour", "unknown_column"), (1, "price", "missing_column")]


async def test_currency_rules_duplicates_and_extra_cells(shop: Provider) -> None:
    data = csv_bytes(
        "A-1,Ebook,,100,RUB,,digital,,,,,",  # digital goods only for Stars
        "A-2,Mug,,10.5,XTR,,,,,,,",  # Stars are whole and not for physical goods
        "A-3,Bowl,,10,EUR,,,,,,,",
        "A-4,Plate,,10.999,,,,,,,,",
        "A-4,Plate again,,10,,,,,,,,",
        "A-5,Cup,,10,,,,,,,,,surprise",
        "A-6,Cup,,10,,,,,,13,gift,later",
    )
    report = await catalog_csv.import_catalog(shop, data)
    assert codes(report.errors) == [
        (2, "currency", "stars_only_digital"),
        (3, "currency", "stars_only_digital"),
        (3, "price", "whole_stars"),
        (4, "currency", "unknown_value"),
        (5, "price", "kopecks"),
        (6, "sku", "duplicate"),
        (7, "row", "too_many_fields"),
        (8, "vat_code", "vat_code"),
        (8, "payment_subject", "unknown_value"),
        (8, "payment_mode", "unknown_value"),
    ]
    assert report.errors[5].params == {"line": 5}
    assert not await Product.filter(sku__startswith="A-").exists()


async def test_file_limits_and_junk(shop: Provider) -> None:
    too_big = csv_bytes("X,Y,1", header="sku,title,price") + b" " * MAX_BYTES
    assert codes((await catalog_csv.import_catalog(shop, too_big)).errors) == [
        (None, "file", "too_large")
    ]
    many = csv_bytes(*(f"S{i},T,1" for i in range(MAX_ROWS + 1)), header="sku,title,price")
    assert codes((await catalog_csv.import_catalog(shop, many)).errors) == [
        (None, "file", "too_many_rows")
    ]
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    assert codes((await catalog_csv.import_catalog(shop, png)).errors) == [
        (None, "file", "not_csv")
    ]
    assert codes((await catalog_csv.import_catalog(shop, b"")).errors) == [(None, "file", "empty")]
    assert codes((await catalog_csv.import_catalog(shop, HEADER.encode())).errors) == [
        (None, "file", "no_rows")
    ]
    assert await Product.filter(provider_id=shop.id).count() == 4


async def test_exactly_the_row_limit_imports(shop: Provider) -> None:
    rows = [f"S{i},Thing {i},{i + 1}" for i in range(MAX_ROWS)]
    report = await catalog_csv.import_catalog(shop, csv_bytes(*rows, header="sku,title,price"))
    assert report.ok and report.created == MAX_ROWS


def test_amounts_parse_without_floats() -> None:
    assert catalog_csv.parse_amount("1 490,50", "RUB") == 149050
    assert catalog_csv.parse_amount("0.1", "RUB") == 10
    assert catalog_csv.parse_amount("50", "XTR") == 50
    for bad, currency in (("1.001", "RUB"), ("1.5", "XTR"), ("nan", "RUB"), ("1e3x", "RUB")):
        with pytest.raises(ValueError):
            catalog_csv.parse_amount(bad, currency)
    assert catalog_csv.format_amount(149050, "RUB") == "1490.50"
    assert catalog_csv.format_amount(50, "XTR") == "50"


@pytest.mark.postgres
async def test_import_on_postgresql(pg_db: str) -> None:
    provider = await make_provider()
    await make_product(provider, title="Green tea", price=149000, stock=7, sku="TEA-1")
    data = csv_bytes("TEA-1,Green tea,,1590,,,,Tea,,,,", "NEW-1,Cup,,10,,,,Tea,,,,")
    report = await catalog_csv.import_catalog(provider, data)
    assert (report.created, report.updated) == (1, 1)
    before = await snapshot(provider)
    report = await catalog_csv.import_catalog(provider, await catalog_csv.export(provider))
    assert (report.created, report.updated) == (0, 2)
    assert await snapshot(provider) == before
