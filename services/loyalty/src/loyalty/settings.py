"""Loyalty's settings: LOYALTY_* variables, plus the shared ones."""

from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class LoyaltySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LOYALTY_", extra="ignore", populate_by_name=True)

    service_name: str = "loyalty"
    port: int = 8002
