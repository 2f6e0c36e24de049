"""Admin: a provider's catalog as a CSV file — export it, import an edited one."""

from __future__ import annotations

import io
from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from core.i18n import gettext as _
from db.models import Product, Provider, User
from handlers.admin_common import chunk_lines, show
from keyboards import admin as kb
from keyboards.admin import AdmProviderCB, ProviderAction
from services import catalog_csv
from services.catalog_csv import ImportReport, RowError


class CsvStates(StatesGroup):
    """Waiting for the CSV document (`provider_id` in the state data)."""

    file = State()


def row_error_text(error: RowError) -> str:
    """One problem of an import, in the current locale."""
    params = {key: escape(str(value)) for key, value in error.params.items()}
    messages = {
        "required": _("required"),
        "too_long": _("too long, at most {max} characters"),
        "unknown_value": _("unknown value “{value}”"),
        "stars_only_digital": _("digital goods are priced in XTR (Stars), other goods in RUB"),
        "positive_number": _("must be a positive number"),
        "whole_stars": _("Stars are whole numbers"),
        "kopecks": _("at most 2 digits after the decimal point"),
        "too_large": _("too large, at most {max}"),
        "whole_number": _("must be a whole number, 0 or more"),
        "yes_no": _("must be 1 or 0"),
        "vat_code": _("must be a VAT code from 1 to 12"),
        "duplicate": _("the same sku is already on line {line}"),
        "too_many_fields": _("more cells than the header has ({expected})"),
        "unknown_column": _("unknown column"),
        "duplicate_column": _("the column appears twice"),
        "missing_column": _("required column is missing"),
    }
    if error.line is None:
        whole_file = {
            "too_large": _("The file is larger than {max_mb} MB."),
            "not_csv": _("This is not a CSV text file."),
            "empty": _("The file is empty."),
            "too_many_rows": _("The file has more than {max} rows."),
            "no_rows": _("The file has a header but no products."),
            "conflict": _("The catalog changed during the import. Send the file again."),
        }
        return whole_file.get(error.code, error.code).format(**params)
    message = messages.get(error.code, error.code).format(**params)
    return _("line {line}: {field}: {message}").format(
        line=error.line, field=escape(error.field), message=message
    )


def report_text(report: ImportReport, provider: Provider) -> str:
    """The result of an import: counts, or every error (as many as fit in a message)."""
    if report.ok:
        return _("✅ Imported into <b>{name}</b>: {created} created, {updated} updated.").format(
            name=escape(provider.name), created=report.created, updated=report.updated
        )
    head = _(
        "Nothing was imported. Problems found: {count}. "
        "Fix them and send the file again, or /cancel."
    ).format(count=len(report.errors))
    body = chunk_lines([row_error_text(error) for error in report.errors], _("…and {count} more"))
    return f"{head}\n\n{body}"


async def _provider(provider_id: int, callback_answer: CallbackAnswer) -> Provider | None:
    provider = await Provider.get_or_none(id=provider_id)
    if provider is None:
        callback_answer.text = _("Not found. It may have been removed.")
    return provider


async def csv_screen(
    callback: CallbackQuery,
    callback_data: AdmProviderCB,
    state: FSMContext,
    callback_answer: CallbackAnswer,
) -> None:
    """What export and import do, with their buttons."""
    await state.clear()
    provider = await _provider(callback_data.provider_id, callback_answer)
    if provider is None:
        return
    count = await Product.filter(provider_id=provider.id).count()
    text = _(
        "<b>Catalog CSV of {name}</b>\nProducts: {count}\n\n"
        "Export: a file to edit in Excel or LibreOffice.\n"
        "Import: products are created or updated by their sku; an empty stock cell keeps "
        "the stock as it is. If any row has an error, nothing is changed.\n\n"
        "Columns: {columns}"
    ).format(name=escape(provider.name), count=count, columns=", ".join(catalog_csv.HEADER))
    await show(callback, text, kb.csv_screen(provider.id))


async def export_csv(
    callback: CallbackQuery, callback_data: AdmProviderCB, callback_answer: CallbackAnswer
) -> None:
    """Send the catalog as a document."""
    provider = await _provider(callback_data.provider_id, callback_answer)
    if provider is None or not isinstance(callback.message, Message):
        return
    data = await catalog_csv.export(provider)
    await callback.message.answer_document(
        BufferedInputFile(data, filename=f"{provider.slug}-catalog.csv"),
        caption=_("Catalog of <b>{name}</b>").format(name=escape(provider.name)),
    )


async def ask_file(
    callback: CallbackQuery,
    callback_data: AdmProviderCB,
    state: FSMContext,
    callback_answer: CallbackAnswer,
) -> None:
    """Wait for the CSV document."""
    provider = await _provider(callback_data.provider_id, callback_answer)
    if provider is None:
        return
    await state.set_state(CsvStates.file)
    await state.update_data(provider_id=provider.id)
    await show(
        callback,
        _(
            "Send the CSV file for <b>{name}</b> as a document (📎 → File), up to {mb} MB "
            "and {rows} rows. /cancel — import nothing."
        ).format(
            name=escape(provider.name),
            mb=catalog_csv.MAX_BYTES // (1024 * 1024),
            rows=catalog_csv.MAX_ROWS,
        ),
        kb.back_to_provider(provider.id),
    )


async def import_file(message: Message, state: FSMContext, user: User, bot: Bot) -> None:
    """Download the document and import it; a file with errors changes nothing."""
    document = message.document
    assert document is not None
    provider = await Provider.get_or_none(id=int((await state.get_data()).get("provider_id", 0)))
    if provider is None:
        await state.clear()
        await message.answer(_("Not found. It may have been removed."))
        return
    if document.file_size is not None and document.file_size > catalog_csv.MAX_BYTES:
        await message.answer(
            _("The file is larger than {max_mb} MB.").format(
                max_mb=catalog_csv.MAX_BYTES // (1024 * 1024)
            )
        )
        return
    buffer = io.BytesIO()
    await bot.download(document, destination=buffer)
    report = await catalog_csv.import_catalog(provider, buffer.getvalue(), actor=user)
    if report.ok:
        await state.clear()
        await message.answer(report_text(report, provider), reply_markup=kb.csv_screen(provider.id))
    else:
        await message.answer(report_text(report, provider))


async def photo_instead(message: Message) -> None:
    """A photo (e.g. a screenshot of the table) instead of the file."""
    await message.answer(
        _("That is a picture. Send the CSV file itself as a document (📎 → File), or /cancel.")
    )


async def file_wrong_input(message: Message) -> None:
    """Text or anything else while the file is expected."""
    await message.answer(_("I am waiting for a CSV file sent as a document, or /cancel."))


def create_router() -> Router:
    """CSV section of the admin panel (under the admin router's filter)."""
    router = Router(name=__name__)
    cb = router.callback_query
    cb.register(csv_screen, AdmProviderCB.filter(F.action == ProviderAction.csv))
    cb.register(export_csv, AdmProviderCB.filter(F.action == ProviderAction.export))
    cb.register(ask_file, AdmProviderCB.filter(F.action == ProviderAction.import_csv))
    msg = router.message
    msg.register(import_file, StateFilter(CsvStates.file), F.document)
    msg.register(photo_instead, StateFilter(CsvStates.file), F.photo)
    msg.register(file_wrong_input, StateFilter(CsvStates.file))
    return router
