"""The 360's loyalty account, whichever of loyalty's topics speaks first.

Loyalty publishes an account's opening and tier changes on one topic and its points
movements on another, both stamped with the account's version. The row keeps the
version its tier and its balance came from, and an older message changes neither:
the account comes out the same for any interleaving of the two topics (a rebuild
that reads the ledger first no longer leaves a balance of 0).
"""

from __future__ import annotations

from typing import Any

from analytics.views.profiles import loyalty_accounts
from contracts.loyalty import LoyaltyAccountOpened, TierChanged
from servicekit.staging import Staged


def opened(staged: Staged, event: LoyaltyAccountOpened, version: int | None) -> None:
    changes: dict[str, Any] = {"account_id": event.account_id, "opened_at": event.opened_at}
    _newer_tier(staged, event.customer_id, event.tier, version, changes)
    _newer_balance(staged, event.customer_id, event.points_balance, version, changes)
    staged.upsert(loyalty_accounts, {"customer_id": event.customer_id}, changes)


def tier_changed(staged: Staged, event: TierChanged, version: int | None) -> None:
    changes: dict[str, Any] = {"account_id": event.account_id}
    _newer_tier(staged, event.customer_id, event.tier, version, changes)
    _newer_balance(staged, event.customer_id, None, None, changes)
    staged.upsert(loyalty_accounts, {"customer_id": event.customer_id}, changes)


def balance_moved(
    staged: Staged, customer_id: str, account_id: str, balance_after: int, version: int | None
) -> None:
    """A points movement of the ledger: the balance it left."""
    changes: dict[str, Any] = {"account_id": account_id}
    _newer_balance(staged, customer_id, balance_after, version, changes)
    staged.upsert(loyalty_accounts, {"customer_id": customer_id}, changes)


def _newer_tier(
    staged: Staged, customer_id: str, tier: str, version: int | None, changes: dict[str, Any]
) -> None:
    known = staged.row(loyalty_accounts, {"customer_id": customer_id})
    if _newer(version, None if known is None else known.get("tier_version")):
        changes.update(tier=tier, tier_version=version)


def _newer_balance(
    staged: Staged,
    customer_id: str,
    balance: int | None,
    version: int | None,
    changes: dict[str, Any],
) -> None:
    """Set the balance if this version is newer; a row the first message creates
    without a balance starts at 0 until one arrives."""
    known = staged.row(loyalty_accounts, {"customer_id": customer_id})
    if balance is None:
        if known is None:
            changes["points_balance"] = 0
    elif known is None or _newer(version, known.get("balance_version")):
        changes.update(points_balance=balance, balance_version=version)


def _newer(version: int | None, known: int | None) -> bool:
    """Messages without a version (from before versions were published) win."""
    return version is None or known is None or version > known
