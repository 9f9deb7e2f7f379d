"""Support's one consumer: customers, tiers, its own cases, the ERP's orders and shipments."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from contracts.cases import (
    CaseAssigned,
    CaseCustomerLinked,
    CaseOpened,
    CasePriorityRaised,
    CaseReplied,
    CaseSlaBreached,
    CaseStatusChanged,
    SatisfactionRecorded,
)
from contracts.customers import CustomerErased, CustomerProfileChanged, CustomerRegistered
from contracts.erp.orders import OrderCancelled, OrderPaid, OrderPlaced, OrderReturned
from contracts.erp.shipments import ShipmentDelayed, ShipmentDelivered, ShipmentDispatched
from contracts.loyalty import LoyaltyAccountOpened, TierChanged
from servicekit.consumer import Delivery
from servicekit.handlers import Projection
from support.views import ERP_CUSTOMER, ORDER, cases, customers, orders, references


class SupportViews(Projection):
    topics = (
        "crm.customers.v1",
        "crm.loyalty.accounts.v1",
        "crm.cases.v1",
        "erp.orders.v1",
        "erp.shipments.v1",
    )

    def project(self, connection: Connection, delivery: Delivery) -> None:
        match delivery.event:
            case LoyaltyAccountOpened() | TierChanged() as event:
                cases.set_tier(connection, event.customer_id, event.tier)
            case (
                CaseOpened()
                | CaseAssigned()
                | CaseCustomerLinked()
                | CaseReplied()
                | CaseStatusChanged()
                | CasePriorityRaised()
                | CaseSlaBreached()
                | SatisfactionRecorded()
            ) as event:
                cases.project(connection, event)
            case CustomerRegistered() as event:
                customers.registered(connection, event)
                if event.erp_customer_number:
                    self._learn(connection, event.erp_customer_number, event.customer_id)
            case CustomerErased() as event:
                customers.erased(connection, event)
            case CustomerProfileChanged() as event:
                customers.profile_changed(connection, event)
                if event.erp_customer_number:
                    self._learn(connection, event.erp_customer_number, event.customer_id)
            case OrderPlaced() as event:
                if event.customer_id and event.erp_customer_number:
                    self._learn(connection, event.erp_customer_number, event.customer_id)
                customer_id = event.customer_id or references.resolve(
                    connection, ERP_CUSTOMER + str(event.erp_customer_number)
                )
                # an order of a customer not known yet is kept: "where is my order?"
                # is answered by order id; the customer is linked when it appears
                orders.placed(connection, event, customer_id)
                for waiting in references.release(connection, ORDER + event.order_id):
                    self.project(connection, waiting)
            case (
                OrderPaid()
                | OrderCancelled()
                | OrderReturned()
                | ShipmentDispatched()
                | ShipmentDelayed()
                | ShipmentDelivered()
            ) as event:
                if (order := orders.find(connection, event.order_id)) is not None:
                    orders.followed_up(connection, order, event)
                    if isinstance(event, ShipmentDelayed):
                        orders.delayed(connection, event)
                else:  # its order is still on its way on another topic or partition
                    references.park(connection, ORDER + event.order_id, delivery)

    def _learn(self, connection: Connection, erp_customer_number: str, customer_id: str) -> None:
        references.link(connection, ERP_CUSTOMER + erp_customer_number, customer_id)
        orders.customer_known(connection, erp_customer_number, customer_id)

    def customer(self, customer_id: str) -> dict[str, Any] | None:
        with self.store.reading() as connection:
            return customers.find(connection, customer_id)

    def order(self, order_id: str) -> dict[str, Any] | None:
        with self.store.reading() as connection:
            return orders.find(connection, order_id)

    def tier(self, customer_id: str) -> str | None:
        with self.store.reading() as connection:
            return cases.tier_of(connection, customer_id)

    def cases(self, **filters: Any) -> dict[str, Any]:
        with self.store.reading() as connection:
            return cases.listing(connection, **filters)

    def open_cases_by_agent(self, agents: list[str]) -> dict[str, int]:
        with self.store.reading() as connection:
            return cases.open_cases_by_agent(connection, agents)

    def unfinished_case_ids(self) -> list[str]:
        with self.store.reading() as connection:
            return cases.unfinished_case_ids(connection)

    def sla_dashboard(self) -> dict[str, Any]:
        with self.store.reading() as connection:
            return cases.sla_dashboard(connection)

    def performance(self, by: str) -> list[dict[str, Any]]:
        with self.store.reading() as connection:
            return cases.performance(connection, by)

    def delays_to_handle(self) -> list[dict[str, Any]]:
        with self.store.reading() as connection:
            return orders.delays_to_handle(connection)

    def delay_handled(self, order_id: str, new_eta: Any, at: Any) -> None:
        """The care task's own mark (a rebuild clears it; handling again is harmless)."""
        with self.store.engine.begin() as connection:
            orders.delay_handled(connection, order_id, new_eta, at)
