"""What analytics last told the business about a customer, and when to tell it again.

A :class:`CustomerAssessment` is the one thing analytics writes: an aggregate
per customer (id ``uuid5`` of the customer id) whose events are the signals
other services act on. It remembers the segment, churn state and CLV it last
published, so assessing the customer again publishes only what changed, once:
the relay turns each event into a ``crm.analytics.signals.v1`` message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event


@dataclass(frozen=True)
class Assessment:
    """A customer's standing at a moment: segment, RFM score and the CLV model's view."""

    segment: str
    rfm: str
    probability_alive: float
    expected_purchases: float
    lifetime_value: float
    horizon_weeks: float

    @property
    def churn_risk(self) -> float:
        """The probability the customer has stopped buying: 1 - P(alive)."""
        return 1.0 - self.probability_alive


@dataclass(frozen=True)
class SignalPolicy:
    """When a change is worth telling loyalty and acquisition about.

    ``churn_threshold`` is the churn risk above which a win-back makes sense;
    CLV moves are reported when they exceed both a share of the last reported
    value and an absolute amount, so small customers do not flood the topic.
    """

    churn_threshold: float = 0.7
    clv_relative_change: float = 0.2
    clv_absolute_change: float = 10.0

    def __post_init__(self) -> None:
        if not 0 < self.churn_threshold < 1:
            raise ValueError("the churn threshold is a probability strictly between 0 and 1")

    def clv_moved(self, previous: float | None, current: float) -> bool:
        if previous is None:
            return True
        change = abs(current - previous)
        return change >= self.clv_absolute_change and change >= self.clv_relative_change * abs(
            previous
        )


class CustomerAssessment(Aggregate):
    TOPIC = "analytics:CustomerAssessment"

    class Created(Aggregate.Created):
        """Never triggered (see the @event on __init__); pinned because the aggregate is."""

        TOPIC = "analytics:CustomerAssessment.Created"

    class Started(Aggregate.Created):
        TOPIC = "analytics:CustomerAssessment.Started"
        customer_id: str

    class SegmentChanged(Aggregate.Event):
        TOPIC = "analytics:CustomerAssessment.SegmentChanged"
        customer_id: str
        previous: str | None
        segment: str
        rfm: str
        as_of: datetime

    class ChurnRiskRaised(Aggregate.Event):
        TOPIC = "analytics:CustomerAssessment.ChurnRiskRaised"
        customer_id: str
        churn_risk: float
        threshold: float
        as_of: datetime

    class ChurnRiskCleared(Aggregate.Event):
        TOPIC = "analytics:CustomerAssessment.ChurnRiskCleared"
        customer_id: str
        churn_risk: float
        threshold: float
        as_of: datetime

    class ClvUpdated(Aggregate.Event):
        TOPIC = "analytics:CustomerAssessment.ClvUpdated"
        customer_id: str
        previous: float | None
        lifetime_value: float
        expected_purchases: float
        probability_alive: float
        horizon_weeks: float
        as_of: datetime

    @staticmethod
    def id_for(customer_id: str) -> UUID:
        return uuid5(NAMESPACE_URL, "/crm/analytics/assessments/" + customer_id)

    @event(Started)
    def __init__(self, id: UUID, customer_id: str) -> None:
        self.customer_id = customer_id
        self.segment: str | None = None
        self.at_risk = False
        self.lifetime_value: float | None = None

    def assess(self, assessment: Assessment, policy: SignalPolicy, as_of: datetime) -> None:
        """Record a signal for each way the customer's standing changed materially."""
        if assessment.segment != self.segment:
            self._segment_changed(
                self.customer_id, self.segment, assessment.segment, assessment.rfm, as_of
            )
        at_risk = assessment.churn_risk >= policy.churn_threshold
        if at_risk and not self.at_risk:
            self._churn_risk_raised(
                self.customer_id, round(assessment.churn_risk, 4), policy.churn_threshold, as_of
            )
        elif self.at_risk and not at_risk:
            self._churn_risk_cleared(
                self.customer_id, round(assessment.churn_risk, 4), policy.churn_threshold, as_of
            )
        value = round(assessment.lifetime_value, 2)
        if policy.clv_moved(self.lifetime_value, value):
            self._clv_updated(
                self.customer_id,
                self.lifetime_value,
                value,
                round(assessment.expected_purchases, 4),
                round(assessment.probability_alive, 4),
                assessment.horizon_weeks,
                as_of,
            )

    @event(SegmentChanged)
    def _segment_changed(
        self, customer_id: str, previous: str | None, segment: str, rfm: str, as_of: datetime
    ) -> None:
        self.segment = segment

    @event(ChurnRiskRaised)
    def _churn_risk_raised(
        self, customer_id: str, churn_risk: float, threshold: float, as_of: datetime
    ) -> None:
        self.at_risk = True

    @event(ChurnRiskCleared)
    def _churn_risk_cleared(
        self, customer_id: str, churn_risk: float, threshold: float, as_of: datetime
    ) -> None:
        self.at_risk = False

    @event(ClvUpdated)
    def _clv_updated(
        self,
        customer_id: str,
        previous: float | None,
        lifetime_value: float,
        expected_purchases: float,
        probability_alive: float,
        horizon_weeks: float,
        as_of: datetime,
    ) -> None:
        self.lifetime_value = lifetime_value
