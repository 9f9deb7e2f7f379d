"""Analytics' settings: ANALYTICS_* variables, plus the shared ones."""

from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class AnalyticsSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="ANALYTICS_", extra="ignore", populate_by_name=True
    )

    service_name: str = "analytics"
    port: int = 8004
