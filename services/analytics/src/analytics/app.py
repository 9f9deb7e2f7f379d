"""Analytics' application: it writes nothing to the business but its signals."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar

from eventsourcing.application import AggregateNotFoundError

from analytics.domain.assessment import Assessment, CustomerAssessment, SignalPolicy
from servicekit.eventstore import ServiceApplication

#: Every run may add a signal or three to each customer's assessment, week after week for
#: years; loading one replays at most this many events.
ASSESSMENT_SNAPSHOT_INTERVAL = 20


class Analytics(ServiceApplication):
    name = "analytics"
    snapshotting_intervals: ClassVar = {CustomerAssessment: ASSESSMENT_SNAPSHOT_INTERVAL}

    def record_assessments(
        self, assessed: Mapping[str, Assessment], policy: SignalPolicy, as_of: datetime
    ) -> int:
        """Record the signals this assessment run gives rise to; returns how many.

        Customers whose standing did not change materially record nothing, so
        running the same assessment twice publishes nothing the second time. Two
        replicas that run at the same moment both get through: the one that saved
        second decides again on what the first recorded, and so publishes it once.
        """

        def attempt() -> int:
            changed: list[CustomerAssessment] = []
            signals = 0
            for customer_id, assessment in assessed.items():
                standing = self.assessment(customer_id)
                if standing is None:
                    standing = CustomerAssessment(
                        id=CustomerAssessment.id_for(customer_id), customer_id=customer_id
                    )
                    signals -= 1  # the Started event is no signal
                standing.assess(assessment, policy, as_of)
                pending = len(standing.pending_events)
                if pending:
                    signals += pending
                    changed.append(standing)
            if changed:
                self.save(*changed)
            return signals

        return self.retrying(attempt)

    def assessment(self, customer_id: str) -> CustomerAssessment | None:
        try:
            found: CustomerAssessment = self.repository.get(CustomerAssessment.id_for(customer_id))
        except AggregateNotFoundError:
            return None
        return found
