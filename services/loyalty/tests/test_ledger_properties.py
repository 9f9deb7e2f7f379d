"""Whatever happens to an account, its balance is the sum of its ledger and never negative,
and every order keeps exactly the points its unreturned units earned, the bonus points
of the promotions running when it was placed included."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalty.domain.account import Award, InsufficientPoints, LoyaltyAccount
from loyalty.domain.ledger import OrderedLine, OrderStatus
from loyalty.domain.promotions import Cart, CartLine, Promotion, Terms, points_by_line
from loyalty.domain.rules import EarningRules, ProgrammeRules

T0 = datetime(2026, 1, 1, tzinfo=UTC)
RULES = ProgrammeRules(EarningRules(expiry_days=90, category_multipliers={"B": Decimal("1.5")}))
SKUS = ("A", "B", "C")

prices = st.decimals(min_value=0, max_value=500, places=2)
lines = st.lists(
    st.tuples(st.sampled_from(SKUS), st.integers(1, 3), prices), min_size=1, max_size=3
)
orders = st.integers(0, 4)
STORE_CARD = Terms(payment_method="store_card", bonus_points=40)
HALF_AGAIN_ON_A = Terms(multiplier=Decimal("1.5"), skus=frozenset({"A"}))
BONUS_ON_B_AND_C = Terms(bonus_points=25, categories=frozenset({"B", "C"}))
PROMOTIONS = (  # the kinds that add points, each rounding its share of a line its own way
    ("Store card bonus", "payment_method", STORE_CARD),
    ("Half as much again on A", "points_multiplier", HALF_AGAIN_ON_A),
    ("25 points on B and C", "limited_offer", BONUS_ON_B_AND_C),
)
running = st.sets(st.sampled_from(range(len(PROMOTIONS))))
payment_methods = st.sampled_from(("store_card", "cash"))
operations = st.one_of(
    st.tuples(st.just("place"), orders, lines, payment_methods),
    st.tuples(st.just("pay"), orders),
    st.tuples(st.just("return"), orders, st.sampled_from(SKUS), st.integers(1, 4)),
    st.tuples(st.just("cancel"), orders),
    st.tuples(st.just("adjust"), st.integers(-150, 150).filter(bool)),
    st.tuples(
        st.just("expire"),
    ),
    st.tuples(st.just("redeem"), st.integers(1, 200)),
    st.tuples(st.just("return redeemed"), st.integers(0, 5)),
)
steps = st.lists(st.tuples(st.integers(0, 60), operations), max_size=40)


@dataclass
class Books:
    """What the ledger events say happened to each order's points."""

    issued: defaultdict[str, int]
    settled: defaultdict[str, int]
    promoted: defaultdict[str, int]  # issued in the lots of the order's promotions

    @classmethod
    def of(cls, events: list[Any]) -> Books:
        books = cls(defaultdict(int), defaultdict(int), defaultdict(int))
        for event in events:
            if isinstance(event, LoyaltyAccount.PointsIssued) and event.order_id:
                books.issued[event.order_id] += event.points
                if ":promotion:" in event.lot_id:
                    books.promoted[event.order_id] += event.points
            if isinstance(event, LoyaltyAccount.PointsReversed) and event.order_id:
                written_off = sum(n for _, n in event.written_off)
                books.settled[event.order_id] += event.points + written_off + event.owed_incurred
        return books


def promotions(indices: set[int]) -> list[Promotion]:
    """The promotions running throughout the history, drafted and activated."""
    started = []
    for index in sorted(indices):
        name, kind, terms = PROMOTIONS[index]
        promotion = Promotion(
            id=UUID(int=index + 1),
            name=name,
            kind=kind,
            terms=terms.to_dict(),
            starts_at=None,
            ends_at=None,
            tiers=[],
            segments=[],
            channels=[],
            budget=None,
            per_customer_limit=None,
        )
        promotion.activate("marketing")
        started.append(promotion)
    return started


def awards(
    acc: LoyaltyAccount,
    running: Sequence[Promotion],
    ordered: list[OrderedLine],
    payment_method: str,
    at: datetime,
) -> list[Award]:
    """What the running promotions add to each line, decided as the inbox decides it."""
    cart = Cart(
        customer_id=acc.customer_id,
        tier=acc.tier.value,
        segments=frozenset(),
        channel="store",
        payment_method=payment_method,
        lines=tuple(CartLine(o.sku, o.category, o.quantity, o.unit_price) for o in ordered),
        at=at,
    )
    base = acc.points_by_line(ordered, RULES)
    given = []
    for promotion in running:
        effect = promotion.effect_for(cart)
        if effect is not None:
            by_line = points_by_line(promotion, effect, cart.lines, base)
            if by_line:
                given.append(Award(str(promotion.id), promotion.name, by_line))
    return given


