"""Analytics' settings: ANALYTICS_* variables, plus the shared ones."""

from pydantic_settings import SettingsConfigDict

from analytics.domain.assessment import SignalPolicy
from analytics.domain.valuation import ValuationPolicy
from servicekit.settings import ServiceSettings


class AnalyticsSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="ANALYTICS_", extra="ignore", populate_by_name=True
    )

    service_name: str = "analytics"
    port: int = 8004

    assessment_seconds: float = 3600.0
    """How often every customer is re-assessed (segment, CLV, churn); 0 turns it off."""
    views_check_seconds: float = 5.0
    """How often the service looks for a version of the views rebuilt beside it; 0: never."""
    parked_sweep_seconds: float = 60.0
    """How often messages parked under a reference that became known meanwhile are
    applied (see Customer360.settle_parked); 0: never."""
    churn_threshold: float = 0.7
    clv_relative_change: float = 0.2
    clv_absolute_change: float = 10.0
    clv_horizon_weeks: float = 52.0
    clv_periods: int = 12
    clv_discount_rate: float = 0.01
    """Per period: 1% a month over twelve monthly periods by default."""
    minimum_repeat_buyers: int = 30
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
