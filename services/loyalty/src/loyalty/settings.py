"""Loyalty's settings: LOYALTY_* variables, plus the shared ones."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.bounds import LONGEST_SECONDS
from servicekit.settings import Port, ServiceSettings


class LoyaltySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LOYALTY_", extra="ignore", populate_by_name=True)

    service_name: str = "loyalty"
    port: Port = 8002
    # cross-sell: bought in the first category, never in the second (JSON: [["a","b"], ...])
    cross_sell_pairs: list[tuple[str, str]] = []
    birthday_bonus_points: int = Field(default=200, ge=0, le=10_000_000)
    greeting_run_seconds: float = Field(default=3600.0, gt=0, le=LONGEST_SECONDS)
