"""Customers racing for the same points and the same last units never overdraw either.

Threads call the Application at once, on SQLite and on PostgreSQL: the account,
the reward and the redemption are saved together, so a redemption decided on a
stale balance or stock fails on its version and decides again (or is refused).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from uuid import uuid4

from eventsourcing.persistence import IntegrityError

from loyalty.app import Loyalty
from loyalty.domain.account import InsufficientPoints, LoyaltyAccount
from loyalty.domain.rewards import OutOfStock, Redemption
from loyalty.inbox import LoyaltyInbox

THREADS = 8
Outcome = Redemption | Exception


def race(app: Loyalty, attempts: list[Callable[[], Redemption]]) -> list[Outcome]:
    """Run every attempt at once: a barrier releases all threads together."""
    start = Barrier(len(attempts))

    def run(attempt: Callable[[], Redemption]) -> Outcome:
        start.wait()
        try:
            return attempt()
        except (InsufficientPoints, OutOfStock, IntegrityError) as refusal:
            return refusal

    with ThreadPoolExecutor(len(attempts)) as pool:
        return list(pool.map(run, attempts))


def opened_with(app: Loyalty, customer_id: str, points: int) -> None:
    app.save(LoyaltyAccount(customer_id=customer_id))
    app.adjust(customer_id, points, "welcome gift", "test")


def test_concurrent_redemptions_of_one_account_never_spend_more_than_its_balance(
    loyalty: tuple[Loyalty, LoyaltyInbox],
) -> None:
    app, _ = loyalty
    opened_with(app, "c-1", 350)
    reward = app.catalogue_reward(uuid4(), "Mug", "", 100, 1000, None, None)

    outcomes = race(
        app,
        [lambda: app.redeem(uuid4(), "c-1", reward.id, 1, "web") for _ in range(THREADS)],
    )

    won = [o for o in outcomes if isinstance(o, Redemption)]
    account = app.account_of("c-1")
    assert 1 <= len(won) <= 3
    assert account.points_balance == 350 - 100 * len(won) >= 0
    assert app.reward(reward.id).stock == 1000 - len(won)
    assert all(app.redemption(o.id).points == 100 for o in won)
    assert sum(m.points for m in account.movements) == account.points_balance


def test_concurrent_redemptions_of_the_last_units_never_drive_the_stock_below_zero(
    loyalty: tuple[Loyalty, LoyaltyInbox],
) -> None:
    app, _ = loyalty
    customers = [f"c-{n}" for n in range(THREADS)]
    for customer_id in customers:
        opened_with(app, customer_id, 1000)
    reward = app.catalogue_reward(uuid4(), "Concert ticket", "", 500, 2, None, None)

    outcomes = race(
        app,
        [
            lambda customer_id=customer_id: app.redeem(uuid4(), customer_id, reward.id, 1, "web")
            for customer_id in customers
        ],
    )

    won = [o for o in outcomes if isinstance(o, Redemption)]
    lost = [o for o in outcomes if not isinstance(o, Redemption)]
    assert 1 <= len(won) <= 2
    assert all(isinstance(o, OutOfStock | IntegrityError) for o in lost)
    stock = app.reward(reward.id)
    assert stock.stock == 2 - len(won) >= 0
    assert sorted(stock.reserved) == sorted(str(o.id) for o in won)
    balances = {c: app.account_of(c).points_balance for c in customers}
    assert sorted(balances.values()) == sorted([500] * len(won) + [1000] * len(lost))


def test_a_cancellation_racing_redemptions_returns_points_and_stock_exactly_once(
    loyalty: tuple[Loyalty, LoyaltyInbox],
) -> None:
    app, _ = loyalty
    opened_with(app, "c-1", 300)
    reward = app.catalogue_reward(uuid4(), "Mug", "", 100, 2, None, None)
    first = app.redeem(uuid4(), "c-1", reward.id, 2, "web")

    attempts: list[Callable[[], Redemption]] = [
        lambda: app.cancel_redemption(first.id, "changed mind", "web") for _ in range(3)
    ]
    attempts += [lambda: app.redeem(uuid4(), "c-1", reward.id, 1, "web") for _ in range(3)]
    outcomes = race(app, attempts)

    assert app.redemption(first.id).status == "cancelled"
    won = [o for o in outcomes[3:] if isinstance(o, Redemption)]
    account = app.account_of("c-1")
    assert account.points_balance == 300 - 100 * len(won) >= 0
    assert app.reward(reward.id).stock == 2 - len(won) >= 0
    returned = [m for m in account.movements if m.kind == "returned"]
    assert [m.points for m in returned] == [200]
