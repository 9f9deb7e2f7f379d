"""Support's settings: SUPPORT_* variables, plus the shared ones."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.bounds import LONGEST_DAYS, LONGEST_SECONDS
from servicekit.settings import Port, ServiceSettings


class SupportSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SUPPORT_", extra="ignore", populate_by_name=True)

    service_name: str = "support"
    port: Port = 8003
    sla_watch_seconds: float = Field(default=30.0, gt=0, le=LONGEST_SECONDS)
    care_seconds: float = Field(default=2.0, gt=0, le=LONGEST_SECONDS)
    reopen_within_days: float = Field(default=7.0, ge=0, le=LONGEST_DAYS)
