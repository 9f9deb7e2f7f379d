"""Acquisition's customer search comes out the same for any delivery of the same log:
customers' partitions interleaved in any order (a merge travels on the survivor's),
part of a partition read again after a restart, events published again by a relay."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import MetaData

from acquisition.views import metadata
from acquisition.views.customers import customers
from acquisition.views.projection import AcquisitionViews
from contracts.customers import CustomerMerged, CustomerProfileChanged, CustomerRegistered
from servicekit.interleavings import Published, deliver_both_ways, published, table_rows
from servicekit.views import ViewStore

T0 = datetime(2026, 5, 1, tzinfo=UTC)
CUSTOMERS = ("c1", "c2", "c3", "c4")
CHANGES = [{"first_name": "Grace"}, {"last_name": "Hopper"}, {"email": "g@navy.example"}]


@st.composite
def logs(draw: st.DrawFn) -> list[Published]:
    """Customers registered and changed; some merged into another."""
    versions = dict.fromkeys(CUSTOMERS, 0)
    sent: list[Published] = []

    def send(customer: str, event: Any) -> None:
        versions[customer] += 1
        sent.append(
            published(
                event, source="/crm/acquisition", key=customer, version=versions[customer], time=T0
            )
        )

    for customer in CUSTOMERS:
        send(
            customer,
            CustomerRegistered(
                customer_id=customer,
                first_name="Ada",
                last_name="Lovelace",
                company="Analytical",
                source="store",
                registered_at=T0,
            ),
        )
        for change in draw(st.lists(st.sampled_from(CHANGES), max_size=2)):
            send(customer, CustomerProfileChanged(customer_id=customer, changed_at=T0, **change))
    survivor, *others = CUSTOMERS
    for merged in draw(st.lists(st.sampled_from(others), max_size=2, unique=True)):
        send(
            survivor, CustomerMerged(customer_id=survivor, merged_customer_id=merged, merged_at=T0)
        )
    return sent


def read_models(views: AcquisitionViews) -> dict[str, Any]:
    with views.store.reading() as connection:
        rows = table_rows(connection, customers)
    return {
        "customers": rows,
        "search": {q: views.customers(q, 10) for q in ("ada", "grace hopper", "g@navy.example")},
    }


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sent=logs(), data=st.data())
def test_any_delivery_of_the_same_log_gives_the_same_customers(
    view_stores: Callable[[MetaData], ViewStore],
    sent: list[Published],
    data: st.DataObject,
) -> None:
    reference = AcquisitionViews(view_stores(metadata))
    delivered = AcquisitionViews(view_stores(metadata))
    choose = lambda n: data.draw(st.integers(0, n - 1))  # noqa: E731
    assert deliver_both_ways(reference, delivered, sent, choose) == 0

    assert read_models(delivered) == read_models(reference)
