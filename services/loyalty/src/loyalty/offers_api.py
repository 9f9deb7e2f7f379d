"""Offers over HTTP: what a customer has been offered, and their answer."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel

from loyalty.api import Agents, App, Readers
from loyalty.app import utc_now
from loyalty.domain.offers import Offer, OfferKind, OfferStatus
from loyalty.domain.rewards import IllegalTransition
from servicekit.problems import Problem

routes = APIRouter()


class OfferOut(BaseModel):
    offer_id: UUID
    version: int
    customer_id: str
    kind: OfferKind
    status: OfferStatus
    reason: str
    sku: str | None
    category: str | None
    bonus_points: int
    issued_at: datetime
    expires_at: datetime
    answered_at: datetime | None

    @classmethod
    def of(cls, offer: Offer) -> OfferOut:
        return cls(
            offer_id=offer.id,
            version=offer.version,
            customer_id=offer.customer_id,
            kind=offer.kind,
            status=offer.status(utc_now()),
            reason=offer.reason,
            sku=offer.sku,
            category=offer.category,
            bonus_points=offer.bonus_points,
            issued_at=offer.issued_at,
            expires_at=offer.expires_at,
            answered_at=offer.answered_at,
        )


@routes.get("/customers/{customer_id}/offers", tags=["offers"])
def customer_offers(
    customer_id: str, app: App, _: Readers, status: OfferStatus | None = None
) -> list[OfferOut]:
    """Every offer made to the customer, oldest first; ``status`` keeps only those in it."""
    offers = [OfferOut.of(offer) for offer in app.offers_of(customer_id)]
    return [offer for offer in offers if status is None or offer.status is status]


@routes.post("/offers/{offer_id}/accept", tags=["offers"])
def accept_offer(offer_id: UUID, app: App, who: Agents) -> OfferOut:
    """Accepting credits the offer's bonus points; accepting again changes nothing."""
    try:
        return OfferOut.of(app.accept_offer(offer_id, who.subject))
    except IllegalTransition as refusal:
        raise Problem(409, "Illegal transition", str(refusal)) from None


@routes.post("/offers/{offer_id}/decline", tags=["offers"])
def decline_offer(offer_id: UUID, app: App, who: Agents) -> OfferOut:
    try:
        return OfferOut.of(app.decline_offer(offer_id, who.subject))
    except IllegalTransition as refusal:
        raise Problem(409, "Illegal transition", str(refusal)) from None
