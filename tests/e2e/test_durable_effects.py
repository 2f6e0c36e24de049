"""Effects that must happen after a commit happen exactly once: across a SIGKILL, across runners.

Each test commits a change in a separate process that is killed (SIGKILL) the moment the
transaction has committed, before any effect runs; a new process ("the restart") then runs the
due jobs, and a third one finds nothing left to do. The effects are counted where they land:
the fake YooKassa's POSTs (refunds, receipts) and the emulated Telegram chat (documents).
On PostgreSQL, two runner processes work through one database at the same time and still do
every effect once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from db import apply_migrations, close_db, init_db
from db.models import (
    ActorRole,
    Job,
    JobState,
    Order,
    OrderStatus,
    Payment,
    PaymentChannel,
    ProductKind,
    Role,
    User,
)
from sandbox import FloodLimits, SandboxUser, TelegramEmulator, create_emulator_app
from services import ledger, orders
from services.events import ShopEvents
from services.jobs import JobKind
from services.payments import process_yookassa_notification, start_yookassa_payment
from services.receipts import closing_key
from services.refunds import refund_key
from services.telegram_payments import (
    invoice_payload,
    open_invoice,
    record_successful_payment,
)
from services.yookassa_gateway import YooKassaGateway
from tests.conftest import TEST_TOKEN, assert_ledger_intact
from tests.fakes.yookassa import SECRET_KEY, SHOP_ID, FakeYooKassa, serve_fake_yookassa
from tests.services.shop_data import make_product, make_provider, make_user, order_of

ROOT = Path(__file__).resolve().parents[2]
ServerFactory = Callable[..., Awaitable[TestServer]]


@dataclass
class World:
    """The outside world of one test: Telegram, YooKassa, one database, a data folder."""

    emulator: TelegramEmulator
    telegram_url: str
    fake: FakeYooKassa
    gateway: YooKassaGateway
    database_url: str
    data_dir: Path
    cwd: Path

    def env(self) -> dict[str, str]:
        """The environment of a product process, as production would set it."""
        return {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": self.database_url,
            "BOT_TOKEN": TEST_TOKEN,
            "TELEGRAM_API_URL": self.telegram_url,
            "YOOKASSA_SHOP_ID": SHOP_ID,
            "YOOKASSA_SECRET_KEY": SECRET_KEY,
            "YOOKASSA_API_URL": self.fake.api_url,
            "DATA_DIR": str(self.data_dir),
            "LOG_LEVEL": "WARNING",
        }

    async def child(self, *args: str) -> int:
        """Run `tests.e2e.job_child` with these arguments; its exit code (-9: killed)."""
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.e2e.job_child",
            *args,
            cwd=self.cwd,
            env=self.env(),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=90)
        if process.returncode not in (0, -signal.SIGKILL):
            raise AssertionError(f"job_child {args} failed:\n{stderr.decode()[-3000:]}")
        return int(process.returncode or 0)

    def posts(self, prefix: str) -> Counter[str]:
        """How often the fake YooKassa received each Idempotence-Key starting with `prefix`
        (`refund-` for refunds, `closing-` for closing receipts), replays included."""
        return Counter(key for key, _ in self.fake.created if key.startswith(prefix))


async def _world(
    database_url: str, tmp_path: Path, aiohttp_server: ServerFactory
) -> AsyncIterator[World]:
    emulator = TelegramEmulator(flood=FloodLimits(enabled=True), files_dir=tmp_path / "tg")
    emulator.register_bot(TEST_TOKEN, username="prilavok_test_bot", first_name="Prilavok")
    telegram = await aiohttp_server(create_emulator_app(emulator))
    fake = await serve_fake_yookassa(aiohttp_server)
    gateway = YooKassaGateway(
        SHOP_ID, SECRET_KEY, api_url=fake.api_url, timeout=5, return_url="https://x.ru/b"
    )
    await apply_migrations(database_url)
    await init_db(database_url)
    try:
        yield World(
            emulator=emulator,
            telegram_url=str(telegram.make_url("/tg")),
            fake=fake,
            gateway=gateway,
            database_url=database_url,
            data_dir=tmp_path / "data",
            cwd=tmp_path,
        )
    finally:
        await gateway.close()
        await emulator.close()


@pytest.fixture
async def world(
    tmp_path: Path, aiohttp_server: ServerFactory, request: pytest.FixtureRequest
) -> AsyncIterator[World]:
    """The world on SQLite."""
    async for built in _world(f"sqlite://{tmp_path}/durable.sqlite3", tmp_path, aiohttp_server):
        yield built
        await assert_ledger_intact(request)
    await close_db()


@pytest.fixture
async def pg_world(
    pg_database_url: str,
    tmp_path: Path,
    aiohttp_server: ServerFactory,
    request: pytest.FixtureRequest,
) -> AsyncIterator[World]:
    """The world on PostgreSQL (needs TEST_POSTGRES_URL)."""
    async for built in _world(pg_database_url, tmp_path, aiohttp_server):
        yield built
        await assert_ledger_intact(request)
    await close_db()


# Building what the changes act on (in the test process, no job runner: jobs stay pending) --


async def paid_order(world: World, *, phone: str | None = None) -> tuple[int, Payment]:
    """An order paid through YooKassa; returns its id and the payment."""
    events = ShopEvents()
    customer = await make_user()
    product = await make_product(await make_provider(tax_system_code=1), price=10000, stock=5)
    order = await order_of(customer, product, events=events, phone=phone)
    payment = await start_yookassa_payment(order, customer, world.gateway)
    assert payment.external_id is not None
    world.fake.succeed(payment.external_id)
    await process_yookassa_notification(
        world.fake.notification(payment.external_id), world.gateway, events
    )
    await payment.refresh_from_db()
    return order.id, payment


async def ready_order(world: World) -> int:
    """A paid order with a contact for receipts, ready for pickup (completing it is next)."""
    order_id, _ = await paid_order(world, phone="+79990001122")
    for status in (OrderStatus.accepted, OrderStatus.in_work, OrderStatus.ready_for_pickup):
        await orders.transition(
            order_id, status, role=ActorRole.provider, actor=None, events=ShopEvents()
        )
    return order_id


async def stars_invoice(world: World, user_id: int) -> tuple[int, Payment, SandboxUser]:
    """A customer (a Telegram user who started the bot) with an open Stars invoice for an
    e-book whose file lies under DATA_DIR."""
    person = world.emulator.user(user_id, "Ира", "ru")
    await person.send("/start", wait=False)  # the chat exists, as it does for a real buyer
    customer = await make_user(tg_id=user_id, role=Role.customer)
    provider = await make_provider()
    book = world.data_dir / "media" / "digital" / f"book-{user_id}.pdf"
    book.parent.mkdir(parents=True, exist_ok=True)
    book.write_bytes(b"%PDF-1.4 a tiny book\n")
    product = await make_product(provider, price=150, kind=ProductKind.digital, stock=0)
    product.digital_path = book.relative_to(world.data_dir).as_posix()
    await product.save(update_fields=["digital_path"])
    order = await order_of(customer, product, events=ShopEvents())
    invoice = await open_invoice(order.id, customer, PaymentChannel.stars)
    return order.id, invoice.payment, person


def documents(person: SandboxUser) -> list[str]:
    """File names of the documents the bot sent to the person."""
    return [
        message.document.file_name or ""
        for message in person.messages
        if message.document is not None and message.from_user and message.from_user.is_bot
    ]


async def job_state(kind: JobKind, subject: int) -> tuple[JobState, int]:
    job = await Job.get(key=kind.key(subject))
    return JobState(job.state), job.attempts


# Killed after the commit -------------------------------------------------------------------


async def test_a_refund_for_a_cancelled_order_survives_a_kill_after_the_commit(
    world: World,
) -> None:
    order_id, payment = await paid_order(world)

    assert await world.child("die-after-commit", "cancel", str(order_id)) == -signal.SIGKILL
    assert (await Order.get(id=order_id)).status is OrderStatus.cancelled
    assert await job_state(JobKind.refund_cancelled_order, order_id) == (JobState.pending, 0)
    assert world.posts("refund-") == Counter()  # the process died before the refund

    assert await world.child("run") == 0  # the restart
    assert await world.child("run") == 0  # and another: nothing more happens

    assert world.posts("refund-") == Counter({refund_key(f"cancel-{order_id}", payment.id): 1})
    await payment.refresh_from_db()
    assert payment.refunded_amount == payment.amount
    assert await job_state(JobKind.refund_cancelled_order, order_id) == (JobState.done, 1)
    assert (await ledger.verify()).ok


async def test_a_closing_receipt_survives_a_kill_after_the_commit(world: World) -> None:
    order_id = await ready_order(world)

    assert await world.child("die-after-commit", "complete", str(order_id)) == -signal.SIGKILL
    assert (await Order.get(id=order_id)).status is OrderStatus.completed
    assert world.posts("closing-") == Counter()

    assert await world.child("run") == 0
    assert await world.child("run") == 0

    assert world.posts("closing-") == Counter({closing_key(order_id): 1})
    assert await job_state(JobKind.closing_receipt, order_id) in (
        (JobState.done, 1),
        (JobState.pending, 1),  # YooKassa still registers it: the job asks again later
    )


async def test_a_digital_good_survives_a_kill_after_the_payment_commit(world: World) -> None:
    order_id, payment, person = await stars_invoice(world, 5551)

    died = await world.child("die-after-commit", "pay-stars", str(payment.id), "charge-5551")
    assert died == -signal.SIGKILL
    assert (await Order.get(id=order_id)).status is OrderStatus.paid
    assert documents(person) == []

    assert await world.child("run") == 0
    assert await world.child("run") == 0

    assert documents(person) == ["book-5551.pdf"]
    assert await job_state(JobKind.deliver_digital, order_id) == (JobState.done, 1)


# Two runners at once -------------------------------------------------------------------------


@pytest.mark.postgres
async def test_two_runner_processes_do_every_effect_once(pg_world: World) -> None:
    world = pg_world
    refunds, receipts, books = {}, [], []
    for _ in range(3):
        order_id, payment = await paid_order(world)
        await orders.transition(
            order_id,
            OrderStatus.cancelled,
            role=ActorRole.admin,
            actor=None,
            events=ShopEvents(),
            reason="test",
        )
        refunds[order_id] = payment
        order_id = await ready_order(world)
        await orders.transition(
            order_id,
            OrderStatus.completed,
            role=ActorRole.provider,
            actor=None,
            events=ShopEvents(),
        )
        receipts.append(order_id)
    for n in range(3):
        order_id, payment, person = await stars_invoice(world, 6000 + n)
        await record_successful_payment(
            await User.get(id=payment.user_id),
            payload=invoice_payload(payment),
            currency=payment.currency,
            total_amount=payment.amount,
            charge_id=f"charge-{n}",
            provider_charge_id=None,
            events=ShopEvents(),
        )
        books.append((order_id, person))
    due = Job.filter(state=JobState.pending, due_at__lte=datetime.now(UTC))
    assert await due.count() == 12  # 3 refunds, 3 receipts, 3 deliveries, 3 loyalty points

    assert await asyncio.gather(world.child("run"), world.child("run")) == [0, 0]

    assert world.posts("refund-") == Counter(
        {refund_key(f"cancel-{order_id}", payment.id): 1 for order_id, payment in refunds.items()}
    )
    assert world.posts("closing-") == Counter({closing_key(order_id): 1 for order_id in receipts})
    for order_id, person in books:
        assert len(documents(person)) == 1, order_id
    runs = await Job.filter(attempts__gte=1).values_list("kind", "attempts")
    assert {attempts for kind, attempts in runs if kind != JobKind.closing_receipt} == {1}
