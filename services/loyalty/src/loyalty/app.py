"""Loyalty's commands: get, call, save."""

from __future__ import annotations

from loyalty.domain.account import LoyaltyAccount
from servicekit.eventstore import ServiceApplication


class Loyalty(ServiceApplication):
    name = "loyalty"

    def account_of(self, customer_id: str) -> LoyaltyAccount:
        account: LoyaltyAccount = self.repository.get(LoyaltyAccount.create_id(customer_id))
        return account

    def has_account(self, customer_id: str) -> bool:
        return LoyaltyAccount.create_id(customer_id) in self.repository
