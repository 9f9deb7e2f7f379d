"""What the programme owes, built from loyalty's own ledger as finance would read it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from eventsourcing.persistence import Tracking

from loyalty.outbox import to_integration_event
from loyalty.views import metadata
from loyalty.views.projection import LoyaltyViews
from servicekit.loopback import deliver_log
from servicekit.views import ViewStore, views_url


def test_the_liability_is_the_available_points_valued_at_their_cost(
    loyalty: Any, messages: Any, store_settings: Any
) -> None:
    app, inbox = loyalty
    for customer_id in ("c-1", "c-2"):
        inbox.apply(
            [messages.registered(customer_id)],
            Tracking("crm.customers.v1:0", messages.offsets["crm.customers.v1"]),
        )
    app.adjust("c-1", 1_000, "welcome gift", "ann")
    app.adjust("c-2", 500, "goodwill", "ann")
    app.adjust("c-2", -200, "correction", "ann")
    liability = LoyaltyViews(ViewStore(views_url(store_settings("loyalty-views")), metadata))

    deliver_log(app, to_integration_event, liability, "/crm/loyalty")
    owed = liability.summary()

    assert sum(row["points"] for row in owed["total"]) == 1_300
    assert [row["tier"] for row in owed["by_tier"]] == ["standard"]
    assert owed["by_tier"][0]["accounts"] == 2
    worth = app.programme_rules().earning.point_value * 1_300  # 0.01 a point by default
    assert owed["total"][0]["value"] == str(worth.quantize(Decimal("0.01")))
