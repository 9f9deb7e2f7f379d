"""How the ERP learns the CRM's customers: ``crm.customers.v1`` from its beginning to its end."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import replace

from aiokafka import AIOKafkaConsumer, TopicPartition

from contracts import ContractViolation, IntegrationEvent, decode
from contracts.customers import (
    CustomerErased,
    CustomerMerged,
    CustomerProfileChanged,
    CustomerRegistered,
)
from erpsim.customers import CrmCustomer
from servicekit import kafka

log = logging.getLogger(__name__)

CUSTOMERS_TOPIC = "crm.customers.v1"


def fold_customer_events(events: Iterable[IntegrationEvent]) -> list[CrmCustomer]:
    """The customers the events leave, sorted by id.

    Events of one customer come in their order (one key, one partition); merges
    and erasures are applied last, as their two customers may sit on different
    partitions. A merged customer's ERP number passes to the survivor if it has none.
    """
    customers: dict[str, CrmCustomer] = {}
    merges: list[CustomerMerged] = []
    erased: set[str] = set()
    for event in events:
        match event:
            case CustomerRegistered():
                customers[event.customer_id] = CrmCustomer(
                    customer_id=event.customer_id,
                    first_name=event.first_name,
                    last_name=event.last_name,
                    email=event.email,
                    company=event.company,
                    erp_customer_number=event.erp_customer_number,
                )
            case CustomerProfileChanged() if event.customer_id in customers:
                current = customers[event.customer_id]
                customers[event.customer_id] = replace(
                    current,
                    first_name=event.first_name or current.first_name,
                    last_name=event.last_name or current.last_name,
                    email=event.email or current.email,
                    company=event.company or current.company,
                    erp_customer_number=event.erp_customer_number or current.erp_customer_number,
                )
            case CustomerMerged():
                merges.append(event)
            case CustomerErased():
                erased.add(event.customer_id)
            case _:
                pass
    for merge in merges:
        merged = customers.pop(merge.merged_customer_id, None)
        survivor = customers.get(merge.customer_id)
        if merged and survivor and not survivor.erp_customer_number:
            customers[merge.customer_id] = replace(
                survivor, erp_customer_number=merged.erp_customer_number
            )
    for customer_id in erased:
        customers.pop(customer_id, None)
    return sorted(customers.values(), key=lambda c: c.customer_id)


async def read_crm_customers(
    bootstrap_servers: str, topic: str = CUSTOMERS_TOPIC, within: float = 60.0
) -> list[CrmCustomer]:
    """Every customer on the topic up to its end when called; none if the topic does not exist.

    Messages that break the contract are skipped (and counted in a warning).
    """
    partitions = await kafka.partitions_of(bootstrap_servers, [topic])
    if not partitions:
        return []
    consumer = kafka.consumer(bootstrap_servers, group_id=None, client_id="erpsim-customers")
    await consumer.start()
    events: list[IntegrationEvent] = []
    broken = 0
    try:
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        await consumer.seek_to_beginning(*partitions)
        deadline = time.monotonic() + within
        while not await _at_end(consumer, ends):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{topic} not read to its end in {within} s")
            batches = await consumer.getmany(timeout_ms=200)
            for tp, records in batches.items():
                for record in records:
                    if record.offset >= ends[tp]:
                        continue
                    try:
                        _, event = decode(topic, record.value)
                    except ContractViolation:
                        broken += 1
                        continue
                    events.append(event)
    finally:
        await consumer.stop()
    if broken:
        log.warning("skipped %d messages of %s that break the contract", broken, topic)
    return fold_customer_events(events)


async def _at_end(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return False
    return True
