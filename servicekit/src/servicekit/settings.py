"""Configuration of a service, read from the environment by pydantic-settings.

Each service subclasses :class:`ServiceSettings` with its own ``env_prefix``
(``ACQUISITION_PORT``...); what every service shares (the Kafka cluster, the
token signing key) is read from one unprefixed variable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SIGNING_KEY = "dev-only-signing-key-change-me-in-production-0123456789"

Port = Annotated[int, Field(ge=0, le=65_535, description="0: any free port")]


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    service_name: str
    host: str = "127.0.0.1"
    port: Port
    var_dir: Path = Field(default=Path("var"), description="Root of local data (SQLite files)")
    event_store: Literal["sqlite", "postgres"] = "sqlite"
    postgres_dsn: str | None = Field(
        default=None,
        description="postgresql://user:password@host:port/database, one database per service",
    )
    aggregate_cache_size: int = Field(
        default=2000,
        ge=0,
        le=1_000_000,
        description="Aggregates kept in memory, most recently used first, and brought up to "
        "date from the store on each read (0: none)",
    )
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "kafka_bootstrap_servers"),
    )
    kafka_topic_partitions: int = Field(
        default=3,
        ge=1,
        le=10_000,
        validation_alias=AliasChoices("KAFKA_TOPIC_PARTITIONS", "kafka_topic_partitions"),
    )
    kafka_replication_factor: int = Field(
        default=1,
        ge=1,
        le=100,
        validation_alias=AliasChoices("KAFKA_REPLICATION_FACTOR", "kafka_replication_factor"),
    )
    kafka_create_topics: bool = Field(
        default=True,
        description="Create missing topics at start (off where Strimzi or an operator owns them)",
        validation_alias=AliasChoices("KAFKA_CREATE_TOPICS", "kafka_create_topics"),
    )
    jwt_signing_key: SecretStr = Field(
        default=SecretStr(DEV_SIGNING_KEY),
        validation_alias=AliasChoices("CRM_JWT_SIGNING_KEY", "jwt_signing_key"),
    )
    jwt_require_key: bool = Field(
        default=False,
        description="Refuse to start on the development signing key (on in every deployment)",
        validation_alias=AliasChoices("CRM_JWT_REQUIRE_KEY", "jwt_require_key"),
    )
    jwt_previous_signing_keys: SecretStr = Field(
        default=SecretStr(""),
        description="Comma-separated keys still accepted while tokens signed with them expire",
        validation_alias=AliasChoices("CRM_JWT_PREVIOUS_SIGNING_KEYS", "jwt_previous_signing_keys"),
    )
    consumer_group_prefix: str = Field(
        default="crm",
        description="Consumer groups are <prefix>-<service>-<handler>: platforms sharing a "
        "cluster (test runs, staging beside production) each need their own",
        validation_alias=AliasChoices("CRM_CONSUMER_GROUP_PREFIX", "consumer_group_prefix"),
    )
    relay_enabled: bool = True
    consumers_enabled: bool = True
    stall_seconds: float = Field(
        default=60.0,
        gt=0,
        le=86_400,
        description="/readyz fails when a consumer (or the relay) has messages waiting and "
        "has applied (published) none of them for this long",
    )
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("LOG_LEVEL", "log_level"))

    @model_validator(mode="after")
    def _signing_key_configured_where_required(self) -> ServiceSettings:
        if self.jwt_require_key and self.uses_development_key:
            raise ValueError(
                "CRM_JWT_SIGNING_KEY is unset (or the development key) while "
                "CRM_JWT_REQUIRE_KEY is on: anyone could sign tokens with the published key"
            )
        return self

    @property
    def uses_development_key(self) -> bool:
        return self.jwt_signing_key.get_secret_value() == DEV_SIGNING_KEY

    def verification_keys(self) -> list[str]:
        """The current signing key first, then those being rotated out."""
        previous = self.jwt_previous_signing_keys.get_secret_value().split(",")
        return [
            self.jwt_signing_key.get_secret_value(),
            *(k.strip() for k in previous if k.strip()),
        ]

    @property
    def data_dir(self) -> Path:
        return self.var_dir / self.service_name

    @property
    def consumer_group(self) -> str:
        return f"{self.consumer_group_prefix}-{self.service_name}"
