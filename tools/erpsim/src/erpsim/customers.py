"""The ERP's customers: those it learned from the CRM, numbered its own way, and walk-ins.

The ERP keeps the number a customer registered with (``erp_customer_number`` on
``CustomerRegistered`` or ``CustomerProfileChanged``); every other CRM customer
gets a number derived from their CRM id alone, so it is the same in every run
whatever the seed or the other customers (two ids wanting the same number: the
smaller id keeps it, the other takes the next free one). CRM customers are
numbered in ``ERP-000001..ERP-799999``; customers the CRM has never seen
(walk-ins, snapshot extras) in ``ERP-800000..ERP-999999``, so they never clash
with a CRM customer's number from another run.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from erpsim.ids import (
    KNOWN_NUMBERS,
    UNKNOWN_NUMBERS,
    Ids,
    customer_number_hint,
    free_number,
)
from erpsim.people import invent_person

CSV_COLUMNS = ("erp_customer_number", "customer_id", "first_name", "last_name", "email")


@dataclass(frozen=True)
class CrmCustomer:
    """A customer as the CRM published them on ``crm.customers.v1``."""

    customer_id: str
    first_name: str
    last_name: str
    email: str | None = None
    company: str | None = None
    erp_customer_number: str | None = None


@dataclass(frozen=True)
class ErpCustomer:
    """A customer of the ERP; ``customer_id``: the CRM's id, None if the CRM does not know them."""

    erp_customer_number: str
    customer_id: str | None
    first_name: str
    last_name: str
    email: str | None = None
    company: str | None = None

    @property
    def known_to_crm(self) -> bool:
        return self.customer_id is not None


def erp_customers(
    crm_customers: Iterable[CrmCustomer], existing: Iterable[ErpCustomer] = ()
) -> list[ErpCustomer]:
    """The ERP's view of the CRM's customers (plus ``existing`` ones), sorted by ERP number."""
    result = list(existing)
    taken = {customer.erp_customer_number for customer in result}
    unnumbered: list[CrmCustomer] = []
    for crm in sorted(crm_customers, key=lambda c: c.customer_id):
        number = crm.erp_customer_number
        if number and number not in taken:
            taken.add(number)
            result.append(_as_erp(crm, number))
        else:  # no number, or one already held by another customer: the ERP numbers them
            unnumbered.append(crm)
    for crm in unnumbered:
        number = free_number(customer_number_hint(crm.customer_id), KNOWN_NUMBERS, taken)
        result.append(_as_erp(crm, number))
    return sorted(result, key=lambda c: c.erp_customer_number)


def _as_erp(crm: CrmCustomer, number: str) -> ErpCustomer:
    return ErpCustomer(
        erp_customer_number=number,
        customer_id=crm.customer_id,
        first_name=crm.first_name,
        last_name=crm.last_name,
        email=crm.email,
        company=crm.company,
    )


def unknown_customers(seed: int, count: int, taken: Iterable[str], tag: str) -> list[ErpCustomer]:
    """``count`` customers the CRM does not know, with seeded numbers, names and e-mails."""
    ids = Ids(seed)
    used = set(taken)
    people = []
    for index in range(count):
        name = f"{tag}/{index}"
        first, last, email = invent_person(random.Random(f"{seed}/{name}"))
        number = free_number(ids.number_hint(name, UNKNOWN_NUMBERS), UNKNOWN_NUMBERS, used)
        people.append(ErpCustomer(number, None, first, last, email))
    return people


def synthetic_crm_customers(count: int, seed: int = 0) -> list[CrmCustomer]:
    """Stand-ins for CRM customers when no CRM is at hand (benchmarks): ids are uuid5s."""
    ids = Ids(seed)
    people = []
    for index in range(count):
        rng = random.Random(f"{seed}/synthetic/{index}")
        first, last, email = invent_person(rng)
        company = f"{last} {rng.choice(('GmbH', 'B.V.', 'S.L.', 'SARL', 'Ltd'))}"
        people.append(
            CrmCustomer(
                customer_id=str(ids.uuid(f"customer/{index}")),
                first_name=first,
                last_name=last,
                email=email,
                company=company if rng.random() < 0.08 else None,
            )
        )
    return people


def read_customers_csv(path: Path) -> list[ErpCustomer]:
    """Customers from a CSV with the snapshot's columns (``company`` optional).

    A row without an ERP number is numbered as a CRM customer; a row without a
    ``customer_id`` is an ERP customer the CRM does not know.
    """
    with path.open(newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        missing = {"customer_id", "first_name", "last_name"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: missing columns {', '.join(sorted(missing))}")
        numbered: list[ErpCustomer] = []
        unnumbered: list[CrmCustomer] = []
        for line, row in enumerate(reader, start=2):
            number = (row.get("erp_customer_number") or "").strip() or None
            customer_id = (row.get("customer_id") or "").strip() or None
            first = (row.get("first_name") or "").strip()
            last = (row.get("last_name") or "").strip()
            email = (row.get("email") or "").strip() or None
            company = (row.get("company") or "").strip() or None
            if number:
                numbered.append(ErpCustomer(number, customer_id, first, last, email, company))
            elif customer_id:
                unnumbered.append(CrmCustomer(customer_id, first, last, email, company))
            else:
                raise ValueError(
                    f"{path}:{line}: a row needs an erp_customer_number or a customer_id"
                )
    return erp_customers(unnumbered, existing=numbered)


def write_customers_csv(path: Path, customers: Sequence[ErpCustomer]) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for c in customers:
            writer.writerow(
                (
                    c.erp_customer_number,
                    c.customer_id or "",
                    c.first_name,
                    c.last_name,
                    c.email or "",
                )
            )
