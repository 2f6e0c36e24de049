"""CSV export and all-or-nothing import of a provider's catalog.

The file is what an admin opens in Excel or LibreOffice: UTF-8 with a BOM on export; on import
UTF-8 (with or without BOM) or Windows-1251, with a comma or a semicolon between fields. Every
row is validated before anything is written; one bad row and nothing is applied, so a
half-imported catalog never happens.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.fiscal import PAYMENT_MODES, PAYMENT_SUBJECTS, VAT_CODES
from core.money import STARS, parse_amount, to_major
from db.models import AuditAction, AuditLog, Category, Product, ProductKind, Provider, User
from services import catalog_versions
from services.catalog import MAX_PRICE, MAX_STOCK, normalize_search

HEADER = (
    "sku",
    "title",
    "description",
    "price",
    "currency",
    "stock",
    "kind",
    "category",
    "is_active",
    "vat_code",
    "payment_subject",
    "payment_mode",
)
REQUIRED_COLUMNS = ("sku", "title", "price")
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_SKU = 64
MAX_TITLE = 128
MAX_DESCRIPTION = 2000
MAX_CATEGORY = 128
CURRENCIES = ("RUB", STARS)
_TRUE = frozenset({"1", "true", "yes", "y", "on", "да", "д", "+"})
_FALSE = frozenset({"0", "false", "no", "n", "off", "нет", "н", "-"})
_SPACES_RE = re.compile(r"[\s\u00a0\u202f']")


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem: `line` as in the file (header is line 1; None for the whole file)."""

    line: int | None
    field: str
    code: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclass(slots=True)
class ImportReport:
    """What an import did, or every reason it did nothing."""

    created: int = 0
    updated: int = 0
    errors: list[RowError] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the file was applied."""
        return not self.errors


@dataclass(slots=True)
class _Row:
    """A validated row: only the columns the file filled in are set."""

    line: int
    sku: str
    values: dict[str, Any]
    category: str | None  # None: leave as is; "": no category
    existing: Product | None


def format_amount(amount: int, currency: str) -> str:
    """Minor units as the file writes them: '1490.00' roubles, '50' Stars."""
    if currency == STARS:
        return str(amount)
    return f"{to_major(amount, currency):.2f}"


# Export -------------------------------------------------------------------------------------


async def export(provider: Provider) -> bytes:
    """Every product of the provider (hidden ones too) as CSV bytes, UTF-8 with a BOM."""
    products = (
        await Product.filter(provider_id=provider.id).order_by("id").prefetch_related("category")
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for product in products:
        writer.writerow(
            [
                product.sku,
                product.title,
                product.description,
                format_amount(product.price, product.currency),
                product.currency,
                product.stock,
                product.kind.value,
                product.category.title if product.category else "",
                "1" if product.is_active else "0",
                product.vat_code,
                product.payment_subject,
                product.payment_mode,
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


# Import -------------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped), else Windows-1251; ValueError for binary data."""
    if b"\x00" in data:
        raise ValueError("binary")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251")
    except UnicodeDecodeError:
        raise ValueError("encoding") from None


