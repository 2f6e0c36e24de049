

async def test_the_same_points_spent_by_two_orders_at_once_pay_only_one(pg_db: str) -> None:
    from db.models import ActorRole, LoyaltyRule, OrderStatus, PaymentMethod
    from services import loyalty, orders
    from services.events import ShopEvents
    from services.jobs import JobRunner
    from tests.services.shop_data import RULES, order_in

    ann, shop = await make_user(), await make_provider()
    await LoyaltyRule.create(provider_id=shop.id, earn_basis_points=1000)
    big = await make_product(shop, price=300000, stock=5)
    done = await order_in(
        OrderStatus.ready_for_pickup, ann, shop, payment_method=PaymentMethod.cash, product=big
    )
    await orders.transition(
        done.id,
        OrderStatus.completed,
        role=ActorRole.provider,
        actor=None,
        events=ShopEvents(),
        cash_received=True,
    )
    runner = JobRunner(name="test")
    loyalty.register_loyalty_jobs(runner, RULES)
    await runner.run_due()
    assert await loyalty.balance(ann.id) == 300  # 10 % of 3 000 ₽
    tea = await make_product(shop, price=100000, stock=50)  # 1 000 ₽: up to 300 points
    bob = await make_user()

    async def spend_all(person_key: str) -> Order | Exception:
        try:
            return await order_of(ann, tea, points=300)
        except Exception as error:  # noqa: BLE001 - the refusal is the result
            return error

    results = await asyncio.gather(spend_all("a"), spend_all("b"))

    paid = [r for r in results if isinstance(r, Order) and r.points_spent]
    assert len({r.id for r in paid}) <= 1, results
    assert await loyalty.balance(ann.id) == 300 - 300 * len({r.id for r in paid})
    assert await loyalty.balance(ann.id) >= 0
    assert bob is not None
