"""One complete view of each customer, from every service's and the ERP's events."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from analytics.domain.valuation import Order
from analytics.views import (
    ERP_CUSTOMER,
    ORDER,
    accounts,
    lookups,
    metadata,
    purchases,
    references,
    timeline,
)
from analytics.views.facts import (
    leads,
    opportunities,
    points_movements,
    project_fact,
    record_movement,
)
from analytics.views.profiles import cases, consents, erasures, loyalty_accounts, merges, profiles
from analytics.views.purchases import order_lines, orders, payments
from contracts import IntegrationEvent
from contracts.cases import CaseOpened
from contracts.customers import (
    ConsentsChanged,
    CustomerErased,
    CustomerMerged,
    CustomerProfileChanged,
    CustomerRegistered,
)
from contracts.erp.orders import OrderCancelled, OrderPaid, OrderPlaced, OrderReturned
from contracts.erp.payments import PaymentOverdue, PaymentReceived
from contracts.ledger import (
    PointsExpired,
    PointsIssued,
    PointsRedeemed,
    PointsReturned,
    PointsReversed,
)
from contracts.loyalty import LoyaltyAccountOpened, TierChanged
from servicekit.consumer import Delivery, tracking_name
from servicekit.handlers import Projection
from servicekit.staging import Staged
from servicekit.views import ViewStore

PROFILE_FIELDS = set(profiles.c.keys()) - {"customer_id"}
#: what erasure forgets: the person, not the identifiers their business is filed under
PERSONAL_FIELDS = ("first_name", "last_name", "email", "phone", "company", "birthday")
#: timeline entries carrying personal data, deleted on erasure
PERSONAL_EVENTS = ("CustomerRegistered", "CustomerProfileChanged", "ConsentsChanged")
#: tables whose rows follow a merged customer to the survivor
MOVED_ON_MERGE = (
    orders,
    payments,
    cases,
    opportunities,
    leads,
    points_movements,
    timeline.timeline,
)
MERGED = "merged-customer:"


class Customer360(Projection):
    topics = (
        "crm.customers.v1",
        "crm.campaigns.v1",
        "crm.leads.v1",
        "crm.opportunities.v1",
        "crm.loyalty.accounts.v1",
        "crm.loyalty.ledger.v1",
        "crm.cases.v1",
        "erp.orders.v1",
        "erp.payments.v1",
    )
    #: by customer, for queries and for merges and erasures, which build them first
    deferred_indexes = tuple(index for table in MOVED_ON_MERGE for index in table.indexes)

    def project_batch(self, connection: Connection, deliveries: Sequence[Delivery]) -> None:
        """Apply a batch with its changes staged and written together (see
        :mod:`servicekit.staging`).

        Skips what this store applied already: after a switch to a version built
        beside it, the consumer's batch may overlap what the new version has applied.

        Messages are applied without their causality as context (unlike
        :meth:`Projection.project_batch`): nothing here logs or records events, and
        entering it cost a rebuild ~6%.
        """
        applied = {
            (topic, partition): self.store.position(tracking_name(topic, partition), connection)
            for topic, partition in {(d.topic, d.partition) for d in deliveries}
        }
        deliveries = [
            d
            for d in deliveries
            if (position := applied[d.topic, d.partition]) is None or d.offset > position
        ]
        batch = _Batch.reading_ahead(connection, deliveries)
        for delivery in deliveries:
            self._project(batch, delivery)
        batch.finish()

    def project(self, connection: Connection, delivery: Delivery) -> None:
        self.project_batch(connection, [delivery])

    def _project(self, batch: _Batch, delivery: Delivery) -> None:
        customer_id = self._apply(batch, delivery)
        if customer_id is not None:
            timeline.record(batch.staged, customer_id, delivery)

    def _apply(self, batch: _Batch, delivery: Delivery) -> str | None:
        """Apply one message; return the customer it concerns, None if none (yet)."""
        event = delivery.event
        if (survivor := self._survivor_of(batch, event)) is not None:
            return self._for_survivor(batch, delivery, event, survivor)
        return self._apply_event(batch, delivery, event)

    def _survivor_of(self, batch: _Batch, event: IntegrationEvent) -> str | None:
        """The customer that the message's customer was merged into, if it was."""
        customer_id = vars(event).get("customer_id")  # a field, if the event has it
        if not customer_id or not isinstance(customer_id, str):
            return None
        if isinstance(event, CustomerMerged):
            return None
        return batch.resolve(MERGED + customer_id)

    def _for_survivor(
        self, batch: _Batch, delivery: Delivery, event: IntegrationEvent, survivor: str
    ) -> str | None:
        """A message about a customer merged into another counts for the survivor, as
        if it had come before the merge and moved with the rest (a merge travels on
        the survivor's partition, the merged customer's messages on theirs): the
        survivor's own profile, consents and loyalty account stand; the merged
        customer's ERP numbers, orders, cases, deals and points movements are filed
        under the survivor."""
        match event:
            case CustomerRegistered() | CustomerProfileChanged():
                if event.erp_customer_number:
                    self._learn(batch, event.erp_customer_number, survivor)
                return survivor
            case ConsentsChanged() | CustomerErased() | LoyaltyAccountOpened() | TierChanged():
                return survivor
            case (
                PointsIssued()
                | PointsReversed()
                | PointsRedeemed()
                | PointsExpired()
                | (PointsReturned())
            ):
                record_movement(batch.staged, event.model_copy(update={"customer_id": survivor}))
                return survivor
        redirected = event.model_copy(update={"customer_id": survivor})
        return self._apply_event(batch, delivery, redirected)

    def _apply_event(
        self, batch: _Batch, delivery: Delivery, event: IntegrationEvent
    ) -> str | None:
        staged = batch.staged
        match event:
            case CustomerRegistered() as event:
                staged.upsert(
                    profiles,
                    {"customer_id": event.customer_id},
                    event.model_dump(include=PROFILE_FIELDS),
                )
                if event.erp_customer_number:
                    self._learn(batch, event.erp_customer_number, event.customer_id)
                return event.customer_id
            case CustomerProfileChanged() as event:
                changes = event.model_dump(include=PROFILE_FIELDS, exclude_none=True)
                staged.upsert(profiles, {"customer_id": event.customer_id}, changes)
                if event.erp_customer_number:
                    self._learn(batch, event.erp_customer_number, event.customer_id)
                return event.customer_id
            case ConsentsChanged() as event:
                staged.upsert(
                    consents,
                    {"customer_id": event.customer_id},
                    {
                        "consents": [c.model_dump(mode="json") for c in event.consents],
                        "changed_at": event.changed_at,
                    },
                )
                return event.customer_id
            case CustomerErased() as event:
                self._erase(batch, event)
                return event.customer_id
            case CustomerMerged() as event:
                self._merge(batch, event)
                return event.customer_id
            case LoyaltyAccountOpened() as event:
                accounts.opened(staged, event, delivery.envelope.aggregateversion)
                return event.customer_id
            case CaseOpened() as event:
                staged.upsert(
                    cases,
                    {"case_id": event.case_id},
                    {
                        "customer_id": event.customer_id,
                        "status": "new",
                        "channel": event.channel,
                        "case_type": event.case_type,
                        "priority": event.priority,
                        "subject": event.subject,
                        "opened_at": event.opened_at,
                    },
                )
                return project_fact(staged, event, delivery.envelope.aggregateversion)
            case OrderPlaced() as event:
                return self._order_placed(batch, delivery, event)
            case OrderPaid() | OrderCancelled() | OrderReturned() as event:
                return self._order_followed_up(batch, delivery, event)
            case PaymentReceived() | PaymentOverdue() as event:
                customer_id = self._customer_of(batch, event.customer_id, event.erp_customer_number)
                if customer_id is None:
                    batch.park(ERP_CUSTOMER + str(event.erp_customer_number), delivery)
                    return None
                return (
                    customer_id if purchases.paid_or_overdue(staged, event, customer_id) else None
                )
            case other:
                return project_fact(staged, other, delivery.envelope.aggregateversion)

    def settle_parked(self, parked_since: datetime | None = None) -> int:
        """Apply the messages parked (since ``parked_since``, or ever) under a reference
        that has become known; return how many.

        A message is parked and its reference linked in the same transaction or in
        later ones, which then release it. On PostgreSQL with several replicas, one
        transaction may park a message while a concurrent one links its reference,
        neither seeing the other's change: this sweep applies what such a race left
        behind (and what those messages released in turn).
        """
        settled = 0
        while settling := self._settle_known(parked_since):
            settled += settling
        return settled

    def settling_parked(self) -> Callable[[], int]:
        """The periodic sweep: everything the first time, then what was parked since the
        previous sweep began (a minute's margin): the race is between concurrent
        transactions, so older messages were settled already."""
        previous: datetime | None = None

        def sweep() -> int:
            nonlocal previous
            began = datetime.now(UTC)
            settled = self.settle_parked(
                None if previous is None else previous - timedelta(minutes=1)
            )
            previous = began
            return settled

        return sweep

    def _settle_known(self, parked_since: datetime | None) -> int:
        with self.store.changing() as connection:
            aliases = references.linked_while_waited_for(connection, parked_since)
            parked = references.parked
            orders_waited_for = (
                select(parked.c.reference)
                .join(orders, orders.c.order_id == func.substr(parked.c.reference, len(ORDER) + 1))
                .where(parked.c.reference.startswith(ORDER))
                .distinct()
            )
            if parked_since is not None:
                orders_waited_for = orders_waited_for.where(parked.c.parked_at >= parked_since)
            known = set(aliases) | set(connection.scalars(orders_waited_for))
            if not known:
                return 0
            batch = _Batch(Staged(connection), aliases, known)
            settled = 0
            for reference in sorted(known):
                for delivery in batch.release(reference):
                    self._project(batch, delivery)
                    settled += 1
            batch.finish()
        return settled

    def keys_of(self, delivery: Delivery) -> Iterable[str]:
        customer_id = vars(delivery.event).get("customer_id")  # a field, if the event has it
        return (customer_id,) if isinstance(customer_id, str) else ()

    def _learn(self, batch: _Batch, erp_customer_number: str, customer_id: str) -> None:
        """An ERP number is now known: apply what waited for it."""
        for waiting in batch.link(ERP_CUSTOMER + erp_customer_number, customer_id):
            self._project(batch, waiting)

    def _customer_of(
        self, batch: _Batch, customer_id: str | None, erp_customer_number: str | None
    ) -> str | None:
        """The customer an ERP message is about: named, or known by its ERP number; a
        customer merged into another is the survivor."""
        if not customer_id:
            customer_id = batch.resolve(ERP_CUSTOMER + str(erp_customer_number))
        if customer_id is None:
            return None
        return batch.resolve(MERGED + customer_id) or customer_id

    def _erase(self, batch: _Batch, event: CustomerErased) -> None:
        """The right to erasure: the profile's personal fields, the consents and the
        timeline entries that carried them are gone, from the time-travel history too;
        orders, cases and points stay, filed under the bare customer id."""
        self.store.build_deferred_indexes(batch.staged.connection)  # finds the timeline's
        key = {"customer_id": event.customer_id}
        batch.staged.upsert(profiles, key, dict.fromkeys(PERSONAL_FIELDS))
        batch.staged.upsert(consents, key, {"consents": [], "changed_at": event.erased_at})
        batch.staged.upsert(erasures, key, {"erased_at": event.erased_at})
        batch.staged.execute(
            delete(timeline.timeline)
            .where(timeline.timeline.c.customer_id == event.customer_id)
            .where(timeline.timeline.c.type.in_(PERSONAL_EVENTS))
        )

    def _merge(self, batch: _Batch, event: CustomerMerged) -> None:
        """Two records were one person: the merged one's history (orders, payments,
        cases, pipeline, points, timeline) moves to the survivor, its ERP numbers name
        the survivor, and later messages naming it count for the survivor."""
        self.store.build_deferred_indexes(batch.staged.connection)  # finds what moves
        survivor, merged = event.customer_id, event.merged_customer_id
        staged = batch.staged
        for table in MOVED_ON_MERGE:
            staged.execute(
                update(table).where(table.c.customer_id == merged).values(customer_id=survivor)
            )
        staged.execute(
            update(references.aliases)
            .where(references.aliases.c.target_id == merged)
            .values(target_id=survivor)
        )
        staged.execute(delete(profiles).where(profiles.c.customer_id == merged))
        staged.execute(delete(loyalty_accounts).where(loyalty_accounts.c.customer_id == merged))
        staged.execute(delete(consents).where(consents.c.customer_id == merged))
        staged.upsert(
            merges,
            {"merged_customer_id": merged},
            {"survivor_id": survivor, "merged_at": event.merged_at},
        )
        batch.aliases = {
            reference: survivor if target == merged else target
            for reference, target in batch.aliases.items()
        }
        batch.link(MERGED + merged, survivor)

    def _order_placed(self, batch: _Batch, delivery: Delivery, event: OrderPlaced) -> str | None:
        if event.customer_id and event.erp_customer_number:
            self._learn(batch, event.erp_customer_number, event.customer_id)
        customer_id = self._customer_of(batch, event.customer_id, event.erp_customer_number)
        if customer_id is None:
            batch.park(ERP_CUSTOMER + str(event.erp_customer_number), delivery)
            return None
        if not purchases.placed(batch.staged, event, customer_id):
            return None  # sent again: the order and what waited for it are applied
        for waiting in batch.release(ORDER + event.order_id):
            self._project(batch, waiting)
        return customer_id

    def _order_followed_up(
        self,
        batch: _Batch,
        delivery: Delivery,
        event: OrderPaid | OrderCancelled | OrderReturned,
    ) -> str | None:
        """Apply a follow-up naming only the order; return the order's customer, or None
        when the order is still on its way or knew this already."""
        order = batch.staged.row(orders, {"order_id": event.order_id})
        if order is None:  # the order itself has not been applied yet
            batch.park(ORDER + event.order_id, delivery)
            return None
        if not purchases.followed_up(batch.staged, order, event):
            return None
        customer_id: str = order["customer_id"]
        return customer_id

    # queries

    def view(self, customer_id: str) -> dict[str, Any] | None:
        asked = {"customer_id": customer_id}
        with self.store.reading() as connection:
            person = connection.execute(lookups.PERSON, asked).mappings().first()
            account = connection.execute(lookups.ACCOUNT, asked).mappings().first()
            customer_cases = connection.execute(lookups.CASES, asked).mappings().all()
            purchases = self._purchases(connection, asked)
            payment_behaviour = self._payment_behaviour(connection, asked)
            open_opportunities = (
                connection.execute(lookups.OPEN_OPPORTUNITIES, asked).mappings().all()
            )
        profile = None if person is None else {c.name: person[c.name] for c in profiles.c}
        if profile is None and account is None and not customer_cases and not purchases["orders"]:
            return None
        open_cases = [c for c in customer_cases if c["status"] not in ("resolved", "closed")]
        scores = [c["satisfaction"] for c in customer_cases if c["satisfaction"] is not None]
        return {
            "customer_id": customer_id,
            "profile": profile,
            "consents": (person["given"] if person else None) or [],
            "erased_at": person["erased_at"] if person else None,
            "loyalty": dict(account) if account else None,
            "purchases": purchases,
            "payment_behaviour": payment_behaviour,
            "open_opportunities": [dict(o) for o in open_opportunities],
            "cases": {
                "open": len(open_cases),
                "total": len(customer_cases),
                "satisfaction": {
                    "rated": len(scores),
                    "average": round(sum(scores) / len(scores), 2) if scores else None,
                },
                "items": [dict(case) for case in customer_cases],
            },
        }

    def merged_into(self, customer_id: str) -> str | None:
        """The customer this one was merged into, if it was."""
        with self.store.reading() as connection:
            survivor: str | None = connection.scalar(lookups.SURVIVOR, {"customer_id": customer_id})
        return survivor

    def view_as_of(self, customer_id: str, moment: datetime) -> dict[str, Any] | None:
        """The 360 as it stood at ``moment``, rebuilt from the customer's timeline.

        The customer's events up to then are replayed, in the order they were
        applied, through this same projection into a throwaway in-memory
        store: time travel needs no snapshot and answers exactly what the
        live view answered then (as far as its events had arrived).
        """
        with self.store.reading() as connection:
            replayed = timeline.replayable(connection, customer_id, moment)
        if not replayed:
            return None
        scratch = Customer360(ViewStore("sqlite://", metadata))
        try:
            with scratch.store.engine.begin() as connection:
                scratch.project_batch(connection, replayed)
            return scratch.view(customer_id)
        finally:
            scratch.store.close()

    def history(
        self,
        customer_id: str,
        until: datetime | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> timeline.Page:
        """The customer's events, newest first, as known at ``until`` (default: now)."""
        with self.store.reading() as connection:
            return timeline.page(connection, customer_id, until=until, after=after, limit=limit)

    def _purchases(self, connection: Connection, asked: dict[str, str]) -> dict[str, Any]:
        bought = connection.execute(lookups.KEPT_ORDERS, asked).all()
        spent = sum((o.total - o.returned_amount for o in bought), Decimal(0))
        by_category: Counter[str] = Counter()
        if bought:
            for line in connection.execute(lookups.KEPT_ORDER_LINES, asked):
                kept = line.quantity - line.returned_quantity
                by_category[line.category] += int(kept * line.unit_price * 100)  # cents
        return {
            "orders": len(bought),
            "total_spent": str(spent.quantize(Decimal("0.01"))),
            "average_order_value": str((spent / len(bought)).quantize(Decimal("0.01")))
            if bought
            else None,
            "last_purchase_at": max((o.placed_at for o in bought), default=None),
            "favourite_categories": [category for category, _ in by_category.most_common(3)],
        }

    def _payment_behaviour(self, connection: Connection, asked: dict[str, str]) -> dict[str, Any]:
        invoices = connection.execute(lookups.INVOICES, asked).all()
        overdue = [p for p in invoices if p.status == "overdue"]
        return {
            "invoices_paid": sum(1 for p in invoices if p.status == "received"),
            "invoices_overdue": len(overdue),
            "max_days_overdue": max((p.days_overdue or 0 for p in overdue), default=0),
        }

    def unresolved_orders(self) -> list[dict[str, Any]]:
        """Orders kept aside because the ERP customer they name is not known yet."""
        with self.store.reading() as connection:
            waiting = references.waiting(connection, ERP_CUSTOMER)
        return [
            {
                "erp_customer_number": p.reference.removeprefix(ERP_CUSTOMER),
                "event_type": p.event_type,
                "subject": p.subject,
                "topic": p.topic,
                "offset": p.offset,
                "parked_at": p.parked_at,
            }
            for p in waiting
        ]

    def order_book(self) -> dict[str, list[Order]]:
        """Every customer's orders that were not cancelled, at what was kept after returns."""
        with self.store.reading() as connection:
            rows = connection.execute(
                select(
                    orders.c.customer_id,
                    orders.c.placed_at,
                    orders.c.total,
                    orders.c.returned_amount,
                ).where(orders.c.status != "cancelled")
            ).all()
        book: dict[str, list[Order]] = {}
        for row in rows:
            placed_at = row.placed_at
            if placed_at.tzinfo is None:  # SQLite forgets the zone; we store UTC
                placed_at = placed_at.replace(tzinfo=UTC)
            book.setdefault(row.customer_id, []).append(
                Order(placed_at, row.total - row.returned_amount)
            )
        return book


@dataclass
class _Batch:
    """What the projection works with while it applies one batch: the staged changes,
    the ERP numbers the batch names that are known, and which references it names have
    messages parked under them; each read once for the batch, since nearly every
    message would otherwise ask."""

    staged: Staged
    aliases: dict[str, str]
    parked: set[str]
    held: dict[str, list[Delivery]] = field(default_factory=dict)  # parked during the batch
    looked_up: set[str] = field(default_factory=set)  # references ``aliases`` answers for
    asked_parked: set[str] = field(default_factory=set)  # references ``parked`` answers for

    @classmethod
    def reading_ahead(cls, connection: Connection, deliveries: Sequence[Delivery]) -> _Batch:
        followed_up: list[str] = []  # orders, placed or followed up
        returned: list[str] = []
        invoices: list[str] = []
        named: list[str] = []  # ERP customer numbers
        customers: list[str] = []  # customers named, perhaps merged since
        placed: list[str] = []
        for delivery in deliveries:
            match delivery.event:
                case OrderReturned(order_id=order_id):
                    followed_up.append(order_id)
                    returned.append(order_id)
                case OrderPaid(order_id=order_id) | OrderCancelled(order_id=order_id):
                    followed_up.append(order_id)
                case OrderPlaced(order_id=order_id):
                    followed_up.append(order_id)
                    placed.append(ORDER + order_id)
                case PaymentReceived(invoice_id=invoice_id) | PaymentOverdue(invoice_id=invoice_id):
                    invoices.append(invoice_id)
            # a model's fields are its instance dict: getattr would raise for most events
            if number := vars(delivery.event).get("erp_customer_number"):
                named.append(ERP_CUSTOMER + number)
            # every message naming a customer asks whether it was merged (_survivor_of)
            if isinstance(customer_id := vars(delivery.event).get("customer_id"), str):
                customers.append(MERGED + customer_id)
        staged = Staged(connection)
        staged.prefetch(orders, followed_up)
        staged.prefetch(payments, invoices)
        staged.prefetch_under(order_lines, returned)
        looked_up = set(named + customers)
        aliases = references.resolve_many(connection, looked_up)
        # the customers the ERP numbers name may have been merged since
        numbers = set(named)
        survivors = {
            MERGED + target for reference, target in aliases.items() if reference in numbers
        } - looked_up
        aliases.update(references.resolve_many(connection, survivors))
        asked = named + placed
        batch = cls(staged, aliases, references.parked_among(connection, asked))
        batch.looked_up = looked_up | survivors
        batch.asked_parked = set(asked)
        return batch

    def resolve(self, reference: str) -> str | None:
        if reference not in self.looked_up:  # not read ahead (e.g. a released message's)
            self.looked_up.add(reference)
            if (target := references.resolve(self.staged.connection, reference)) is not None:
                self.aliases[reference] = target
        return self.aliases.get(reference)

    def park(self, reference: str, delivery: Delivery) -> None:
        self.held.setdefault(reference, []).append(delivery)

    def release(self, reference: str) -> list[Delivery]:
        """What waited for ``reference``: parked in the store and held by this batch. A
        reference not read ahead (a released order's own) is asked of the store."""
        stored = []
        if reference in self.parked or reference not in self.asked_parked:
            self.parked.discard(reference)
            self.asked_parked.add(reference)
            stored = references.release(self.staged.connection, reference)
        return stored + self.held.pop(reference, [])

    def finish(self) -> None:
        """Write what the batch changed, and park what still waits."""
        references.park_many(
            self.staged.connection,
            [(reference, waiting) for reference, held in self.held.items() for waiting in held],
        )
        self.staged.flush()

    def link(self, reference: str, target_id: str) -> list[Delivery]:
        self.looked_up.add(reference)
        if self.aliases.get(reference) != target_id:
            self.aliases[reference] = target_id
            alias = {"reference": reference}
            self.staged.upsert(references.aliases, alias, {"target_id": target_id})
        return self.release(reference)
