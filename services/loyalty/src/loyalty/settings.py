"""Loyalty's settings: LOYALTY_* variables, plus the shared ones."""

from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class LoyaltySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LOYALTY_", extra="ignore", populate_by_name=True)

    service_name: str = "loyalty"
    port: int = 8002
    # cross-sell: bought in the first category, never in the second (JSON: [["a","b"], ...])
    cross_sell_pairs: list[tuple[str, str]] = []
    birthday_bonus_points: int = 200
    greeting_run_seconds: float = 3600.0
