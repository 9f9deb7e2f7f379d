"""Proactive care: who hears from us first when something goes wrong with their order."""

from __future__ import annotations

HIGH_TIERS = frozenset({"gold", "premium"})


def opens_proactive_case(tier: str | None) -> bool:
    """High-tier customers get a case opened for them on a delay, not only a notice."""
    return tier in HIGH_TIERS
