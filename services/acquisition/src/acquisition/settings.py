"""Acquisition's settings: ACQUISITION_* variables, plus the shared ones."""

from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class AcquisitionSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="ACQUISITION_", extra="ignore", populate_by_name=True
    )

    service_name: str = "acquisition"
    port: int = 8001
