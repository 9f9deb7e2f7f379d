"""A customer's loyalty account: the points ledger and the tier.

The ledger is the account's own event log: every balance is the sum of its
movements, and every movement says which lots it took its points from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from loyalty.domain.ledger import (
    EarnedLine,
    EarnedOrder,
    InsufficientPoints,
    Lot,
    Movement,
    MovementKind,
    OrderedLine,
    OrderStatus,
    PromotionPoints,
    RedeemedPoints,
)
from loyalty.domain.rules import ProgrammeRules
from loyalty.domain.tiers import Purchase, Tier, TierRules

__all__ = ["InsufficientPoints", "LoyaltyAccount", "Tier"]

Taken = list[list[Any]]  # [[lot_id, points], ...]: JSON-friendly in stored events

OWED_REASON = "settles points owed for goods given back"


def order_lot(order_id: str) -> str:
    return f"order:{order_id}"


def promotion_lot(order_id: str, promotion_id: str) -> str:
    return f"order:{order_id}:promotion:{promotion_id}"


@dataclass(frozen=True)
class Award:
    """Points a promotion adds to an order, by line number: decided before the order
    is recorded (see :meth:`LoyaltyAccount.points_by_line`) and recorded with it."""

    promotion_id: str
    name: str
    points_by_line: dict[int, int]


class LoyaltyAccount(Aggregate):
    TOPIC = (
        "loyalty:LoyaltyAccount"  # pinned, like every event below: stored events survive renames
    )

    class Created(Aggregate.Created):
        """Never triggered (see the @event on __init__); pinned because the aggregate is."""

        TOPIC = "loyalty:LoyaltyAccount.Created"

    class Opened(Aggregate.Created):
        TOPIC = "loyalty:LoyaltyAccount.Opened"
        customer_id: str

    class OrderRecorded(Aggregate.Event):
        TOPIC = "loyalty:LoyaltyAccount.OrderRecorded"
        order_id: str
        placed_at: datetime
        currency: str
        lines: list[dict[str, Any]]
        promotions: list[str] = dataclass_field(default_factory=list)  # stored before: none

    class OrderPaid(Aggregate.Event):
        TOPIC = "loyalty:LoyaltyAccount.OrderPaid"
        order_id: str
        paid_at: datetime

    class LinesGivenBack(Aggregate.Event):
        """Lines returned or cancelled: ``lines`` is [[line_no, quantity, points_due]]."""

        TOPIC = "loyalty:LoyaltyAccount.LinesGivenBack"
        order_id: str
        return_key: str | None
        cancelled: bool
        lines: list[list[int]]
        occurred_at: datetime

    class PointsIssued(Aggregate.Event):
        TOPIC = "loyalty:LoyaltyAccount.PointsIssued"
        customer_id: str
        points: int
        lot_id: str
        order_id: str | None
        reason: str
        occurred_at: datetime
        expires_at: datetime | None
        balance_after: int
        monetary_value: Decimal
        currency: str
        actor: str | None
        request_id: str | None

    class PointsReversed(Aggregate.Event):
        """Points taken back; what the balance could not cover is written off or owed."""

        TOPIC = "loyalty:LoyaltyAccount.PointsReversed"
        customer_id: str
        points: int
        taken: Taken
        written_off: Taken
        owed_incurred: int
        owed_settled: int
        order_id: str | None
        reason: str
        occurred_at: datetime
        balance_after: int
        monetary_value: Decimal
        currency: str
        actor: str | None
        request_id: str | None

    class PointsExpired(Aggregate.Event):
        TOPIC = "loyalty:LoyaltyAccount.PointsExpired"
        customer_id: str
        points: int
        taken: Taken
        occurred_at: datetime
        balance_after: int
        monetary_value: Decimal
        currency: str

    class PointsRedeemed(Aggregate.Event):
        """Points spent on a reward, taken from the lots oldest first."""

        TOPIC = "loyalty:LoyaltyAccount.PointsRedeemed"
        customer_id: str
        points: int
        taken: Taken
        redemption_id: str
        reward_id: str | None
        reason: str
        occurred_at: datetime
        balance_after: int
        monetary_value: Decimal
        currency: str
        actor: str | None

    class RedeemedPointsReturned(Aggregate.Event):
        """A cancelled redemption's points, put back in the lots they came from
        (so returning them never extends their expiry) at the value they left with."""

        TOPIC = "loyalty:LoyaltyAccount.RedeemedPointsReturned"
        customer_id: str
        points: int
        returned: Taken
        redemption_id: str
        reward_id: str | None
        reason: str
        occurred_at: datetime
        balance_after: int
        monetary_value: Decimal
        currency: str
        actor: str | None

    class TierChanged(Aggregate.Event):
        TOPIC = "loyalty:LoyaltyAccount.TierChanged"
        customer_id: str
        tier: str
        previous_tier: str
        qualifying_purchases: Decimal
        occurred_at: datetime

    class SegmentChanged(Aggregate.Event):
        """Analytics placed the customer in another RFM segment (e.g. Champions)."""

        TOPIC = "loyalty:LoyaltyAccount.SegmentChanged"
        segment: str
        assessed_at: datetime

    @staticmethod
    def create_id(customer_id: str, **_: Any) -> UUID:
        """One account per customer, found from the customer id alone."""
        return uuid5(NAMESPACE_URL, f"/crm/loyalty/accounts/{customer_id}")

    @event(Opened)
    def __init__(self, customer_id: str) -> None:
        self.customer_id = customer_id
        self.tier = Tier.STANDARD
        self.tier_since: datetime = self.created_on
        self.points_balance = 0
        self.points_owed = 0
        self.lots: dict[str, Lot] = {}
        self.orders: dict[str, EarnedOrder] = {}
        self.movements: list[Movement] = []
        self.requests: set[str] = set()
        self.redeemed: dict[str, RedeemedPoints] = {}
        self.points_cost = Decimal(0)  # the value of the points issued, less those reversed
        self.segment: str | None = None  # as analytics last assessed it
        self.segment_assessed_at: datetime | None = None

    # queries

    @property
    def pending_points(self) -> int:
        return sum(o.kept_points for o in self.orders.values() if o.status is OrderStatus.PENDING)

    def purchases(self) -> list[Purchase]:
        return [order.purchase for order in self.orders.values()]

    def qualifying_purchases(self, at: datetime, rules: TierRules) -> Decimal:
        return rules.rolling_purchases(self.purchases(), at)

    def points_by_line(self, lines: Sequence[OrderedLine], rules: ProgrammeRules) -> list[int]:
        """What each line earns by the programme's rules at the account's tier."""
        return [
            rules.earning.points_for_line(
                line.sku, line.category, line.quantity, line.unit_price, self.tier
            )
            for line in lines
        ]

    @property
    def segments(self) -> frozenset[str]:
        """The segments promotions restricted to a segment look at: the customer's current one."""
        return frozenset() if self.segment is None else frozenset({self.segment})

    def promotion_uses(self, promotion_id: str) -> int:
        """Orders given the promotion and not cancelled: what a per-customer limit counts."""
        return sum(
            1
            for order in self.orders.values()
            if promotion_id in order.promotions and order.status is not OrderStatus.CANCELLED
        )

    def promotion_kept(self, order_id: str) -> dict[str, int]:
        order = self.orders.get(order_id)
        return {} if order is None else order.promotion_kept()

    # commands: each decides, then triggers the events that record the decision

    def record_order(
        self,
        order_id: str,
        placed_at: datetime,
        currency: str,
        lines: Sequence[OrderedLine],
        rules: ProgrammeRules,
        awards: Sequence[Award] = (),
        promotions: Sequence[str] = (),
    ) -> bool:
        """Earn on an order once, whatever number of times it is delivered; the
        promotions' points ride on the lines they were earned by, and every promotion
        given (``promotions``, with points or without) is noted on the order."""
        if order_id in self.orders:
            return False
        points = self.points_by_line(lines, rules)
        earned = [
            {
                "line_no": number,
                "sku": line.sku,
                "category": line.category,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
                "points": points[number],
                "promotions": [
                    {
                        "promotion_id": award.promotion_id,
                        "name": award.name,
                        "points": award.points_by_line[number],
                    }
                    for award in awards
                    if award.points_by_line.get(number, 0) > 0
                ],
            }
            for number, line in enumerate(lines)
        ]
        self._order_recorded(order_id, placed_at, currency, earned, list(promotions))
        if not rules.earning.pending_until_paid:
            self._make_available(order_id, placed_at, rules)
        self.review_tier(placed_at, rules.tiers)
        return True

    def pay_order(self, order_id: str, paid_at: datetime, rules: ProgrammeRules) -> bool:
        """A paid order's points become available; paying twice changes nothing."""
        order = self.orders.get(order_id)
        if order is None or order.status is not OrderStatus.PENDING:
            return False
        self._make_available(order_id, paid_at, rules)
        return True

    def return_lines(
        self,
        order_id: str,
        return_key: str,
        returned: Sequence[tuple[str, int]],
        at: datetime,
        rules: ProgrammeRules,
    ) -> bool:
        """Take back exactly what the returned units earned; a return is applied once."""
        order = self.orders.get(order_id)
        if order is None or order.status is OrderStatus.CANCELLED or return_key in order.returns:
            return False
        allocated: dict[int, int] = {}
        for sku, quantity in returned:
            left = quantity
            for line in order.lines:
                if line.sku != sku or left == 0:
                    continue
                room = line.quantity - line.returned - allocated.get(line.line_no, 0)
                given = min(left, room)
                if given > 0:
                    allocated[line.line_no] = allocated.get(line.line_no, 0) + given
                    left -= given
        if not allocated:
            return False  # nothing of this order is left to give back
        self._give_back(order, allocated, return_key, False, at, rules)
        return True

    def cancel_order(self, order_id: str, at: datetime, rules: ProgrammeRules) -> bool:
        """A cancelled order keeps no points, whatever was returned or paid before."""
        order = self.orders.get(order_id)
        if order is None or order.status is OrderStatus.CANCELLED:
            return False
        remaining = {line.line_no: line.quantity - line.returned for line in order.lines}
        self._give_back(order, remaining, None, True, at, rules)
        return True

    def adjust(
        self,
        points: int,
        reason: str,
        actor: str | None,
        at: datetime,
        rules: ProgrammeRules,
        request_id: str | None = None,
    ) -> bool:
        """A manual correction by an employee; a retried request has no second effect."""
        if request_id is not None and request_id in self.requests:
            return False
        if points == 0:
            raise ValueError("an adjustment moves at least one point")
        if points > 0:
            lot_id = f"adjustment:{len(self.lots) + 1}"
            self._issue(points, lot_id, None, reason, at, rules, actor, request_id)
            return True
        if -points > self.points_balance:
            raise InsufficientPoints(
                f"the account holds {self.points_balance} points, fewer than {-points}"
            )
        taken = self._take(-points)
        self._reverse_points(taken, [], 0, 0, None, reason, at, rules, actor, request_id)
        return True

    def redeem(
        self,
        redemption_id: str,
        points: int,
        reward_id: str | None,
        reason: str,
        actor: str | None,
        at: datetime,
        rules: ProgrammeRules,
    ) -> bool:
        """Spend available points on a redemption, once: never more than the balance."""
        if redemption_id in self.redeemed:
            return False
        if points <= 0:
            raise ValueError("a redemption spends at least one point")
        if points > self.points_balance:
            raise InsufficientPoints(
                f"the account holds {self.points_balance} points, fewer than {points}"
            )
        self._points_redeemed(
            customer_id=self.customer_id,
            points=points,
            taken=self._take(points),
            redemption_id=redemption_id,
            reward_id=reward_id,
            reason=reason,
            occurred_at=at,
            balance_after=self.points_balance - points,
            monetary_value=rules.earning.value_of(points),
            currency=rules.earning.currency,
            actor=actor,
        )
        return True

    def return_redeemed(
        self,
        redemption_id: str,
        reason: str,
        actor: str | None,
        at: datetime,
        rules: ProgrammeRules,
    ) -> int:
        """Give a cancelled redemption's points back, once; returns the points returned.

        They settle points owed first, like any credit: a customer who kept points
        for goods given back does not get them back twice."""
        spent = self.redeemed.get(redemption_id)
        if spent is None or spent.returned:
            return 0
        self._redeemed_points_returned(
            customer_id=self.customer_id,
            points=spent.points,
            returned=spent.taken,
            redemption_id=redemption_id,
            reward_id=spent.reward_id,
            reason=reason,
            occurred_at=at,
            balance_after=self.points_balance + spent.points,
            monetary_value=spent.monetary_value,
            currency=spent.currency,
            actor=actor,
        )
        self._settle_owed(spent.points, None, at, rules)
        return spent.points

    def expire_due(self, at: datetime, rules: ProgrammeRules) -> int:
        """Expire every lot whose time has come, oldest first; returns the points expired."""
        due: Taken = [
            [lot.lot_id, lot.remaining]
            for lot in self._oldest_first(self.lots.values())
            if lot.remaining > 0 and lot.expires_at is not None and lot.expires_at <= at
        ]
        points: int = sum(n for _, n in due)
        if points:
            self._points_expired(
                customer_id=self.customer_id,
                points=points,
                taken=due,
                occurred_at=at,
                balance_after=self.points_balance - points,
                monetary_value=rules.earning.value_of(points),
                currency=rules.earning.currency,
            )
        return points

    def review_tier(self, at: datetime, rules: TierRules) -> bool:
        """Move to the tier the rolling purchases earn, as the downgrade policy allows."""
        purchases = self.purchases()
        tier = rules.next_tier(self.tier, self.tier_since, purchases, at)
        if tier is self.tier:
            return False
        self._tier_changed(
            customer_id=self.customer_id,
            tier=tier.value,
            previous_tier=self.tier.value,
            qualifying_purchases=rules.rolling_purchases(purchases, at),
            occurred_at=at,
        )
        return True

    def note_segment(self, segment: str, assessed_at: datetime) -> bool:
        """Remember the segment analytics placed the customer in; an assessment older
        than the one known (a late or repeated signal) changes nothing."""
        if self.segment_assessed_at is not None and assessed_at <= self.segment_assessed_at:
            return False
        self._segment_changed(segment, assessed_at)
        return True

    # decisions shared by the commands

    def _make_available(self, order_id: str, at: datetime, rules: ProgrammeRules) -> None:
        self._order_paid(order_id, at)
        order = self.orders[order_id]
        from_promotions = order.promotion_kept()
        kept = order.kept_points - sum(from_promotions.values())
        if kept > 0:
            self._issue(kept, order_lot(order_id), order_id, "order paid", at, rules, None, None)
        names = order.promotion_names()
        for promotion_id, points in from_promotions.items():
            if points > 0:
                lot_id = promotion_lot(order_id, promotion_id)
                reason = f"promotion: {names[promotion_id]}"
                self._issue(points, lot_id, order_id, reason, at, rules, None, None)

    def _give_back(
        self,
        order: EarnedOrder,
        quantities: dict[int, int],
        return_key: str | None,
        cancelled: bool,
        at: datetime,
        rules: ProgrammeRules,
    ) -> None:
        was_available = order.status is OrderStatus.AVAILABLE
        given_back = []
        for line in order.lines:
            quantity = quantities.get(line.line_no, 0)
            due = line.kept - line.kept_if_returned(line.returned + quantity)
            if quantity or due:
                given_back.append([line.line_no, quantity, due])
        self._lines_given_back(order.order_id, return_key, cancelled, given_back, at)
        due_total = sum(due for _, _, due in given_back)
        if was_available and due_total > 0:
            reason = "order cancelled" if cancelled else "goods returned"
            self._take_back(due_total, order.order_id, reason, at, rules)
        self.review_tier(at, rules.tiers)

    def _take_back(
        self, due: int, order_id: str, reason: str, at: datetime, rules: ProgrammeRules
    ) -> None:
        """The order's own lots first (its points, then its promotions'); what of them
        expired is already gone (written off); then other lots oldest first; what the
        balance cannot cover is owed."""
        own_lots = sorted(
            (lot for lot in self.lots.values() if lot.order_id == order_id),
            key=lambda lot: (lot.lot_id != order_lot(order_id), lot.lot_id),
        )
        taken: Taken = []
        written_off: Taken = []
        left = due
        for own in own_lots:
            from_own = min(left, own.remaining)
            if from_own:
                taken.append([own.lot_id, from_own])
                left -= from_own
        for own in own_lots:
            off = min(left, own.expired)
            if off:
                written_off.append([own.lot_id, off])
                left -= off
        others = self._take(left, exclude={lot.lot_id for lot in own_lots})
        taken.extend(others)
        left -= sum(n for _, n in others)
        self._reverse_points(taken, written_off, left, 0, order_id, reason, at, rules, None, None)

    def _issue(
        self,
        points: int,
        lot_id: str,
        order_id: str | None,
        reason: str,
        at: datetime,
        rules: ProgrammeRules,
        actor: str | None,
        request_id: str | None,
    ) -> None:
        self._points_issued(
            customer_id=self.customer_id,
            points=points,
            lot_id=lot_id,
            order_id=order_id,
            reason=reason,
            occurred_at=at,
            expires_at=rules.earning.expiry_of(at),
            balance_after=self.points_balance + points,
            monetary_value=rules.earning.value_of(points),
            currency=rules.earning.currency,
            actor=actor,
            request_id=request_id,
        )
        self._settle_owed(points, lot_id, at, rules)

    def _settle_owed(
        self, credited: int, prefer: str | None, at: datetime, rules: ProgrammeRules
    ) -> None:
        """Points credited while the customer owes points pay the debt first."""
        if self.points_owed:
            settled = min(self.points_owed, credited)
            taken = self._take(settled, prefer=prefer)
            self._reverse_points(taken, [], 0, settled, None, OWED_REASON, at, rules, None, None)

    def _reverse_points(
        self,
        taken: Taken,
        written_off: Taken,
        owed_incurred: int,
        owed_settled: int,
        order_id: str | None,
        reason: str,
        at: datetime,
        rules: ProgrammeRules,
        actor: str | None,
        request_id: str | None,
    ) -> None:
        points = sum(n for _, n in taken)
        self._points_reversed(
            customer_id=self.customer_id,
            points=points,
            taken=taken,
            written_off=written_off,
            owed_incurred=owed_incurred,
            owed_settled=owed_settled,
            order_id=order_id,
            reason=reason,
            occurred_at=at,
            balance_after=self.points_balance - points,
            monetary_value=rules.earning.value_of(points),
            currency=rules.earning.currency,
            actor=actor,
            request_id=request_id,
        )

    def _take(
        self,
        points: int,
        prefer: str | None = None,
        exclude: frozenset[str] | set[str] = frozenset(),
    ) -> Taken:
        """Which lots give ``points`` (at most the balance): ``prefer`` first, then oldest first."""
        ordered = self._oldest_first(self.lots.values())
        if prefer in self.lots:
            ordered = [self.lots[prefer], *(lot for lot in ordered if lot.lot_id != prefer)]
        taken: Taken = []
        left = points
        for lot in ordered:
            if left == 0:
                break
            if lot.lot_id in exclude or lot.remaining == 0:
                continue
            n = min(left, lot.remaining)
            taken.append([lot.lot_id, n])
            left -= n
        return taken

    @staticmethod
    def _oldest_first(lots: Iterable[Lot]) -> list[Lot]:
        return sorted(lots, key=lambda lot: (lot.earned_at, lot.lot_id))

    # events: how each recorded decision changes the state

    @event(OrderRecorded)
    def _order_recorded(
        self,
        order_id: str,
        placed_at: datetime,
        currency: str,
        lines: list[dict[str, Any]],
        promotions: list[str],
    ) -> None:
        self.orders[order_id] = EarnedOrder(
            order_id=order_id,
            placed_at=placed_at,
            currency=currency,
            lines=[
                EarnedLine(
                    line_no=int(line["line_no"]),
                    sku=str(line["sku"]),
                    category=str(line["category"]),
                    quantity=int(line["quantity"]),
                    unit_price=Decimal(line["unit_price"]),
                    points=int(line["points"]),
                    promotions=tuple(
                        PromotionPoints(
                            str(bonus["promotion_id"]), str(bonus["name"]), int(bonus["points"])
                        )
                        for bonus in line.get("promotions", ())
                    ),
                )
                for line in lines
            ],
            status=OrderStatus.PENDING,
            promotions=tuple(promotions),
        )

    @event(OrderPaid)
    def _order_paid(self, order_id: str, paid_at: datetime) -> None:
        self.orders[order_id].status = OrderStatus.AVAILABLE

    @event(LinesGivenBack)
    def _lines_given_back(
        self,
        order_id: str,
        return_key: str | None,
        cancelled: bool,
        lines: list[list[int]],
        occurred_at: datetime,
    ) -> None:
        order = self.orders[order_id]
        by_number = {line.line_no: line for line in order.lines}
        for line_no, quantity, due in lines:
            by_number[line_no].returned += quantity
            by_number[line_no].taken_back += due
        if return_key is not None:
            order.returns.add(return_key)
        if cancelled:
            order.status = OrderStatus.CANCELLED

    @event(PointsIssued)
    def _points_issued(
        self,
        customer_id: str,
        points: int,
        lot_id: str,
        order_id: str | None,
        reason: str,
        occurred_at: datetime,
        expires_at: datetime | None,
        balance_after: int,
        monetary_value: Decimal,
        currency: str,
        actor: str | None,
        request_id: str | None,
    ) -> None:
        self.lots[lot_id] = Lot(lot_id, points, points, occurred_at, expires_at, order_id)
        self.points_balance += points
        self.points_cost += monetary_value
        if request_id is not None:
            self.requests.add(request_id)
        self._movement(MovementKind.ISSUED, points, occurred_at, reason, order_id, lot_id, actor)

    @event(PointsReversed)
    def _points_reversed(
        self,
        customer_id: str,
        points: int,
        taken: Taken,
        written_off: Taken,
        owed_incurred: int,
        owed_settled: int,
        order_id: str | None,
        reason: str,
        occurred_at: datetime,
        balance_after: int,
        monetary_value: Decimal,
        currency: str,
        actor: str | None,
        request_id: str | None,
    ) -> None:
        for lot_id, n in taken:
            self.lots[lot_id].remaining -= n
        for lot_id, n in written_off:
            self.lots[lot_id].expired -= n
        self.points_balance -= points
        self.points_cost -= monetary_value
        self.points_owed += owed_incurred - owed_settled
        if request_id is not None:
            self.requests.add(request_id)
        if points:
            kind = MovementKind.REVERSED
            self._movement(kind, -points, occurred_at, reason, order_id, None, actor)

    @event(PointsExpired)
    def _points_expired(
        self,
        customer_id: str,
        points: int,
        taken: Taken,
        occurred_at: datetime,
        balance_after: int,
        monetary_value: Decimal,
        currency: str,
    ) -> None:
        for lot_id, n in taken:
            self.lots[lot_id].remaining -= n
            self.lots[lot_id].expired += n
        self.points_balance -= points
        reason = "points expired"
        self._movement(MovementKind.EXPIRED, -points, occurred_at, reason, None, None, None)

    @event(PointsRedeemed)
    def _points_redeemed(
        self,
        customer_id: str,
        points: int,
        taken: Taken,
        redemption_id: str,
        reward_id: str | None,
        reason: str,
        occurred_at: datetime,
        balance_after: int,
        monetary_value: Decimal,
        currency: str,
        actor: str | None,
    ) -> None:
        for lot_id, n in taken:
            self.lots[lot_id].remaining -= n
        self.points_balance -= points
        self.redeemed[redemption_id] = RedeemedPoints(
            points, taken, reward_id, monetary_value, currency
        )
        kind = MovementKind.REDEEMED
        self._movement(kind, -points, occurred_at, reason, None, redemption_id, actor)

    @event(RedeemedPointsReturned)
    def _redeemed_points_returned(
        self,
        customer_id: str,
        points: int,
        returned: Taken,
        redemption_id: str,
        reward_id: str | None,
        reason: str,
        occurred_at: datetime,
        balance_after: int,
        monetary_value: Decimal,
        currency: str,
        actor: str | None,
    ) -> None:
        for lot_id, n in returned:
            self.lots[lot_id].remaining += n
        self.points_balance += points
        self.redeemed[redemption_id].returned = True
        kind = MovementKind.RETURNED
        self._movement(kind, points, occurred_at, reason, None, redemption_id, actor)

    @event(TierChanged)
    def _tier_changed(
        self,
        customer_id: str,
        tier: str,
        previous_tier: str,
        qualifying_purchases: Decimal,
        occurred_at: datetime,
    ) -> None:
        self.tier = Tier(tier)
        self.tier_since = occurred_at

    @event(SegmentChanged)
    def _segment_changed(self, segment: str, assessed_at: datetime) -> None:
        self.segment = segment
        self.segment_assessed_at = assessed_at

    def _movement(
        self,
        kind: MovementKind,
        points: int,
        at: datetime,
        reason: str,
        order_id: str | None,
        reference: str | None,
        actor: str | None,
    ) -> None:
        self.movements.append(
            Movement(
                sequence=len(self.movements) + 1,
                kind=kind,
                points=points,
                balance_after=self.points_balance,
                occurred_at=at,
                reason=reason,
                order_id=order_id,
                reference=reference,
                actor=actor,
            )
        )
