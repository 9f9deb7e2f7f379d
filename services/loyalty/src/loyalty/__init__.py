"""Loyalty: growth and retention — points ledger, tiers, promotions, rewards, offers."""
