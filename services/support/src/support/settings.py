"""Support's settings: SUPPORT_* variables, plus the shared ones."""

from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class SupportSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SUPPORT_", extra="ignore", populate_by_name=True)

    service_name: str = "support"
    port: int = 8003
    sla_watch_seconds: float = 30.0
    care_seconds: float = 2.0
    reopen_within_days: float = 7.0
