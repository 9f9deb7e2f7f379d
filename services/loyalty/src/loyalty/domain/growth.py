"""Which cross-sell and up-sell offers a customer's purchase history calls for.

Pure rules: given what the customer has bought (and kept), the configured
category pairs and the catalogue's premium variants, name the prompts. Each
prompt is keyed by the customer and what it suggests, so an offer for it is
made once however many orders raise it again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from loyalty.domain.ledger import EarnedOrder, OrderStatus


@dataclass(frozen=True)
class GrowthTerms:
    """Cross-sell pairs: bought in the first category, never in the second. (What a
    growth offer gives is in the app's offer terms, beside the retention offers.)"""

    category_pairs: Sequence[tuple[str, str]] = ()


@dataclass(frozen=True)
class Prompt:
    """A reason to offer a customer something: its key and what it suggests."""

    key: str
    reason: str
    sku: str | None = None
    category: str | None = None


@dataclass(frozen=True)
class History:
    """What a customer bought and kept: the categories and skus of units not given back."""

    categories: frozenset[str] = field(default_factory=frozenset)
    skus: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, orders: Iterable[EarnedOrder]) -> History:
        """Cancelled orders and fully returned lines were not really bought."""
        kept = [
            line
            for order in orders
            if order.status is not OrderStatus.CANCELLED
            for line in order.lines
            if line.returned < line.quantity
        ]
        return cls(frozenset(line.category for line in kept), frozenset(line.sku for line in kept))


def cross_sell(customer_id: str, history: History, terms: GrowthTerms) -> list[Prompt]:
    """Bought in category A but never in B, for each configured pair (A, B)."""
    return [
        Prompt(
            key=f"{customer_id}:category:{bought}->{suggested}",
            reason=f"customers who buy {bought} also like {suggested}",
            category=suggested,
        )
        for bought, suggested in terms.category_pairs
        if bought in history.categories and suggested not in history.categories
    ]


def up_sell(
    customer_id: str,
    history: History,
    bought_now: Iterable[str],
    premium_variants: Mapping[str, str],
    categories: Mapping[str, str],
) -> list[Prompt]:
    """The premium variant of what the customer just bought, unless they own it already."""
    prompts: list[Prompt] = []
    for sku in sorted(set(bought_now)):
        premium = premium_variants.get(sku)
        if premium is None or premium in history.skus:
            continue
        prompts.append(
            Prompt(
                key=f"{customer_id}:sku:{sku}->{premium}",
                reason=f"the premium variant of {sku}",
                sku=premium,
                category=categories.get(premium),
            )
        )
    return prompts
