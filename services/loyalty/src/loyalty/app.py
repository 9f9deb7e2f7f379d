"""Loyalty's commands: get, call, save."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TypeVar
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from loyalty.domain.account import LoyaltyAccount
from loyalty.domain.programme import Programme
from loyalty.domain.rules import EarningRules, ProgrammeRules
from loyalty.domain.tiers import TierRules
from servicekit.eventstore import ServiceApplication

T = TypeVar("T")
CONFLICT_RETRIES = 5


def utc_now() -> datetime:
    return datetime.now(UTC)


class Loyalty(ServiceApplication):
    name = "loyalty"

    # the programme

    def programme_rules(self) -> ProgrammeRules:
        """The rules in force: the defaults until someone changes them."""
        if Programme.ID not in self.repository:
            return ProgrammeRules()
        programme: Programme = self.repository.get(Programme.ID)
        return programme.rules

    def change_earning_rules(self, earning: EarningRules) -> ProgrammeRules:
        programme = self._programme()
        programme.change_earning(earning)
        self.save(programme)
        return programme.rules

    def change_tier_rules(self, tiers: TierRules) -> ProgrammeRules:
        programme = self._programme()
        programme.change_tiers(tiers)
        self.save(programme)
        return programme.rules

    def _programme(self) -> Programme:
        if Programme.ID in self.repository:
            programme: Programme = self.repository.get(Programme.ID)
            return programme
        return Programme.start(ProgrammeRules())

    # accounts

    def account_of(self, customer_id: str) -> LoyaltyAccount:
        account: LoyaltyAccount = self.repository.get(LoyaltyAccount.create_id(customer_id))
        return account

    def has_account(self, customer_id: str) -> bool:
        return LoyaltyAccount.create_id(customer_id) in self.repository

    def adjust(
        self,
        customer_id: str,
        points: int,
        reason: str,
        actor: str | None,
        request_id: str | None = None,
        at: datetime | None = None,
    ) -> LoyaltyAccount:
        def attempt() -> LoyaltyAccount:
            account = self.account_of(customer_id)
            if account.adjust(
                points, reason, actor, at or utc_now(), self.programme_rules(), request_id
            ):
                self.save(account)
            return account

        return self.retrying(attempt)

    def expire_and_review(self, customer_id: str, at: datetime | None = None) -> int:
        """Expire the account's due lots and let its tier follow its purchases;
        returns the points expired."""
        return self._expire_and_review(LoyaltyAccount.create_id(customer_id), at or utc_now())

    def expire_all(self, at: datetime | None = None) -> int:
        """The housekeeping run: every account, as of ``at``; returns the points expired."""
        moment = at or utc_now()
        return sum(self._expire_and_review(account_id, moment) for account_id in self.account_ids())

    def _expire_and_review(self, account_id: UUID, at: datetime) -> int:
        def attempt() -> int:
            account: LoyaltyAccount = self.repository.get(account_id)
            rules = self.programme_rules()
            expired = account.expire_due(at, rules)
            account.review_tier(at, rules.tiers)
            self.save(account)
            return expired

        return self.retrying(attempt)

    def account_ids(self) -> Iterator[UUID]:
        """Every account, read from this service's own event log."""
        start = None
        while batch := self.recorder.select_notifications(
            start=start,
            limit=1000,
            topics=[get_topic(LoyaltyAccount.Opened)],
            inclusive_of_start=False,
        ):
            for notification in batch:
                yield notification.originator_id  # type: ignore[misc]
            start = batch[-1].id

    def retrying(self, attempt: Callable[[], T]) -> T:
        """Decide again on fresh state when a concurrent writer changed the aggregate."""
        for _ in range(CONFLICT_RETRIES - 1):
            try:
                return attempt()
            except IntegrityError:
                continue
        return attempt()