def perform(
    acc: LoyaltyAccount,
    op: tuple[Any, ...],
    at: datetime,
    n: int,
    running: Sequence[Promotion] = (),
) -> None:
    kind = op[0]
    if kind == "place":
        ordered = [OrderedLine(sku, sku, qty, price) for sku, qty, price in op[2]]
        given = awards(acc, running, ordered, op[3], at)
        acc.record_order(f"o-{op[1]}", at, "EUR", ordered, RULES, given)
    elif kind == "pay":
        acc.pay_order(f"o-{op[1]}", at, RULES)
    elif kind == "return":
        acc.return_lines(f"o-{op[1]}", f"r-{n}", [(op[2], op[3])], at, RULES)
    elif kind == "cancel":
        acc.cancel_order(f"o-{op[1]}", at, RULES)
    elif kind == "adjust":
        try:
            acc.adjust(op[1], "correction", "agent", at, RULES)
        except InsufficientPoints:
            assert -op[1] > acc.points_balance
    elif kind == "redeem":
        try:
            acc.redeem(f"red-{n}", op[1], "reward", "a reward", "web", at, RULES)
        except InsufficientPoints:
            assert op[1] > acc.points_balance
    elif kind == "return redeemed":
        redeemed = sorted(acc.redeemed)
        if op[1] < len(redeemed):
            acc.return_redeemed(redeemed[op[1]], "cancelled", "web", at, RULES)
    else:
        acc.expire_due(at, RULES)


def check(acc: LoyaltyAccount, books: Books) -> None:
    running = 0
    for movement in acc.movements:
        running += movement.points
        assert movement.balance_after == running
    assert acc.points_balance == running >= 0
    assert acc.points_balance == sum(lot.remaining for lot in acc.lots.values())
    assert all(lot.remaining >= 0 and lot.expired >= 0 for lot in acc.lots.values())
    assert acc.points_owed >= 0
    for order in acc.orders.values():
        for line in order.lines:
            assert 0 <= line.returned <= line.quantity
            expected = (
                0 if order.status is OrderStatus.CANCELLED else line.kept_if_returned(line.returned)
            )
            assert line.kept == expected  # exactly what the unreturned units earned
        if order.status is not OrderStatus.PENDING:
            # every point issued for the order is still kept or was taken back, once
            issued = books.issued[order.order_id]
            assert issued - books.settled[order.order_id] == order.kept_points
        awarded = sum(bonus.points for line in order.lines for bonus in line.promotions)
        assert books.promoted[order.order_id] <= awarded
        if order.status is OrderStatus.AVAILABLE and not any(ln.returned for ln in order.lines):
            # paid with nothing returned: every bonus point went out under its promotion
            assert books.promoted[order.order_id] == awarded


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps, running)
def test_any_history_keeps_the_balance_equal_to_the_ledger_and_never_negative(
    history: list[tuple[int, tuple[Any, ...]]], promoted: set[int]
) -> None:
    acc = LoyaltyAccount(customer_id="c-1")
    running = promotions(promoted)
    events: list[Any] = list(acc.collect_events())
    at = T0
    for n, (days, op) in enumerate(history):
        at += timedelta(days=days)
        perform(acc, op, at, n, running)
        events.extend(acc.collect_events())
        check(acc, Books.of(events))


@settings(max_examples=100, deadline=None)
@given(steps, running)
def test_replaying_the_stored_events_rebuilds_the_same_account(
    history: list[tuple[int, tuple[Any, ...]]], promoted: set[int]
) -> None:
    acc = LoyaltyAccount(customer_id="c-1")
    running = promotions(promoted)
    at = T0
    for n, (days, op) in enumerate(history):
        at += timedelta(days=days)
        perform(acc, op, at, n, running)
    events = acc.collect_events()
    rebuilt: LoyaltyAccount | None = None
    for stored in events:
        rebuilt = stored.mutate(rebuilt)  # type: ignore[arg-type]
    assert rebuilt is not None
    assert rebuilt.movements == acc.movements
    assert (rebuilt.points_balance, rebuilt.points_owed, rebuilt.tier) == (
        acc.points_balance,
        acc.points_owed,
        acc.tier,
    )
