"""Offers made to one customer: to grow what they buy, or to keep them.

An offer is issued once per reason (its id derives from what prompted it), so
the same signal delivered twice issues one offer; it is then accepted,
declined, or it lapses at its expiry.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from loyalty.domain.rewards import IllegalTransition


class OfferKind(StrEnum):
    CROSS_SELL = "cross_sell"  # bought in one category, never in its companion
    UP_SELL = "up_sell"  # the premium variant of what they bought
    SAVE = "save"  # support asked to keep an unhappy customer
    WIN_BACK = "win_back"  # analytics sees the customer drifting away


class OfferStatus(StrEnum):
    ISSUED = "issued"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"


class Offer(Aggregate):
    """One offer to one customer, and what the customer did with it."""

    TOPIC = "loyalty:Offer"

    class Created(Aggregate.Created):
        """Never triggered (see the @event on __init__); pinned because the aggregate is."""

        TOPIC = "loyalty:Offer.Created"

    class Issued(Aggregate.Created):
        TOPIC = "loyalty:Offer.Issued"
        prompted_by: str
        customer_id: str
        kind: str
        reason: str
        sku: str | None
        category: str | None
        bonus_points: int
        issued_at: datetime
        expires_at: datetime

    class Accepted(Aggregate.Event):
        TOPIC = "loyalty:Offer.Accepted"
        at: datetime
        actor: str | None

    class Declined(Aggregate.Event):
        TOPIC = "loyalty:Offer.Declined"
        at: datetime
        actor: str | None

    @staticmethod
    def create_id(kind: str, prompted_by: str, **_: Any) -> UUID:
        """One offer per kind and prompt (a case, a churn assessment, a product pair)."""
        return uuid5(NAMESPACE_URL, f"/crm/loyalty/offers/{kind}/{prompted_by}")

    @event(Issued)
    def __init__(
        self,
        prompted_by: str,
        customer_id: str,
        kind: str,
        reason: str,
        sku: str | None,
        category: str | None,
        bonus_points: int,
        issued_at: datetime,
        expires_at: datetime,
    ) -> None:
        if bonus_points < 0:
            raise ValueError("an offer cannot take points")
        self.prompted_by = prompted_by
        self.customer_id = customer_id
        self.kind = OfferKind(kind)
        self.reason = reason
        self.sku = sku
        self.category = category
        self.bonus_points = bonus_points
        self.issued_at = issued_at
        self.expires_at = expires_at
        self.answer: OfferStatus | None = None
        self.answered_at: datetime | None = None

    @classmethod
    def issue(
        cls,
        kind: OfferKind,
        prompted_by: str,
        customer_id: str,
        reason: str,
        at: datetime,
        valid_for: timedelta,
        bonus_points: int = 0,
        sku: str | None = None,
        category: str | None = None,
    ) -> Offer:
        return cls(
            prompted_by=prompted_by,
            customer_id=customer_id,
            kind=kind.value,
            reason=reason,
            sku=sku,
            category=category,
            bonus_points=bonus_points,
            issued_at=at,
            expires_at=at + valid_for,
        )

    def status(self, at: datetime) -> OfferStatus:
        """An unanswered offer lapses at its expiry without anyone recording it."""
        if self.answer is not None:
            return self.answer
        return OfferStatus.EXPIRED if at >= self.expires_at else OfferStatus.ISSUED

    def accept(self, at: datetime, actor: str | None) -> bool:
        """True when this call accepted it; accepting again changes nothing."""
        if self._answerable(OfferStatus.ACCEPTED, at):
            self._accepted(at, actor)
            return True
        return False

    def decline(self, at: datetime, actor: str | None) -> bool:
        if self._answerable(OfferStatus.DECLINED, at):
            self._declined(at, actor)
            return True
        return False

    def _answerable(self, answer: OfferStatus, at: datetime) -> bool:
        status = self.status(at)
        if status is answer:
            return False
        if status is not OfferStatus.ISSUED:
            raise IllegalTransition(f"the offer is {status}: it can no longer be {answer}")
        return True

    @event(Accepted)
    def _accepted(self, at: datetime, actor: str | None) -> None:
        self.answer = OfferStatus.ACCEPTED
        self.answered_at = at

    @event(Declined)
    def _declined(self, at: datetime, actor: str | None) -> None:
        self.answer = OfferStatus.DECLINED
        self.answered_at = at


class CustomerOffers(Aggregate):
    """The offers made to one customer, in the order they were made: an index kept
    beside each offer in the same transaction, so showing a customer's offers reads
    theirs and no one else's, and shows one the moment it was made."""

    TOPIC = "loyalty:CustomerOffers"

    class Created(Aggregate.Created):
        """Never triggered (see the @event on __init__); pinned because the aggregate is."""

        TOPIC = "loyalty:CustomerOffers.Created"

    class Started(Aggregate.Created):
        TOPIC = "loyalty:CustomerOffers.Started"
        customer_id: str

    class Listed(Aggregate.Event):
        TOPIC = "loyalty:CustomerOffers.Listed"
        offer_id: UUID

    @staticmethod
    def create_id(customer_id: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE_URL, f"/crm/loyalty/customer-offers/{customer_id}")

    @event(Started)
    def __init__(self, customer_id: str) -> None:
        self.customer_id = customer_id
        self.offer_ids: list[UUID] = []

    def list(self, offer: Offer) -> bool:
        """Add the offer, once; an offer to someone else has no place here."""
        if offer.customer_id != self.customer_id:
            raise ValueError(f"offer {offer.id} was made to {offer.customer_id}")
        if offer.id in self.offer_ids:
            return False
        self._listed(offer.id)
        return True

    @event(Listed)
    def _listed(self, offer_id: UUID) -> None:
        self.offer_ids.append(offer_id)
