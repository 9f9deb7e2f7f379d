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
    changes = {"account_id": event.account_id, "opened_at": event.opened_at}
    _change(staged, event.customer_id, version, changes, event.tier, event.points_balance)


def tier_changed(staged: Staged, event: TierChanged, version: int | None) -> None:
    _change(staged, event.customer_id, version, {"account_id": event.account_id}, event.tier)


def balance_moved(
    staged: Staged, customer_id: str, account_id: str, balance_after: int, version: int | None
) -> None:
    """A points movement of the ledger: the balance it left."""
    changes = {"account_id": account_id}
    _change(staged, customer_id, version, changes, balance=balance_after)


def _change(
    staged: Staged,
    customer_id: str,
    version: int | None,
    changes: dict[str, Any],
    tier: str | None = None,
    balance: int | None = None,
) -> None:
    """Set the tier and the balance this message tells, each only if it is newer than
    the one the row has; a row made by a message without a balance starts at 0."""
    key = {"customer_id": customer_id}
    known = staged.row(loyalty_accounts, key) or {}
    if tier is not None and _newer(version, known.get("tier_version")):
        changes.update(tier=tier, tier_version=version)
    if balance is not None and _newer(version, known.get("balance_version")):
        changes.update(points_balance=balance, balance_version=version)
    elif not known:
        changes["points_balance"] = 0
    staged.upsert(loyalty_accounts, key, changes)


def _newer(version: int | None, known: int | None) -> bool:
    """Messages without a version (from before versions were published) win."""
    return version is None or known is None or version > known
