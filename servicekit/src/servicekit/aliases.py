"""References another system uses for our entities, and messages waiting for one.

Another system may name an entity by its own reference (the ERP's customer
number) or name one we have not heard of yet (a shipment of an order whose
placement is still on its way, an order of a customer not registered yet).
Such a message is *parked* under the reference inside the projection's
transaction, and handed back when the reference becomes known, so it is
applied late instead of dropped or dead-lettered.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import (
    BigInteger,
    BindParameter,
    Column,
    Connection,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    Select,
    String,
    Table,
    bindparam,
    delete,
    func,
    select,
)

from contracts import decode
from servicekit.consumer import Delivery
from servicekit.keysets import among, keys, rows_among
from servicekit.upserts import upsert


@dataclass(frozen=True)
class Parked:
    reference: str
    topic: str
    offset: int
    event_type: str
    subject: str
    parked_at: datetime


class AliasBook:
    """Tables ``aliases`` and ``parked_messages`` in a projection's metadata."""

    def __init__(self, metadata: MetaData) -> None:
        self.aliases = Table(
            "aliases",
            metadata,
            Column("reference", String(200), primary_key=True),
            Column("target_id", String(200), nullable=False),
        )
        self.parked = Table(
            "parked_messages",
            metadata,
            Column("id", Integer, primary_key=True, autoincrement=True),
            Column("reference", String(200), nullable=False, index=True),
            Column("topic", String(200), nullable=False),
            Column("partition", Integer, nullable=False),
            Column("offset", BigInteger, nullable=False),
            Column("event_type", String(100), nullable=False),
            Column("subject", String(200), nullable=False),
            Column("envelope", LargeBinary, nullable=False),
            Column("parked_at", DateTime(timezone=True), server_default=func.now(), index=True),
        )

        # prepared once: these run for nearly every message of a projection
        named: BindParameter[str] = bindparam("reference")
        self._resolve = select(self.aliases.c.target_id).where(self.aliases.c.reference == named)
        self._unpark = (
            delete(self.parked).where(self.parked.c.reference == named).returning(self.parked)
        )

    def resolve(self, connection: Connection, reference: str) -> str | None:
        target: str | None = connection.scalar(self._resolve, {"reference": reference})
        return target

    def resolve_many(self, connection: Connection, references: Iterable[str]) -> dict[str, str]:
        """The targets of those of these references that are known, in a few queries."""
        found = rows_among(connection, self.aliases, "reference", set(references))
        return {row.reference: row.target_id for row in found}

    def link(
        self, connection: Connection, reference: str, target_id: str, release: bool = True
    ) -> list[Delivery]:
        """Record that ``reference`` names ``target_id``; return the messages it releases
        (none asked for with ``release=False``: the caller knows none wait, see
        :meth:`parked_among`)."""
        upsert(connection, self.aliases, {"reference": reference}, {"target_id": target_id})
        return self.release(connection, reference) if release else []

    def parked_among(self, connection: Connection, references: Iterable[str]) -> set[str]:
        """Which of these references have messages parked under them, in a few queries:
        a batch asks once instead of once per message."""
        wanted = set(references)
        if not wanted:
            return set()
        dialect = connection.dialect.name
        return set(connection.scalars(_parked_among(dialect, self.parked), keys(dialect, wanted)))

    def release(self, connection: Connection, reference: str) -> list[Delivery]:
        """The messages parked under ``reference``, in arrival order, now unparked.

        Deleted and returned by one statement: of two transactions releasing the
        same messages, only the one whose delete removed them gets them to apply.
        """
        rows = sorted(
            connection.execute(self._unpark, {"reference": reference}).all(),
            key=lambda row: row.id,
        )
        released = []
        for row in rows:
            envelope, event = decode(row.topic, row.envelope)
            released.append(
                Delivery(row.topic, row.partition, row.offset, row.subject, envelope, event)
            )
        return released

    def park(self, connection: Connection, reference: str, delivery: Delivery) -> None:
        self.park_many(connection, [(reference, delivery)])

    def park_many(self, connection: Connection, waiting: Sequence[tuple[str, Delivery]]) -> None:
        """Park these messages, each under its reference, in one executemany."""
        if not waiting:
            return
        connection.execute(
            self.parked.insert(),
            [
                {
                    "reference": reference,
                    "topic": delivery.topic,
                    "partition": delivery.partition,
                    "offset": delivery.offset,
                    "event_type": delivery.envelope.type,
                    "subject": delivery.envelope.subject,
                    "envelope": delivery.envelope.to_bytes(),
                }
                for reference, delivery in waiting
            ],
        )

    def linked_while_waited_for(
        self, connection: Connection, parked_since: datetime | None = None
    ) -> dict[str, str]:
        """The references messages are parked under (since ``parked_since``, or ever) that
        are linked already, with their targets: usually none (see the race in
        ``Customer360.settle_parked``)."""
        query = (
            select(self.aliases.c.reference, self.aliases.c.target_id)
            .join(self.parked, self.parked.c.reference == self.aliases.c.reference)
            .distinct()
        )
        if parked_since is not None:
            query = query.where(self.parked.c.parked_at >= parked_since)
        return {row.reference: row.target_id for row in connection.execute(query)}

    def waiting(self, connection: Connection, prefix: str = "") -> Sequence[Parked]:
        rows = connection.execute(
            select(self.parked)
            .where(self.parked.c.reference.startswith(prefix))
            .order_by(self.parked.c.id)
        ).all()
        return [
            Parked(r.reference, r.topic, r.offset, r.event_type, r.subject, r.parked_at)
            for r in rows
        ]


@lru_cache(maxsize=16)
def _parked_among(dialect: str, parked: Table) -> Select[tuple[str]]:
    reference = parked.c.reference
    return select(reference).where(among(dialect, reference)).distinct()
