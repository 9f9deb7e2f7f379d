"""Comparing the CRM's customer master with the ERP's customer records."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields

COMPARED = ("erp_customer_number", "first_name", "last_name", "email")


@dataclass(frozen=True)
class CustomerRecord:
    customer_id: str | None
    erp_customer_number: str | None
    first_name: str
    last_name: str
    email: str | None


@dataclass(frozen=True)
class Difference:
    crm: CustomerRecord
    erp: CustomerRecord
    fields: tuple[str, ...]


@dataclass
class Report:
    missing_in_erp: list[CustomerRecord] = field(default_factory=list)
    extra_in_erp: list[CustomerRecord] = field(default_factory=list)
    differing: list[Difference] = field(default_factory=list)

    @property
    def in_sync(self) -> bool:
        return not (self.missing_in_erp or self.extra_in_erp or self.differing)


def _normalized(value: str | None) -> str | None:
    return value.strip().casefold() if value else None


def reconcile(crm: Iterable[CustomerRecord], erp: Iterable[CustomerRecord]) -> Report:
    """Match ERP records to CRM customers by CRM id, else by ERP number, and compare them.

    E-mails and names are compared case-insensitively: the ERP may store them
    in capitals without the record being different.
    """
    crm_records = list(crm)
    by_id: dict[str | None, CustomerRecord] = {r.customer_id: r for r in crm_records}
    by_number: dict[str | None, CustomerRecord] = {
        r.erp_customer_number: r for r in crm_records if r.erp_customer_number
    }
    by_id.pop(None, None)
    report = Report()
    matched: set[str | None] = set()
    for erp_record in erp:
        crm_record = by_id.get(erp_record.customer_id) or by_number.get(
            erp_record.erp_customer_number
        )
        if crm_record is None:
            report.extra_in_erp.append(erp_record)
            continue
        matched.add(crm_record.customer_id)
        differing = tuple(
            name
            for name in COMPARED
            if _normalized(getattr(crm_record, name)) != _normalized(getattr(erp_record, name))
        )
        if differing:
            report.differing.append(Difference(crm_record, erp_record, differing))
    report.missing_in_erp = [r for r in crm_records if r.customer_id not in matched]
    return report


RECORD_FIELDS = tuple(f.name for f in fields(CustomerRecord))
