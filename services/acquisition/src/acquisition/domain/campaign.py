"""A marketing campaign: what it may spend, what it really cost, and the leads it brought.

Leads name their campaign when captured; the results (leads, qualified,
converted, cost per lead and per acquired customer) are a read model, so the
campaign itself only keeps its plan and its costs.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from acquisition.domain.errors import InvalidInput


class Channel(StrEnum):
    EMAIL = "email"
    DIRECT_MAIL = "direct_mail"
    TELEMARKETING = "telemarketing"
    SOCIAL = "social"
    SEARCH = "search"
    DISPLAY = "display"
    EVENT = "event"
    PRINT = "print"
    PARTNER = "partner"
    OTHER = "other"


class Campaign(Aggregate):
    TOPIC = "acquisition:Campaign"

    class Created(Aggregate.Created):
        """Never triggered (see the @event on __init__); pinned because the aggregate is."""

        TOPIC = "acquisition:Campaign.Created"

    class Launched(Aggregate.Created):
        TOPIC = "acquisition:Campaign.Launched"
        name: str
        channel: str
        starts_on: date
        ends_on: date | None
        budget: Decimal
        currency: str

    class CostRecorded(Aggregate.Event):
        """One invoice or expense, with the actual cost (their sum) it brings the campaign to."""

        TOPIC = "acquisition:Campaign.CostRecorded"
        amount: Decimal
        currency: str
        actual_cost: Decimal
        incurred_on: date
        note: str | None
        request_id: str | None

    @event(Launched)
    def __init__(
        self,
        id: UUID,
        name: str,
        channel: str,
        starts_on: date,
        ends_on: date | None,
        budget: Decimal,
        currency: str,
    ) -> None:
        self.name = name
        self.channel = Channel(channel)
        self.starts_on = starts_on
        self.ends_on = ends_on
        self.budget = budget
        self.currency = currency
        self.actual_cost = Decimal("0")
        self.request_ids: set[str] = set()

    @classmethod
    def launch(
        cls,
        id: UUID,
        name: str,
        channel: Channel,
        starts_on: date,
        ends_on: date | None,
        budget: Decimal,
        currency: str,
    ) -> Campaign:
        """Refused before anything is recorded: a period that ends before it starts, a
        negative budget."""
        if ends_on is not None and ends_on < starts_on:
            raise InvalidInput("ends_on", "a campaign cannot end before it starts")
        if budget < 0:
            raise InvalidInput("budget", "a budget cannot be negative")
        return cls(
            id=id,
            name=name.strip(),
            channel=channel.value,
            starts_on=starts_on,
            ends_on=ends_on,
            budget=budget,
            currency=currency,
        )

    @property
    def over_budget(self) -> bool:
        """Spending past the budget is recorded (it was spent), and shown."""
        return self.actual_cost > self.budget

    def record_cost(
        self,
        amount: Decimal,
        currency: str,
        incurred_on: date,
        note: str | None = None,
        request_id: str | None = None,
    ) -> bool:
        """Add a cost in the campaign's currency; a retried request adds nothing."""
        if request_id is not None and request_id in self.request_ids:
            return False
        if amount <= 0:
            raise InvalidInput("amount", "a cost is a positive amount")
        if currency != self.currency:
            raise InvalidInput(
                "currency", f"the campaign is budgeted in {self.currency}, not {currency}"
            )
        self._cost_recorded(
            amount, currency, self.actual_cost + amount, incurred_on, note, request_id
        )
        return True

    @event(CostRecorded)
    def _cost_recorded(
        self,
        amount: Decimal,
        currency: str,
        actual_cost: Decimal,
        incurred_on: date,
        note: str | None,
        request_id: str | None,
    ) -> None:
        self.actual_cost = actual_cost
        if request_id is not None:
            self.request_ids.add(request_id)
