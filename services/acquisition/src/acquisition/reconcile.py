"""``python -m acquisition reconcile --erp-snapshot FILE``: CRM master vs ERP snapshot."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from dataclasses import asdict
from pathlib import Path
from uuid import UUID

from acquisition.app import Acquisition
from acquisition.domain.reconciliation import CustomerRecord, Report, reconcile
from acquisition.views.projection import AcquisitionViews
from servicekit.service import Runtime


def read_snapshot(path: Path) -> list[CustomerRecord]:
    """The ERP's export: erp_customer_number, customer_id, first_name, last_name, email."""
    with path.open(newline="", encoding="utf-8") as export:
        return [
            CustomerRecord(
                customer_id=row.get("customer_id") or None,
                erp_customer_number=row.get("erp_customer_number") or None,
                first_name=row.get("first_name", ""),
                last_name=row.get("last_name", ""),
                email=row.get("email") or None,
            )
            for row in csv.DictReader(export)
        ]


def master_records(app: Acquisition, views: AcquisitionViews) -> list[CustomerRecord]:
    """Every customer record: which customers there are from the customers read model
    (not a scan of the event log), each record as its aggregate holds it. A customer
    registered a moment before the read model caught up is left for the next run."""
    customers = (app.customer(UUID(customer_id)) for customer_id in views.customer_ids())
    return [
        CustomerRecord(
            customer_id=str(customer.id),
            erp_customer_number=customer.erp_customer_number,
            first_name=customer.first_name,
            last_name=customer.last_name,
            email=customer.email,
        )
        for customer in customers
    ]


def render(report: Report) -> str:
    lines = [
        f"missing in the ERP: {len(report.missing_in_erp)}",
        *(
            f"  - {r.customer_id} {r.first_name} {r.last_name} <{r.email}>"
            for r in report.missing_in_erp
        ),
        f"extra in the ERP: {len(report.extra_in_erp)}",
        *(
            f"  - {r.erp_customer_number} {r.first_name} {r.last_name} <{r.email}>"
            for r in report.extra_in_erp
        ),
        f"differing: {len(report.differing)}",
        *(
            f"  - {d.crm.customer_id}: "
            + ", ".join(
                f"{name} CRM={getattr(d.crm, name)!r} ERP={getattr(d.erp, name)!r}"
                for name in d.fields
            )
            for d in report.differing
        ),
        "in sync" if report.in_sync else "NOT in sync",
    ]
    return "\n".join(lines)


def main(runtime: Runtime, argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m acquisition reconcile")
    parser.add_argument("--erp-snapshot", type=Path, required=True, help="the ERP's CSV export")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    arguments = parser.parse_args(argv)
    app = runtime.app
    assert isinstance(app, Acquisition)
    views = next(h for h in runtime.handlers if isinstance(h, AcquisitionViews))
    report = reconcile(master_records(app, views), read_snapshot(arguments.erp_snapshot))
    if arguments.json:
        print(json.dumps(asdict(report), indent=2, default=str))
    else:
        print(render(report))
    return 0 if report.in_sync else 1


if __name__ == "__main__":  # pragma: no cover - reached through acquisition.__main__
    sys.exit(2)
