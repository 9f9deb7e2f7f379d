"""Tasks, calls, meetings and notes of the sales team (topic ``crm.activities.v1``).

Acquisition builds the reps' agendas and the stale-deal list from them;
analytics counts engagement per customer.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from contracts.envelope import IntegrationEvent


class ActivityScheduled(IntegrationEvent):
    """An activity was planned (or logged): ``regarding`` is lead, customer or opportunity."""

    event_type: ClassVar[str] = "ActivityScheduled"

    activity_id: str
    kind: str
    subject: str
    regarding: str
    regarding_id: str
    owner: str
    due_at: datetime | None = None
    follow_up_of: str | None = None
    scheduled_at: datetime


class ActivityCompleted(IntegrationEvent):
    """Done; a call carries its outcome (no_answer, call_back, interested, not_interested)."""

    event_type: ClassVar[str] = "ActivityCompleted"

    activity_id: str
    kind: str
    regarding: str
    regarding_id: str
    owner: str
    outcome: str | None = None
    callback_at: datetime | None = None
    note: str | None = None
    completed_at: datetime
