"""Reconciling the customer master with the ERP's snapshot."""

from __future__ import annotations

import csv
from pathlib import Path
from uuid import uuid4

from acquisition.app import Acquisition
from acquisition.domain.reconciliation import CustomerRecord, reconcile
from acquisition.outbox import to_integration_event
from acquisition.reconcile import master_records, read_snapshot
from acquisition.views import metadata
from acquisition.views.projection import AcquisitionViews
from servicekit.eventstore import store_environment
from servicekit.loopback import deliver_log


def record(
    customer_id: str | None,
    number: str | None,
    email: str | None = "a@example.com",
    first_name: str = "Ada",
) -> CustomerRecord:
    return CustomerRecord(customer_id, number, first_name, "Lovelace", email)


def test_records_in_both_systems_that_agree_are_in_sync() -> None:
    report = reconcile([record("c-1", "ERP-1")], [record("c-1", "ERP-1", email="A@EXAMPLE.COM")])

    assert report.in_sync


def test_missing_extra_and_differing_records_are_reported() -> None:
    crm = [record("c-1", "ERP-1"), record("c-2", None), record("c-3", "ERP-3")]
    erp = [
        record(None, "ERP-1", email="ada@elsewhere.example"),  # matched by ERP number
        record("c-3", "ERP-33"),  # matched by CRM id, number differs
        record(None, "ERP-9"),  # the CRM never heard of it
    ]

    report = reconcile(crm, erp)

    assert [r.customer_id for r in report.missing_in_erp] == ["c-2"]
    assert [r.erp_customer_number for r in report.extra_in_erp] == ["ERP-9"]
    assert {(d.crm.customer_id, d.fields) for d in report.differing} == {
        ("c-1", ("email",)),
        ("c-3", ("erp_customer_number",)),
    }


def test_the_master_is_read_from_the_customers_read_model_and_the_snapshot_from_csv(
    store_settings, view_stores, tmp_path: Path
) -> None:
    app = Acquisition(store_environment(store_settings("acquisition")))
    ada = app.register_customer(
        uuid4(),
        "Ada",
        "Lovelace",
        "ada@example.com",
        None,
        None,
        None,
        "store",
        erp_customer_number="ERP-1",
    )
    app.register_customer(uuid4(), "Grace", "Hopper", "grace@example.com", None, None, None, "web")
    snapshot = tmp_path / "erp.csv"
    with snapshot.open("w", newline="") as export:
        writer = csv.DictWriter(
            export, ["erp_customer_number", "customer_id", "first_name", "last_name", "email"]
        )
        writer.writeheader()
        writer.writerow(
            {
                "erp_customer_number": "ERP-1",
                "customer_id": str(ada.id),
                "first_name": "Ada",
                "last_name": "Lovelace",
                "email": "ada@example.com",
            }
        )

    views = AcquisitionViews(view_stores(metadata))
    deliver_log(app, to_integration_event, views, "/crm/acquisition")  # as over Kafka

    report = reconcile(master_records(app, views), read_snapshot(snapshot))

    assert [r.first_name for r in report.missing_in_erp] == ["Grace"]
    assert not report.extra_in_erp
    assert not report.differing
    app.close()
