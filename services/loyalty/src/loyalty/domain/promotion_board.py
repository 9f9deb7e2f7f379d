"""The list of promotions, and which of them run.

The intake of an order asks which promotions are active; finding out by loading
every promotion ever drafted would grow with marketing's history, and scanning
the event log for them with the whole shop's. The board answers from one small
aggregate, changed only when marketing drafts, activates or pauses a promotion,
and saved with that change in one transaction: it is never behind the promotions.
"""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from loyalty.domain.promotions import Promotion, PromotionStatus


class PromotionBoard(Aggregate):
    """Every promotion in the order drafted, with its status."""

    TOPIC = "loyalty:PromotionBoard"
    ID: UUID = uuid5(NAMESPACE_URL, "/crm/loyalty/promotion-board")

    class Created(Aggregate.Created):
        """Never triggered (see the @event on __init__); pinned because the aggregate is."""

        TOPIC = "loyalty:PromotionBoard.Created"

    class Started(Aggregate.Created):
        TOPIC = "loyalty:PromotionBoard.Started"

    class Posted(Aggregate.Event):
        TOPIC = "loyalty:PromotionBoard.Posted"
        promotion_id: UUID
        status: str

    @staticmethod
    def create_id(**_: Any) -> UUID:
        return PromotionBoard.ID

    @event(Started)
    def __init__(self) -> None:
        self.statuses: dict[UUID, PromotionStatus] = {}

    def post(self, promotion: Promotion) -> bool:
        """Show the promotion as it now stands; the same status again changes nothing."""
        if self.statuses.get(promotion.id) is promotion.status:
            return False
        self._posted(promotion.id, promotion.status.value)
        return True

    @property
    def promotion_ids(self) -> list[UUID]:
        return list(self.statuses)

    @property
    def active_ids(self) -> list[UUID]:
        return [pid for pid, status in self.statuses.items() if status is PromotionStatus.ACTIVE]

    @event(Posted)
    def _posted(self, promotion_id: UUID, status: str) -> None:
        self.statuses[promotion_id] = PromotionStatus(status)
