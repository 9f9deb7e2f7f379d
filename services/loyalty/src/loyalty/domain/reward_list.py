"""The rewards in the order they were catalogued: the index the rewards listing pages.

Kept beside each reward in the transaction that catalogues it, so the listing
reads the rewards themselves and nothing else of the log, and shows a reward as
soon as it was catalogued. A shop catalogues rewards by the dozen, not by the
order: this aggregate's history stays short.
"""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event


class RewardList(Aggregate):
    """One per service: every reward, in the order catalogued."""

    TOPIC = "loyalty:RewardList"
    ID: UUID = uuid5(NAMESPACE_URL, "/crm/loyalty/reward-list")

    class Created(Aggregate.Created):
        """Never triggered (see the @event on __init__); pinned because the aggregate is."""

        TOPIC = "loyalty:RewardList.Created"

    class Started(Aggregate.Created):
        TOPIC = "loyalty:RewardList.Started"

    class Added(Aggregate.Event):
        TOPIC = "loyalty:RewardList.Added"
        reward_id: UUID

    @staticmethod
    def create_id(**_: Any) -> UUID:
        return RewardList.ID

    @event(Started)
    def __init__(self) -> None:
        self.reward_ids: list[UUID] = []

    def add(self, reward_id: UUID) -> bool:
        if reward_id in self.reward_ids:
            return False
        self._added(reward_id)
        return True

    def page(self, after: int | None, limit: int) -> list[tuple[int, UUID]]:
        """Up to ``limit`` rewards after position ``after`` (the first is at 1), each
        with its position: the cursor of the next page."""
        start = after or 0
        chosen = self.reward_ids[start : start + limit]
        return list(enumerate(chosen, start=start + 1))

    @event(Added)
    def _added(self, reward_id: UUID) -> None:
        self.reward_ids.append(reward_id)