def sniff_delimiter(text: str) -> str:
    """Semicolon (Russian Excel), tab or comma: whichever the header line has most of."""
    header = text.split("\n", 1)[0]
    counts = {delimiter: header.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _parse_bool(text: str) -> bool | None:
    value = text.strip().casefold()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None


class _RowValidator:
    """Turns one CSV row into `_Row`, collecting every problem instead of stopping at one."""

    def __init__(self, line: int, cells: dict[str, str], existing: Product | None) -> None:
        self.line = line
        self.cells = cells
        self.existing = existing
        self.errors: list[RowError] = []
        self.values: dict[str, Any] = {}

    def fail(self, column: str, code: str, **params: Any) -> None:
        self.errors.append(RowError(self.line, column, code, params))

    def cell(self, column: str) -> str | None:
        """The trimmed cell; None when the file has no such column."""
        value = self.cells.get(column)
        return None if value is None else value.strip()

    def text(self, column: str, limit: int, *, required: bool = False) -> None:
        value = self.cell(column)
        if value is None:
            return
        if column == "title":
            value = " ".join(value.split())
        if required and not value:
            self.fail(column, "required")
        elif len(value) > limit:
            self.fail(column, "too_long", max=limit)
        else:
            self.values[column] = value

    def choice(self, column: str, allowed: Any, default: str) -> str:
        value = self.cell(column)
        if not value:
            return getattr(self.existing, column, None) or default
        if value not in allowed:
            self.fail(column, "unknown_value", value=value)
            return getattr(self.existing, column, None) or default
        self.values[column] = value
        return value

    def kind_and_currency(self) -> tuple[ProductKind, str]:
        kind_text = self.cell("kind")
        kind = self.existing.kind if self.existing else ProductKind.physical
        if kind_text:
            try:
                kind = ProductKind(kind_text.casefold())
                self.values["kind"] = kind
            except ValueError:
                self.fail("kind", "unknown_value", value=kind_text)
        currency_text = (self.cell("currency") or "").upper()
        if currency_text:
            currency = currency_text
            if currency not in CURRENCIES:
                self.fail("currency", "unknown_value", value=currency_text)
                return kind, currency
            self.values["currency"] = currency
        elif self.existing is not None and "kind" not in self.values:
            currency = self.existing.currency
        else:
            currency = STARS if kind is ProductKind.digital else "RUB"
            self.values["currency"] = currency
        if (kind is ProductKind.digital) != (currency == STARS):
            # Telegram's rules: digital goods only for Stars, other goods never for Stars.
            self.fail("currency", "stars_only_digital")
        return kind, currency

    def price(self, currency: str) -> None:
        value = self.cell("price") or ""
        if not value:
            self.fail("price", "required")
            return
        if currency not in CURRENCIES:
            return  # the currency column already carries the error
        try:
            amount = parse_amount(value, currency)
        except ValueError as error:
            if str(error) == "precision":
                self.fail("price", "whole_stars" if currency == STARS else "kopecks")
            else:
                self.fail("price", "positive_number")
            return
        if amount <= 0:
            self.fail("price", "positive_number")
        elif amount > MAX_PRICE:
            self.fail("price", "too_large", max=format_amount(MAX_PRICE, currency))
        else:
            self.values["price"] = amount

    def stock(self) -> None:
        value = self.cell("stock")
        if not value:
            if self.existing is None:
                self.values["stock"] = 0
            return  # an empty cell never touches the stock of an existing product
        compact = _SPACES_RE.sub("", value)
        if not compact.isdigit():
            self.fail("stock", "whole_number")
        elif int(compact) > MAX_STOCK:
            self.fail("stock", "too_large", max=MAX_STOCK)
        else:
            self.values["stock"] = int(compact)

    def is_active(self) -> None:
        value = self.cell("is_active")
        if not value:
            return
        parsed = _parse_bool(value)
        if parsed is None:
            self.fail("is_active", "yes_no")
        else:
            self.values["is_active"] = parsed

    def vat_code(self) -> None:
        value = self.cell("vat_code")
        if not value:
            return
        # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
        if not re.fullmatch(r"[0-9]{1,2}", value) or int(value) not in VAT_CODES:
            self.fail("vat_code", "vat_code")
        else:
            self.values["vat_code"] = int(value)

    def category(self) -> str | None:
        value = self.cell("category")
        if value is None:
            return None
        value = " ".join(value.split())
        if len(value) > MAX_CATEGORY:
            self.fail("category", "too_long", max=MAX_CATEGORY)
            return None
        return value

    def validate(self, sku: str) -> _Row | None:
        self.text("title", MAX_TITLE, required=True)
        self.text("description", MAX_DESCRIPTION)
        _, currency = self.kind_and_currency()
        self.price(currency)
        self.stock()
        self.is_active()
        self.vat_code()
        self.choice("payment_subject", PAYMENT_SUBJECTS, "commodity")
        self.choice("payment_mode", PAYMENT_MODES, "full_prepayment")
        category = self.category()
        if self.errors:
            return None
        return _Row(self.line, sku, self.values, category, self.existing)


def _read_rows(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and (line number of the row's first line, cells) of every non-empty row."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    header: list[str] = []
    rows: list[tuple[int, list[str]]] = []
    consumed = 0  # physical lines read so far: a quoted cell may span several
    for cells in reader:
        start = consumed + 1
        consumed = reader.line_num
        if not header:
            header = [cell.strip().casefold() for cell in cells]
            continue
        if any(cell.strip() for cell in cells):
            rows.append((start, cells))
        if len(rows) > MAX_ROWS:
            break
    return header, rows


def _check_header(header: list[str]) -> list[RowError]:
    errors: list[RowError] = []
    seen: set[str] = set()
    for column in header:
        if column and column not in HEADER:
            errors.append(RowError(1, column, "unknown_column"))
        elif column in seen:
            errors.append(RowError(1, column, "duplicate_column"))
        seen.add(column)
    errors.extend(
        RowError(1, column, "missing_column") for column in REQUIRED_COLUMNS if column not in seen
    )
    return errors


async def _validate(provider: Provider, data: bytes) -> tuple[list[_Row], list[RowError]]:
    if len(data) > MAX_BYTES:
        return [], [RowError(None, "file", "too_large", {"max_mb": MAX_BYTES // (1024 * 1024)})]
    try:
        text = decode(data)
        header, raw_rows = _read_rows(text)
    except (ValueError, csv.Error):
        return [], [RowError(None, "file", "not_csv")]
    if not header:
        return [], [RowError(None, "file", "empty")]
    errors = _check_header(header)
    if errors:
        return [], errors
    if len(raw_rows) > MAX_ROWS:
        return [], [RowError(None, "file", "too_many_rows", {"max": MAX_ROWS})]
    if not raw_rows:
        return [], [RowError(None, "file", "no_rows")]
    existing = {product.sku: product for product in await Product.filter(provider_id=provider.id)}
    rows: list[_Row] = []
    first_line: dict[str, int] = {}
    for line, cells in raw_rows:
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
            errors.append(RowError(line, "row", "too_many_fields", {"expected": len(header)}))
            continue
        named = dict(zip(header, cells, strict=False))
        sku = named.get("sku", "").strip()
        validator = _RowValidator(line, named, existing.get(sku))
        if not sku:
            validator.fail("sku", "required")
        elif len(sku) > MAX_SKU:
            validator.fail("sku", "too_long", max=MAX_SKU)
        elif sku in first_line:
            validator.fail("sku", "duplicate", line=first_line[sku])
        else:
            first_line[sku] = line
        row = validator.validate(sku)
        errors.extend(validator.errors)
        if row is not None:
            rows.append(row)
    return rows, errors


async def import_catalog(
    provider: Provider, data: bytes, *, actor: User | None = None
) -> ImportReport:
    """Validate every row; apply all of them (upsert by SKU, one transaction) or none."""
    rows, errors = await _validate(provider, data)
    if errors:
        return ImportReport(errors=errors)
    report = ImportReport()
    categories: dict[str, int] = {}
    try:
        async with in_transaction():
            new: list[Product] = []
            for row in rows:
                values = dict(row.values)
                if row.category is not None:
                    values["category_id"] = await _category_id(provider, row.category, categories)
                if row.existing is None:
                    new.append(_new_product(provider, row.sku, values))
                else:
                    await _update(row.existing, values)
            await Product.bulk_create(new, batch_size=500)
            report.created = len(new)
            report.updated = len(rows) - len(new)
            await catalog_versions.bump([provider.id])
            await AuditLog.create(
                actor=actor,
                action=AuditAction.catalog_import,
                target=f"provider:{provider.id}",
                data={"created": report.created, "updated": report.updated},
            )
    except IntegrityError:
        # Someone added the same SKU while we validated: the transaction is rolled back.
        return ImportReport(errors=[RowError(None, "file", "conflict")])
    return report


async def _category_id(provider: Provider, title: str, cache: dict[str, int]) -> int | None:
    if not title:
        return None
    if title not in cache:
        category, _ = await Category.get_or_create(provider_id=provider.id, title=title)
        cache[title] = category.id
    return cache[title]


def _new_product(provider: Provider, sku: str, values: dict[str, Any]) -> Product:
    title = values["title"]
    description = values.get("description", "")
    return Product(
        provider_id=provider.id,
        sku=sku,
        search_text=normalize_search(f"{title} {description}"),
        **values,
    )


async def _update(product: Product, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(product, name, value)
    product.search_text = normalize_search(f"{product.title} {product.description}")
    await product.save(update_fields=[*values, "search_text"])
