"""Whatever interleaving of redemptions, fulfilments, cancellations, credits and expiries,
the balance and the stock stay non-negative and equal to their ledgers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty.domain.account import InsufficientPoints, LoyaltyAccount
from loyalty.domain.rewards import IllegalTransition, OutOfStock, Redemption, Reward
from loyalty.domain.rules import EarningRules, ProgrammeRules

T0 = datetime(2026, 1, 1, tzinfo=UTC)
RULES = ProgrammeRules(EarningRules(expiry_days=30))
STOCK = (3, 1)

operations = st.one_of(
    st.tuples(st.just("redeem"), st.integers(0, 1), st.integers(1, 2)),
    st.tuples(st.just("cancel"), st.integers(0, 9)),
    st.tuples(st.just("fulfil"), st.integers(0, 9)),
    st.tuples(st.just("credit"), st.integers(1, 300)),
    st.tuples(st.just("debit"), st.integers(1, 300)),
    st.tuples(st.just("expire")),
)
steps = st.lists(st.tuples(st.integers(0, 20), operations), max_size=40)


class World:
    """One account and two rewards, changed as the application would change them."""

    def __init__(self) -> None:
        self.account = LoyaltyAccount(customer_id="c-1")
        self.rewards = [
            Reward(
                id=uuid4(),
                name=f"r{n}",
                description="",
                points_cost=cost,
                stock=stock,
                valid_from=None,
                valid_until=None,
            )
            for n, (cost, stock) in enumerate(zip((80, 150), STOCK, strict=True))
        ]
        self.redemptions: list[Redemption] = []
        self.events: list[Any] = list(self.account.collect_events())

    def perform(self, op: tuple[Any, ...], at: datetime) -> None:
        kind = op[0]
        if kind == "redeem":
            self.redeem(self.rewards[op[1]], op[2], at)
        elif kind in ("cancel", "fulfil") and op[1] < len(self.redemptions):
            redemption = self.redemptions[op[1]]
            reward = next(r for r in self.rewards if str(r.id) == redemption.reward_id)
            try:
                if kind == "cancel" and redemption.cancel(at, "changed mind", None):
                    reward.release(str(redemption.id))
                    self.account.return_redeemed(str(redemption.id), "cancelled", None, at, RULES)
                elif kind == "fulfil" and redemption.fulfil(at, None):
                    reward.hand_over(str(redemption.id))
            except IllegalTransition:
                pass
        elif kind == "credit":
            self.account.adjust(op[1], "gift", None, at, RULES)
        elif kind == "debit":
            try:
                self.account.adjust(-op[1], "correction", None, at, RULES)
            except InsufficientPoints:
                assert op[1] > self.account.points_balance
        elif kind == "expire":
            self.account.expire_due(at, RULES)
        self.events.extend(self.account.collect_events())

    def redeem(self, reward: Reward, quantity: int, at: datetime) -> None:
        """As the application does: decide on both, change both or neither."""
        redemption_id = uuid4()
        cost = quantity * reward.points_cost
        if quantity > reward.stock or cost > self.account.points_balance:
            refusals: tuple[type[Exception], ...] = (OutOfStock, InsufficientPoints)
            try:
                if quantity > reward.stock:
                    reward.reserve(str(redemption_id), quantity, at)
                self.account.redeem(str(redemption_id), cost, str(reward.id), "r", None, at, RULES)
            except refusals:
                return
            raise AssertionError("an impossible redemption was accepted")
        reward.reserve(str(redemption_id), quantity, at)
        self.account.redeem(str(redemption_id), cost, str(reward.id), reward.name, None, at, RULES)
        self.redemptions.append(
            Redemption(
                id=redemption_id,
                customer_id="c-1",
                reward_id=str(reward.id),
                quantity=quantity,
                points=cost,
                requested_at=at,
                actor=None,
            )
        )

    def check(self) -> None:
        account = self.account
        running = 0
        for movement in account.movements:
            running += movement.points
            assert movement.balance_after == running
        assert account.points_balance == running >= 0
        assert account.points_balance == sum(lot.remaining for lot in account.lots.values())
        assert all(lot.remaining >= 0 for lot in account.lots.values())
        ledger = sum(
            e.points
            if isinstance(e, LoyaltyAccount.PointsIssued | LoyaltyAccount.RedeemedPointsReturned)
            else -e.points
            for e in self.events
            if isinstance(
                e,
                LoyaltyAccount.PointsIssued
                | LoyaltyAccount.RedeemedPointsReturned
                | LoyaltyAccount.PointsRedeemed
                | LoyaltyAccount.PointsReversed
                | LoyaltyAccount.PointsExpired,
            )
        )
        assert ledger == account.points_balance
        for reward, stock in zip(self.rewards, STOCK, strict=True):
            held = [r for r in self.redemptions if r.reward_id == str(reward.id)]
            reserved = sum(r.quantity for r in held if r.status == "reserved")
            fulfilled = sum(r.quantity for r in held if r.status == "fulfilled")
            assert reward.stock == stock - reserved - fulfilled >= 0
            assert reward.handed_over == fulfilled
        spent = sum(r.points for r in self.redemptions if r.status != "cancelled")
        redeemed = sum(-m.points for m in account.movements if m.kind == "redeemed")
        returned = sum(m.points for m in account.movements if m.kind == "returned")
        assert redeemed - returned == spent


@settings(max_examples=300, deadline=None)
@given(steps)
def test_interleaved_redemptions_and_cancellations_keep_balance_and_stock_equal_to_their_ledgers(
    history: list[tuple[int, tuple[Any, ...]]],
) -> None:
    world = World()
    at = T0
    for days, op in history:
        at += timedelta(days=days)
        world.perform(op, at)
        world.check()


@settings(max_examples=100, deadline=None)
@given(steps)
def test_replaying_an_account_with_redemptions_rebuilds_the_same_ledger(
    history: list[tuple[int, tuple[Any, ...]]],
) -> None:
    world = World()
    at = T0
    for days, op in history:
        at += timedelta(days=days)
        world.perform(op, at)
    rebuilt: LoyaltyAccount | None = None
    for stored in world.events:
        rebuilt = stored.mutate(rebuilt)
    assert rebuilt is not None
    assert rebuilt.movements == world.account.movements
    assert rebuilt.points_balance == world.account.points_balance
