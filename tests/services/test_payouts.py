"""Payouts: a request holds the provider's money, an admin pays it out or gives it back, once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from core.errors import DomainError, InvalidInput, NotFound
from db.models import AuditLog, LedgerTransaction, Payout, PayoutStatus, Role
from services import ledger, payouts
from services.ledger import InsufficientFunds
from services.payouts import Balance, NothingToPayOut, PayoutDecided
from tests.services.payouts_data import balance_of, credit_sale, postings
from tests.services.shop_data import make_provider, make_user, recording_events

sqlite = pytest.mark.usefixtures("db")

PROVIDER = "provider:{id}:RUB"
HOLD = "payouts:hold:RUB"
PAID = "payouts:RUB"


async def a_provider_with(net: int) -> tuple:
    """A provider whose owner has `net` kopecks available after one sale (10 % commission)."""
    owner = await make_user(Role.provider)
    provider = await make_provider(owner)
    await credit_sale(provider, net * 10 // 9, net * 10 // 9 - net)
    return provider, owner


@sqlite
async def test_a_request_holds_the_whole_available_balance() -> None:
    provider, owner = await a_provider_with(9000)
    events, recorder = recording_events()
    assert await payouts.available_balance(provider.id, "RUB") == 9000

    payout = await payouts.request_payout(provider, owner, events, currency="RUB")

    assert (payout.amount, payout.currency, payout.status) == (9000, "RUB", PayoutStatus.requested)
    assert payout.requested_by_id == owner.id and payout.provider_id == provider.id
    assert await postings(f"payout:{payout.id}:hold") == {
        PROVIDER.format(id=provider.id): -9000,
        HOLD: 9000,
    }
    record = await LedgerTransaction.get(reference=f"payout:{payout.id}:hold")
    assert record.kind == "payout_request"
    assert await balance_of(PROVIDER.format(id=provider.id)) == 0
    assert await balance_of(HOLD) == 9000
    assert await payouts.balances(provider.id) == [Balance("RUB", available=0, on_hold=9000)]
    assert recorder.payouts == [(payout.id, PayoutStatus.requested)]
    assert (await ledger.verify()).ok


@sqlite
async def test_a_partial_request_leaves_the_rest_available() -> None:
    provider, owner = await a_provider_with(9000)
    events, _ = recording_events()
    first = await payouts.request_payout(provider, owner, events, currency="RUB", amount=4000)
    second = await payouts.request_payout(provider, owner, events, currency="RUB", amount=3000)
    assert (first.amount, second.amount) == (4000, 3000)
    assert await payouts.balances(provider.id) == [Balance("RUB", available=2000, on_hold=7000)]
    assert [p.id for p in await payouts.history(provider.id)] == [second.id, first.id]


@sqlite
async def test_approval_pays_the_held_money_out_once() -> None:
    provider, owner = await a_provider_with(9000)
    admin = await make_user(Role.admin)
    events, recorder = recording_events()
    payout = await payouts.request_payout(provider, owner, events, currency="RUB")

    approved = await payouts.approve(payout.id, admin, events, reference="  PP 00123 ")
    with pytest.raises(PayoutDecided) as second_click:
        await payouts.approve(payout.id, admin, events)
    with pytest.raises(PayoutDecided) as late_reject:
        await payouts.reject(payout.id, admin, "too late", events)

    assert second_click.value.details["status"] == "approved"
    assert late_reject.value.details["status"] == "approved"
    stored = await Payout.get(id=payout.id)
    assert stored.status is PayoutStatus.approved == approved.status
    assert stored.decided_by_id == admin.id and stored.decided_at is not None
    assert stored.reference == "PP 00123" and stored.reason == ""
    assert await postings(f"payout:{payout.id}:paid") == {HOLD: -9000, PAID: 9000}
    assert await postings(f"payout:{payout.id}:returned") == {}
    assert await LedgerTransaction.filter(kind="payout_paid").count() == 1
    assert await balance_of(HOLD) == 0 and await balance_of(PAID) == 9000
    assert await payouts.balances(provider.id) == [Balance("RUB", available=0, on_hold=0)]
    audit = await AuditLog.filter(target=f"payout:{payout.id}")
    assert [(a.action, a.actor_id, a.data) for a in audit] == [
        (
            "payout.approve",
            admin.id,
            {"amount": 9000, "currency": "RUB", "reference": "PP 00123"},
        )
    ]
    assert recorder.payouts == [
        (payout.id, PayoutStatus.requested),
        (payout.id, PayoutStatus.approved),
    ]
    assert (await ledger.verify()).ok


@sqlite
async def test_rejection_returns_the_money_to_the_balance() -> None:
    provider, owner = await a_provider_with(9000)
    admin = await make_user(Role.admin)
    events, recorder = recording_events()
    payout = await payouts.request_payout(provider, owner, events, currency="RUB", amount=5000)

    with pytest.raises(InvalidInput):
        await payouts.reject(payout.id, admin, "   ", events)
    assert (await Payout.get(id=payout.id)).status is PayoutStatus.requested

    rejected = await payouts.reject(payout.id, admin, "Wrong  bank\ndetails", events)
    with pytest.raises(PayoutDecided) as second_click:
        await payouts.reject(payout.id, admin, "again", events)

    assert second_click.value.details["status"] == "rejected"
    assert rejected.status is PayoutStatus.rejected and rejected.reason == "Wrong bank details"
    assert rejected.decided_by_id == admin.id
    assert await postings(f"payout:{payout.id}:returned") == {
        HOLD: -5000,
        PROVIDER.format(id=provider.id): 5000,
    }
    assert await balance_of(PROVIDER.format(id=provider.id)) == 9000
    assert await balance_of(HOLD) == 0 and await balance_of(PAID) == 0
    assert await AuditLog.filter(action="payout.reject", target=f"payout:{payout.id}").count() == 1
    assert recorder.payouts[-1] == (payout.id, PayoutStatus.rejected)
    # The returned money can be requested again.
    again = await payouts.request_payout(provider, owner, events, currency="RUB")
    assert again.amount == 9000
    assert (await ledger.verify()).ok


@sqlite
async def test_more_than_available_is_refused_and_leaves_nothing_behind() -> None:
    provider, owner = await a_provider_with(9000)
    events, recorder = recording_events()

    with pytest.raises(InsufficientFunds) as refused:
        await payouts.request_payout(provider, owner, events, currency="RUB", amount=9001)

    assert refused.value.details["available"] == 9000
    assert not await Payout.exists()
    assert not await LedgerTransaction.filter(kind="payout_request").exists()
    assert await balance_of(PROVIDER.format(id=provider.id)) == 9000
    assert recorder.payouts == []
    assert (await ledger.verify()).ok


@sqlite
async def test_requests_without_money_or_with_bad_amounts_are_refused() -> None:
    owner = await make_user(Role.provider)
    provider = await make_provider(owner)
    events, recorder = recording_events()
    with pytest.raises(NothingToPayOut):
        await payouts.request_payout(provider, owner, events, currency="RUB")
    await credit_sale(provider, 100, 0, currency="XTR", channel="stars")
    with pytest.raises(NothingToPayOut):  # Stars are not roubles
        await payouts.request_payout(provider, owner, events, currency="RUB")
    for amount in (0, -100):
        with pytest.raises(InvalidInput) as bad:
            await payouts.request_payout(provider, owner, events, currency="XTR", amount=amount)
        assert bad.value.details["field"] == "amount"
    with pytest.raises(InvalidInput) as bad:
        await payouts.request_payout(provider, owner, events, currency="USD")
    assert bad.value.details["field"] == "currency"
    assert not await Payout.exists() and recorder.payouts == []

    stars = await payouts.request_payout(provider, owner, events, currency="XTR")
    assert (stars.amount, stars.currency) == (100, "XTR")
    assert await payouts.balances(provider.id) == [Balance("XTR", available=0, on_hold=100)]


@sqlite
async def test_the_queue_lists_requests_oldest_first_a_page_at_a_time() -> None:
    events, _ = recording_events()
    admin = await make_user(Role.admin)
    requested = []
    for _ in range(3):
        provider, owner = await a_provider_with(9000)
        requested.append(await payouts.request_payout(provider, owner, events, currency="RUB"))
    await payouts.approve(requested[1].id, admin, events)

    first = await payouts.queue(page=1, per_page=1)
    second = await payouts.queue(page=2, per_page=1)
    beyond = await payouts.queue(page=7, per_page=1)

    assert [p.id for p in first.items] == [requested[0].id]
    assert [p.id for p in second.items] == [requested[2].id]
    assert (first.total, first.pages) == (2, 2)
    assert first.items[0].provider.id == requested[0].provider_id  # prefetched
    assert beyond.out_of_range and beyond.number == 2


@sqlite
async def test_an_unknown_payout_is_not_found() -> None:
    admin = await make_user(Role.admin)
    events, _ = recording_events()
    with pytest.raises(NotFound):
        await payouts.approve(424242, admin, events)
    with pytest.raises(NotFound):
        await payouts.reject(424242, admin, "no", events)


@pytest.mark.postgres
async def test_two_concurrent_requests_for_the_whole_balance_pay_once(
    pg_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider, owner = await a_provider_with(9000)
    events, recorder = recording_events()
    # Both requests read the balance and create their Payout rows before either posts: the
    # worst interleaving, made certain. Only the ledger's lock stands between them now.
    both_read = asyncio.Barrier(2)
    real_post = ledger.post

    async def post_after_both_read(*args: Any, **kwargs: Any) -> LedgerTransaction:
        await asyncio.wait_for(both_read.wait(), timeout=30)
        return await real_post(*args, **kwargs)

    monkeypatch.setattr(ledger, "post", post_after_both_read)

    outcomes = await asyncio.gather(
        *(payouts.request_payout(provider, owner, events, currency="RUB") for _ in range(2)),
        return_exceptions=True,
    )

    made = [o for o in outcomes if isinstance(o, Payout)]
    refused = [o for o in outcomes if not isinstance(o, Payout)]
    assert len(made) == 1 and made[0].amount == 9000
    assert len(refused) == 1 and isinstance(refused[0], InsufficientFunds), refused
    assert refused[0].details["available"] == 0  # re-read under the ledger's lock
    assert await Payout.all().count() == 1
    assert await LedgerTransaction.filter(kind="payout_request").count() == 1
    assert await balance_of(PROVIDER.format(id=provider.id)) == 0
    assert await balance_of(HOLD) == 9000
    assert recorder.payouts == [(made[0].id, PayoutStatus.requested)]
    assert (await ledger.verify()).ok


@pytest.mark.postgres
async def test_concurrent_decisions_act_once(pg_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    provider, owner = await a_provider_with(9000)
    admin = await make_user(Role.admin)
    events, _ = recording_events()
    payout = await payouts.request_payout(provider, owner, events, currency="RUB")
    # All three clicks see the payout as requested before any of them writes: only the
    # conditional update decides.
    all_read = asyncio.Barrier(3)
    real_hold_account = payouts._hold_account

    async def hold_account_after_all_read(currency: str) -> Any:
        await asyncio.wait_for(all_read.wait(), timeout=30)
        return await real_hold_account(currency)

    monkeypatch.setattr(payouts, "_hold_account", hold_account_after_all_read)

    outcomes = await asyncio.gather(
        payouts.approve(payout.id, admin, events),
        payouts.approve(payout.id, admin, events),
        payouts.reject(payout.id, admin, "no", events),
        return_exceptions=True,
    )

    won = [o for o in outcomes if isinstance(o, Payout)]
    lost = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(won) == 1 and len(lost) == 2
    assert all(isinstance(error, PayoutDecided) for error in lost)
    decisions = await LedgerTransaction.filter(kind__in=["payout_paid", "payout_returned"])
    assert len(decisions) == 1
    assert await AuditLog.filter(target=f"payout:{payout.id}").count() == 1
    assert await balance_of(HOLD) == 0
    assert (await ledger.verify()).ok
