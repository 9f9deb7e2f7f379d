"""The points ledger of one account: earning, payment, returns, cancelling, adjusting, expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from loyalty.domain.account import InsufficientPoints, LoyaltyAccount
from loyalty.domain.ledger import MovementKind, OrderedLine
from loyalty.domain.rules import EarningRules, ProgrammeRules
from loyalty.domain.tiers import Tier, TierRules

T0 = datetime(2026, 1, 1, tzinfo=UTC)
RULES = ProgrammeRules()


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def line(sku: str = "SKU-1", quantity: int = 1, price: str = "10", category: str = "food"):
    return OrderedLine(sku, category, quantity, Decimal(price))


def account() -> LoyaltyAccount:
    return LoyaltyAccount(customer_id="c-1")


def ledger_sum(acc: LoyaltyAccount) -> int:
    return sum(m.points for m in acc.movements)


def test_an_order_earns_pending_points_that_become_available_when_paid() -> None:
    acc = account()

    acc.record_order("o-1", day(0), "EUR", [line(quantity=3, price="10.50")], RULES)

    assert acc.pending_points == 31  # 31.5 points, rounded down
    assert acc.points_balance == 0
    assert acc.pay_order("o-1", day(1), RULES)
    assert (acc.pending_points, acc.points_balance) == (0, 31)
    assert [(m.kind, m.points, m.balance_after) for m in acc.movements] == [
        (MovementKind.ISSUED, 31, 31)
    ]


def test_without_waiting_for_payment_points_are_available_at_once() -> None:
    rules = ProgrammeRules(EarningRules(pending_until_paid=False))
    acc = account()

    acc.record_order("o-1", day(0), "EUR", [line(price="100")], rules)

    assert (acc.pending_points, acc.points_balance) == (0, 100)


def test_the_base_rate_and_category_sku_and_tier_multipliers_multiply() -> None:
    earning = EarningRules(
        points_per_unit=Decimal(2),
        category_multipliers={"wine": Decimal(3)},
        sku_multipliers={"SKU-X": Decimal(5)},
    )
    rules = ProgrammeRules(earning)
    acc = account()

    acc.record_order(
        "o-1",
        day(0),
        "EUR",
        [line("SKU-A", price="10", category="wine"), line("SKU-X", price="10", category="wine")],
        rules,
    )

    assert [ln.points for ln in acc.orders["o-1"].lines] == [60, 100]
    assert earning.points_for_line("s", "food", 1, Decimal(10), Tier.GOLD) == 30


def test_the_same_order_recorded_twice_earns_once_and_paying_twice_issues_once() -> None:
    acc = account()
    acc.record_order("o-1", day(0), "EUR", [line()], RULES)

    assert not acc.record_order("o-1", day(0), "EUR", [line()], RULES)
    acc.pay_order("o-1", day(1), RULES)
    assert not acc.pay_order("o-1", day(2), RULES)
    assert acc.points_balance == 10


def test_returning_some_units_takes_back_exactly_what_they_earned() -> None:
    acc = account()
    acc.record_order("o-1", day(0), "EUR", [line("A", 3, "10"), line("B", 1, "7")], RULES)
    acc.pay_order("o-1", day(1), RULES)

    acc.return_lines("o-1", "r-1", [("A", 1)], day(2), RULES)
    acc.return_lines("o-1", "r-2", [("A", 2)], day(3), RULES)

    assert acc.points_balance == 7
    assert [m.points for m in acc.movements] == [37, -10, -20]


def test_a_return_sent_twice_is_taken_back_once_and_no_line_gives_back_more_than_it_had() -> None:
    acc = account()
    acc.record_order("o-1", day(0), "EUR", [line("A", 2, "10")], RULES)
    acc.pay_order("o-1", day(1), RULES)

    acc.return_lines("o-1", "r-1", [("A", 1)], day(2), RULES)
    assert not acc.return_lines("o-1", "r-1", [("A", 1)], day(2), RULES)
    acc.return_lines("o-1", "r-2", [("A", 5)], day(3), RULES)  # more than was bought
    assert not acc.return_lines("o-1", "r-3", [("A", 1)], day(4), RULES)

    assert acc.points_balance == 0
    assert ledger_sum(acc) == 0


def test_uneven_points_leave_nothing_once_every_unit_is_returned() -> None:
    acc = account()
    acc.record_order("o-1", day(0), "EUR", [line("A", 3, "3.33")], RULES)  # 9 points for 3 units
    acc.pay_order("o-1", day(1), RULES)

    for n in range(3):
        acc.return_lines("o-1", f"r-{n}", [("A", 1)], day(2 + n), RULES)

    assert acc.points_balance == 0
    assert acc.orders["o-1"].kept_points == 0


def test_cancelling_a_paid_order_takes_back_what_is_left_of_it_once() -> None:
    acc = account()
    acc.record_order("o-1", day(0), "EUR", [line("A", 2, "10")], RULES)
    acc.pay_order("o-1", day(1), RULES)
    acc.return_lines("o-1", "r-1", [("A", 1)], day(2), RULES)

    acc.cancel_order("o-1", day(3), RULES)

    assert not acc.cancel_order("o-1", day(4), RULES)
    assert not acc.pay_order("o-1", day(5), RULES)
    assert acc.points_balance == 0
    assert [m.points for m in acc.movements] == [20, -10, -10]


def test_cancelling_an_unpaid_order_drops_its_pending_points_without_a_movement() -> None:
    acc = account()
    acc.record_order("o-1", day(0), "EUR", [line()], RULES)

    acc.cancel_order("o-1", day(1), RULES)

    assert (acc.pending_points, acc.points_balance, acc.movements) == (0, 0, [])


def test_a_return_after_the_points_were_spent_is_owed_and_settled_by_the_next_earning() -> None:
    acc = account()
    acc.record_order("o-1", day(0), "EUR", [line("A", 1, "50")], RULES)
    acc.pay_order("o-1", day(1), RULES)
    acc.adjust(-40, "goodwill reversal", "agent", day(2), RULES)

    acc.return_lines("o-1", "r-1", [("A", 1)], day(3), RULES)
    assert (acc.points_balance, acc.points_owed) == (0, 40)

    acc.record_order("o-2", day(4), "EUR", [line("B", 1, "100")], RULES)
    acc.pay_order("o-2", day(5), RULES)

    assert (acc.points_balance, acc.points_owed) == (60, 0)
    assert ledger_sum(acc) == 60


def test_points_of_a_returned_order_that_already_expired_are_not_charged_to_other_lots() -> None:
    acc = account()
    acc.record_order("o-1", day(0), "EUR", [line("A", 1, "30")], RULES)
    acc.pay_order("o-1", day(0), RULES)
    acc.expire_due(day(366), RULES)
    acc.adjust(50, "welcome bonus", "agent", day(367), RULES)

    acc.return_lines("o-1", "r-1", [("A", 1)], day(368), RULES)

    assert (acc.points_balance, acc.points_owed) == (50, 0)


def test_manual_adjustments_record_the_reason_and_the_actor_and_apply_once_per_request() -> None:
    acc = account()

    acc.adjust(25, "compensation for a late delivery", "alice", day(0), RULES, "req-1")
    assert not acc.adjust(25, "compensation for a late delivery", "alice", day(0), RULES, "req-1")

    (movement,) = acc.movements
    assert (movement.points, movement.reason, movement.actor) == (
        25,
        "compensation for a late delivery",
        "alice",
    )


def test_a_debit_beyond_the_balance_is_refused() -> None:
    acc = account()
    acc.adjust(5, "bonus", "alice", day(0), RULES)

    with pytest.raises(InsufficientPoints):
        acc.adjust(-6, "too much", "alice", day(1), RULES)
    assert acc.points_balance == 5


def test_lots_expire_a_configured_time_after_earning_and_spending_takes_the_oldest_first() -> None:
    rules = ProgrammeRules(EarningRules(expiry_days=30))
    acc = account()
    acc.adjust(10, "first", "a", day(0), rules)
    acc.adjust(10, "second", "a", day(10), rules)
    acc.adjust(-5, "spend", "a", day(20), rules)  # from the first lot

    assert acc.expire_due(day(29), rules) == 0
    assert acc.expire_due(day(30), rules) == 5
    assert acc.expire_due(day(30), rules) == 0
    assert acc.expire_due(day(40), rules) == 10
    assert acc.points_balance == 0
    assert acc.movements[-1].kind is MovementKind.EXPIRED


def test_the_first_purchase_above_a_threshold_upgrades_at_once() -> None:
    rules = ProgrammeRules(tiers=TierRules())
    acc = account()

    acc.record_order("o-1", day(0), "EUR", [line("A", 1, "1000000")], rules)
    assert acc.tier is Tier.GOLD
    acc.record_order("o-2", day(1), "EUR", [line("A", 1, "0.01")], rules)

    assert acc.tier is Tier.PREMIUM
    assert acc.tier_since == day(1)


def test_the_tier_multiplier_applies_to_orders_placed_after_the_upgrade() -> None:
    acc = account()
    acc.record_order("o-1", day(0), "EUR", [line("A", 1, "20000")], RULES)  # -> silver

    acc.record_order("o-2", day(1), "EUR", [line("A", 1, "100")], RULES)

    assert acc.orders["o-1"].earned_points == 20000
    assert acc.orders["o-2"].earned_points == 125
