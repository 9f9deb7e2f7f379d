"""A deterministic, seeded ERP simulator on the ERP's Kafka topics; also the benchmarks' load.

Plan, then publish::

    customers = erp_customers(await read_crm_customers(bootstrap))
    the_plan = plan(seed=7, customers=customers, orders=500)
    await publish(the_plan.messages, bootstrap, rate=100)
    the_plan.unknown_customer_numbers  # ERP numbers the CRM does not know yet

A million orders do not fit in one plan: ``stream(Planner(seed, customers, orders,
params))`` plans them one simulated day at a time (see :mod:`erpsim.stream`).

It imports only ``contracts``, ``servicekit.kafka`` and libraries, never a service.
"""

from erpsim.catalogue import CATALOGUE, CATEGORIES, Product, catalogue
from erpsim.crm_feed import CUSTOMERS_TOPIC, fold_customer_events, read_crm_customers
from erpsim.customers import (
    CrmCustomer,
    ErpCustomer,
    erp_customers,
    read_customers_csv,
    synthetic_crm_customers,
    unknown_customers,
    write_customers_csv,
)
from erpsim.params import DEFAULT_START, Params, ReferenceShares
from erpsim.plan import Message, Plan, PlannedOrder, plan, product_messages
from erpsim.publish import ERP_TOPICS, PublishReport, publish
from erpsim.snapshot import Difference, Snapshot, snapshot
from erpsim.stream import Day, Planner, Record, stream

__all__ = [
    "CATALOGUE",
    "CATEGORIES",
    "CUSTOMERS_TOPIC",
    "DEFAULT_START",
    "ERP_TOPICS",
    "CrmCustomer",
    "Day",
    "Difference",
    "ErpCustomer",
    "Message",
    "Params",
    "Plan",
    "PlannedOrder",
    "Planner",
    "Product",
    "PublishReport",
    "Record",
    "ReferenceShares",
    "Snapshot",
    "catalogue",
    "erp_customers",
    "fold_customer_events",
    "plan",
    "product_messages",
    "publish",
    "read_crm_customers",
    "read_customers_csv",
    "snapshot",
    "stream",
    "synthetic_crm_customers",
    "unknown_customers",
    "write_customers_csv",
]
