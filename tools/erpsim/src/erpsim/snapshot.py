"""The ERP's customer snapshot, optionally drifted from the CRM for reconciliation to find.

Drift kinds:
- ``missing``: a customer the CRM has is not in the snapshot;
- ``extra``: the snapshot has a customer (ERP number, no CRM id) the CRM lacks;
- ``changed_email``: the snapshot's e-mail for a CRM customer differs from the CRM's.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from erpsim.customers import ErpCustomer, unknown_customers
from erpsim.people import DOMAINS, email_of

DriftKind = Literal["missing", "extra", "changed_email"]
KINDS: tuple[DriftKind, ...] = ("missing", "extra", "changed_email")


@dataclass(frozen=True)
class Difference:
    kind: DriftKind
    erp_customer_number: str
    customer_id: str | None
    #: for changed_email: what the CRM has and what the snapshot says
    crm_email: str | None = None
    snapshot_email: str | None = None


@dataclass(frozen=True)
class Snapshot:
    rows: tuple[ErpCustomer, ...]
    differences: tuple[Difference, ...]


def snapshot(customers: Sequence[ErpCustomer], drift: int = 0, seed: int = 0) -> Snapshot:
    """The customers as the ERP lists them, with exactly ``drift`` seeded differences.

    Missing and changed rows are drawn from customers the CRM knows, each at most
    once; when there are too few, the rest of the drift is extras.
    """
    if drift < 0:
        raise ValueError("drift must not be negative")
    rng = random.Random(f"{seed}/snapshot-drift")
    rows = sorted(customers, key=lambda c: c.erp_customer_number)
    wanted = [KINDS[i % len(KINDS)] for i in range(drift)]
    rng.shuffle(wanted)
    candidates = [c for c in rows if c.known_to_crm]
    rng.shuffle(candidates)
    differences: list[Difference] = []
    missing: set[str] = set()
    changed: dict[str, ErpCustomer] = {}
    extras = 0
    for kind in wanted:
        if kind == "extra" or not candidates:
            extras += 1
            continue
        customer = candidates.pop()
        number = customer.erp_customer_number
        if kind == "missing":
            missing.add(number)
            differences.append(Difference("missing", number, customer.customer_id))
        else:
            email = _other_email(rng, customer)
            changed[number] = replace(customer, email=email)
            differences.append(
                Difference("changed_email", number, customer.customer_id, customer.email, email)
            )
    new_rows = unknown_customers(
        seed, extras, taken=(c.erp_customer_number for c in rows), tag="snapshot-extra"
    )
    differences.extend(Difference("extra", c.erp_customer_number, None) for c in new_rows)
    drifted = [
        changed.get(c.erp_customer_number, c) for c in rows if c.erp_customer_number not in missing
    ]
    return Snapshot(
        rows=tuple(sorted([*drifted, *new_rows], key=lambda c: c.erp_customer_number)),
        differences=tuple(sorted(differences, key=lambda d: (d.kind, d.erp_customer_number))),
    )


def _other_email(rng: random.Random, customer: ErpCustomer) -> str:
    while True:
        email = email_of(
            customer.first_name,
            customer.last_name,
            rng.randrange(1000, 10_000),
            rng.choice(DOMAINS),
        )
        if email != customer.email:
            return email
