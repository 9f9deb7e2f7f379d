"""The rewards catalogue and the redemptions that spend points on it.

A redemption reserves the customer's points (on the account) and a unit of
stock (on the reward) in the same transaction; it is then fulfilled (the
goods are handed over) or cancelled (the points and the stock come back).
The stock of a reward is its own aggregate's state, so two customers taking
the last unit race on the reward's version and only one of them wins.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event


class RewardUnavailable(Exception):
    """The reward cannot be redeemed now: outside its validity, or withdrawn."""


class OutOfStock(Exception):
    """Fewer units are left than the redemption asks for."""


class IllegalTransition(Exception):
    """The redemption is not in a state that allows the command."""


class Reward(Aggregate):
    """A catalogue item: what it costs in points, how many are left, and when it can be had."""

    TOPIC = "loyalty:Reward"

    class Created(Aggregate.Created):
        """Never triggered (see the @event on __init__); pinned because the aggregate is."""

        TOPIC = "loyalty:Reward.Created"

    class Catalogued(Aggregate.Created):
        TOPIC = "loyalty:Reward.Catalogued"
        name: str
        description: str
        points_cost: int
        stock: int
        valid_from: datetime | None
        valid_until: datetime | None

    class StockReserved(Aggregate.Event):
        TOPIC = "loyalty:Reward.StockReserved"
        redemption_id: str
        quantity: int

    class StockReleased(Aggregate.Event):
        TOPIC = "loyalty:Reward.StockReleased"
        redemption_id: str

    class StockHandedOver(Aggregate.Event):
        TOPIC = "loyalty:Reward.StockHandedOver"
        redemption_id: str

    class Restocked(Aggregate.Event):
        TOPIC = "loyalty:Reward.Restocked"
        quantity: int

    @event(Catalogued)
    def __init__(
        self,
        id: UUID,
        name: str,
        description: str,
        points_cost: int,
        stock: int,
        valid_from: datetime | None,
        valid_until: datetime | None,
    ) -> None:
        if points_cost <= 0:
            raise ValueError("a reward costs at least one point")
        if stock < 0:
            raise ValueError("stock cannot be negative")
        if valid_from and valid_until and valid_until <= valid_from:
            raise ValueError("a reward's validity ends after it starts")
        self.name = name
        self.description = description
        self.points_cost = points_cost
        self.stock = stock  # units free to reserve
        self.catalogued_stock = stock
        self.valid_from = valid_from
        self.valid_until = valid_until
        self.reserved: dict[str, int] = {}  # redemption id -> units held for it
        self.handed_over = 0
        self.restocked = 0

    def is_valid_at(self, at: datetime) -> bool:
        return (self.valid_from is None or self.valid_from <= at) and (
            self.valid_until is None or at < self.valid_until
        )

    def reserve(self, redemption_id: str, quantity: int, at: datetime) -> int:
        """Hold ``quantity`` units for a redemption; returns the points they cost."""
        if quantity <= 0:
            raise ValueError("a redemption takes at least one unit")
        if not self.is_valid_at(at):
            raise RewardUnavailable(f"the reward {self.name!r} cannot be redeemed at {at}")
        if quantity > self.stock:
            raise OutOfStock(f"{self.stock} of {self.name!r} left, fewer than {quantity}")
        self._stock_reserved(redemption_id, quantity)
        return quantity * self.points_cost

    def release(self, redemption_id: str) -> None:
        """The redemption was cancelled: its units can be reserved again."""
        if redemption_id in self.reserved:
            self._stock_released(redemption_id)

    def hand_over(self, redemption_id: str) -> None:
        """The redemption was fulfilled: its units left the stock for good."""
        if redemption_id in self.reserved:
            self._stock_handed_over(redemption_id)

    def restock(self, quantity: int) -> None:
        if quantity <= 0:
            raise ValueError("a restock adds at least one unit")
        self._restocked(quantity)

    @event(StockReserved)
    def _stock_reserved(self, redemption_id: str, quantity: int) -> None:
        self.reserved[redemption_id] = quantity
        self.stock -= quantity

    @event(StockReleased)
    def _stock_released(self, redemption_id: str) -> None:
        self.stock += self.reserved.pop(redemption_id)

    @event(StockHandedOver)
    def _stock_handed_over(self, redemption_id: str) -> None:
        self.handed_over += self.reserved.pop(redemption_id)

    @event(Restocked)
    def _restocked(self, quantity: int) -> None:
        self.stock += quantity
        self.restocked += quantity


class RedemptionStatus(StrEnum):
    RESERVED = "reserved"  # points and stock are held
    FULFILLED = "fulfilled"  # the customer has the reward
    CANCELLED = "cancelled"  # points and stock came back


class Redemption(Aggregate):
    """A customer's claim on a reward, from reservation to fulfilment or cancellation."""

    TOPIC = "loyalty:Redemption"

    class Created(Aggregate.Created):
        """Never triggered (see the @event on __init__); pinned because the aggregate is."""

        TOPIC = "loyalty:Redemption.Created"

    class Requested(Aggregate.Created):
        TOPIC = "loyalty:Redemption.Requested"
        customer_id: str
        reward_id: str
        quantity: int
        points: int
        requested_at: datetime
        actor: str | None

    class Fulfilled(Aggregate.Event):
        TOPIC = "loyalty:Redemption.Fulfilled"
        fulfilled_at: datetime
        actor: str | None

    class Cancelled(Aggregate.Event):
        TOPIC = "loyalty:Redemption.Cancelled"
        cancelled_at: datetime
        reason: str
        actor: str | None

    @event(Requested)
    def __init__(
        self,
        id: UUID,
        customer_id: str,
        reward_id: str,
        quantity: int,
        points: int,
        requested_at: datetime,
        actor: str | None,
    ) -> None:
        self.customer_id = customer_id
        self.reward_id = reward_id
        self.quantity = quantity
        self.points = points
        self.requested_at = requested_at
        self.requested_by = actor
        self.status = RedemptionStatus.RESERVED
        self.closed_at: datetime | None = None
        self.closed_by: str | None = None
        self.cancel_reason: str | None = None

    def fulfil(self, at: datetime, actor: str | None) -> bool:
        """Hand the reward over; fulfilling twice changes nothing, a cancelled one cannot be."""
        if self.status is RedemptionStatus.FULFILLED:
            return False
        if self.status is not RedemptionStatus.RESERVED:
            raise IllegalTransition(f"the redemption is {self.status}: it cannot be fulfilled")
        self._fulfilled(at, actor)
        return True

    def cancel(self, at: datetime, reason: str, actor: str | None) -> bool:
        """Give up the reward; cancelling twice changes nothing, a fulfilled one cannot be."""
        if self.status is RedemptionStatus.CANCELLED:
            return False
        if self.status is not RedemptionStatus.RESERVED:
            raise IllegalTransition(f"the redemption is {self.status}: it cannot be cancelled")
        self._cancelled(at, reason, actor)
        return True

    @event(Fulfilled)
    def _fulfilled(self, fulfilled_at: datetime, actor: str | None) -> None:
        self.status = RedemptionStatus.FULFILLED
        self.closed_at = fulfilled_at
        self.closed_by = actor

    @event(Cancelled)
    def _cancelled(self, cancelled_at: datetime, reason: str, actor: str | None) -> None:
        self.status = RedemptionStatus.CANCELLED
        self.closed_at = cancelled_at
        self.closed_by = actor
        self.cancel_reason = reason
