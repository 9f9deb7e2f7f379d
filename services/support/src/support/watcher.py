"""The SLA watcher: warns before deadlines, records breaches and escalates, every minute."""

from __future__ import annotations

from uuid import UUID

from servicekit import periodic
from support.app import Support, now
from support.views.projection import SupportViews


def sla_watcher(app: Support, views: SupportViews, every: float) -> periodic.Job:
    def watch() -> object:
        case_ids = [UUID(case_id) for case_id in views.unfinished_case_ids()]
        return app.watch_slas(case_ids)

    return periodic.every(every, watch, "SLA breaches recorded")


def delay_care(app: Support, views: SupportViews, every: float) -> periodic.Job:
    """Acts on delayed shipments the read model has seen: a notice, and for high tiers a case."""

    def care() -> int:
        handled = 0
        for delay in views.delays_to_handle():
            customer_id = delay["customer_id"]
            app.care_for_delay(
                delay["order_id"],
                customer_id,
                str(delay["new_eta"]),
                delay["reason"],
                views.tier(customer_id),
            )
            views.delay_handled(delay["order_id"], delay["new_eta"], now())
            handled += 1
        return handled

    return periodic.every(every, care, "delayed shipments cared for")
