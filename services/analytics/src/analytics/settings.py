"""Analytics' settings: ANALYTICS_* variables, plus the shared ones."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from analytics.domain.assessment import SignalPolicy
from analytics.domain.valuation import ValuationPolicy
from servicekit.bounds import LONGEST_DAYS, LONGEST_SECONDS
from servicekit.settings import Port, ServiceSettings


class AnalyticsSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="ANALYTICS_", extra="ignore", populate_by_name=True
    )

    service_name: str = "analytics"
    port: Port = 8004

    assessment_seconds: float = Field(3600.0, ge=0, le=LONGEST_SECONDS)
    """How often every customer is re-assessed (segment, CLV, churn); 0 turns it off."""
    views_check_seconds: float = Field(5.0, ge=0, le=LONGEST_SECONDS)
    """How often the service looks for a version of the views rebuilt beside it; 0: never."""
    parked_sweep_seconds: float = Field(60.0, ge=0, le=LONGEST_SECONDS)
    """How often messages parked under a reference that became known meanwhile are
    applied (see Customer360.settle_parked); 0: never."""
    churn_threshold: float = Field(0.7, ge=0, le=1)
    clv_relative_change: float = Field(0.2, ge=0, le=100)
    clv_absolute_change: float = Field(10.0, ge=0, le=1e9)
    clv_horizon_weeks: float = Field(52.0, gt=0, le=LONGEST_DAYS / 7)
    clv_periods: int = Field(12, ge=1, le=1200)
    clv_discount_rate: float = Field(0.01, ge=0, lt=1)
    """Per period: 1% a month over twelve monthly periods by default."""
    minimum_repeat_buyers: int = Field(30, ge=1, le=1_000_000_000)
    """Below this many repeat buyers the CLV models keep the published CDNOW estimates."""

    def signal_policy(self) -> SignalPolicy:
        return SignalPolicy(
            churn_threshold=self.churn_threshold,
            clv_relative_change=self.clv_relative_change,
            clv_absolute_change=self.clv_absolute_change,
        )

    def valuation_policy(self) -> ValuationPolicy:
        return ValuationPolicy(
            horizon_weeks=self.clv_horizon_weeks,
            periods=self.clv_periods,
            discount_rate=self.clv_discount_rate,
            minimum_repeat_buyers=self.minimum_repeat_buyers,
        )
