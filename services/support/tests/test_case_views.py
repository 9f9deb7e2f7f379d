"""Agents' and managers' views of the cases, built from support's own published events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from eventsourcing.persistence import Tracking

from contracts import Envelope
from servicekit.consumer import Delivery
from servicekit.eventstore import store_environment
from servicekit.views import ViewStore, views_url
from support.app import Support
from support.domain.case import CaseStatus, CaseType, Channel, Priority
from support.outbox import to_integration_event
from support.views import metadata
from support.views.projection import SupportViews

MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class Published:
    """Support's events as its consumers receive them from crm.cases.v1."""

    def __init__(self, app: Support, views: SupportViews) -> None:
        self.app, self.views, self.offset, self.seen = app, views, 0, 0

    def deliver(self) -> None:
        notifications = self.app.recorder.select_notifications(
            start=self.seen, limit=1000, inclusive_of_start=False
        )
        for notification in notifications:
            self.seen = notification.id
            event = to_integration_event(self.app.mapper.to_domain_event(notification))
            if event is None:
                continue
            envelope = Envelope.wrap(event, source="/crm/support", subject="s")
            self.views.apply(
                [Delivery("crm.cases.v1", 0, self.offset, "s", envelope, event)],
                Tracking("crm.cases.v1:0", self.offset),
            )
            self.offset += 1


def test_cases_are_listed_newest_first_page_by_page_with_filters(store_settings) -> None:
    settings = store_settings("support")
    app = Support(store_environment(settings))
    views = SupportViews(ViewStore(views_url(settings), metadata))
    published = Published(app, views)
    opened = [
        app.open_case(
            uuid4(),
            "c-1" if n % 2 else "c-2",
            Channel.EMAIL,
            CaseType.BILLING,
            Priority.NORMAL,
            f"Invoice {n}",
            "",
            at=MONDAY_9 + timedelta(minutes=n),
        )
        for n in range(5)
    ]
    app.change_status(opened[0].id, CaseStatus.RESOLVED, "refunded")
    published.deliver()

    first = views.cases(limit=2)
    second = views.cases(limit=2, after=first["next"])
    third = views.cases(limit=2, after=second["next"])
    mine = views.cases(customer_id="c-1")
    resolved = views.cases(status="resolved")

    listed = [c["subject"] for page in (first, second, third) for c in page["items"]]
    assert len(listed) == 5
    assert set(listed) == {f"Invoice {n}" for n in range(5)}
    assert third["next"] is None
    assert {c["customer_id"] for c in mine["items"]} == {"c-1"}
    assert [c["subject"] for c in resolved["items"]] == ["Invoice 0"]
    app.close()


def test_the_dashboard_counts_met_breached_and_running_clocks(store_settings) -> None:
    settings = store_settings("support")
    app = Support(store_environment(settings))
    views = SupportViews(ViewStore(views_url(settings), metadata))
    published = Published(app, views)
    late = app.open_case(
        uuid4(),
        "c-1",
        Channel.CHAT,
        CaseType.TECHNICAL,
        Priority.URGENT,
        "Site down",
        "",
        at=MONDAY_9,
    )
    answered = app.open_case(
        uuid4(), "c-2", Channel.CHAT, CaseType.TECHNICAL, Priority.URGENT, "Login fails", ""
    )
    app.reply(answered.id, "ann", "Looking", by_customer=False)
    app.watch_slas([late.id, answered.id], at=MONDAY_9 + timedelta(hours=2))
    published.deliver()

    board = views.sla_dashboard()

    assert board["first_response"] == {"met": 1, "breached": 1, "in_progress": 0}
    assert views.cases(breached=True)["items"][0]["subject"] == "Site down"
    assert app.case(late.id).priority is Priority.URGENT  # already at the top: stays
    app.close()
