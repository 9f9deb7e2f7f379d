"""The ERP's customer snapshot drifts from the CRM by exactly what was asked."""

from __future__ import annotations

from collections import Counter

import pytest

from erpsim import CrmCustomer, erp_customers, snapshot


def test_without_drift_the_snapshot_is_the_erps_customers(
    crm_customers: list[CrmCustomer],
) -> None:
    customers = erp_customers(crm_customers)
    taken = snapshot(customers)
    assert list(taken.rows) == customers
    assert taken.differences == ()


@pytest.mark.parametrize("drift", [1, 2, 7, 30])
def test_drift_introduces_exactly_that_many_findable_differences(
    crm_customers: list[CrmCustomer], drift: int
) -> None:
    customers = erp_customers(crm_customers)
    by_number = {c.erp_customer_number: c for c in customers}
    taken = snapshot(customers, drift=drift, seed=5)
    rows = {r.erp_customer_number: r for r in taken.rows}
    assert len(taken.differences) == drift
    assert len({d.erp_customer_number for d in taken.differences}) == drift
    kinds = Counter(d.kind for d in taken.differences)
    if drift >= 3:  # the kinds take turns
        assert set(kinds) == {"missing", "extra", "changed_email"}
        assert max(kinds.values()) - min(kinds.values()) <= 1
    for difference in taken.differences:
        number = difference.erp_customer_number
        if difference.kind == "missing":
            assert number in by_number
            assert number not in rows
        elif difference.kind == "extra":
            assert number not in by_number
            assert rows[number].customer_id is None
        else:
            assert rows[number].email == difference.snapshot_email
            assert by_number[number].email == difference.crm_email != difference.snapshot_email
    untouched = set(by_number) - {d.erp_customer_number for d in taken.differences}
    assert all(rows[n] == by_number[n] for n in untouched)


def test_drift_is_deterministic_for_a_seed(crm_customers: list[CrmCustomer]) -> None:
    customers = erp_customers(crm_customers)
    assert snapshot(customers, drift=6, seed=1) == snapshot(customers, drift=6, seed=1)
    assert snapshot(customers, drift=6, seed=1) != snapshot(customers, drift=6, seed=2)


def test_drift_beyond_the_customers_the_crm_knows_becomes_extras() -> None:
    customers = erp_customers([CrmCustomer("only", "Ona", "Lee", "ona@example.com")])
    taken = snapshot(customers, drift=5, seed=0)
    assert len(taken.differences) == 5
    assert Counter(d.kind for d in taken.differences)["extra"] >= 4
