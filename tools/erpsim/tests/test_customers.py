"""The ERP learns the CRM's customers and numbers them its own, stable way."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import EmailStr, TypeAdapter

from contracts.customers import (
    CustomerErased,
    CustomerMerged,
    CustomerProfileChanged,
    CustomerRegistered,
)
from erpsim import (
    CrmCustomer,
    ErpCustomer,
    erp_customers,
    fold_customer_events,
    read_customers_csv,
    synthetic_crm_customers,
    unknown_customers,
    write_customers_csv,
)

NUMBER = re.compile(r"^ERP-\d{6}$")
NOW = datetime(2025, 3, 1, tzinfo=UTC)


def test_customers_keep_the_erp_number_they_registered_with(
    crm_customers: list[CrmCustomer],
) -> None:
    numbered = {c.customer_id: c.erp_customer_number for c in erp_customers(crm_customers)}
    for customer in crm_customers:
        if customer.erp_customer_number:
            assert numbered[customer.customer_id] == customer.erp_customer_number
        else:
            assert NUMBER.match(numbered[customer.customer_id])
    assert len(set(numbered.values())) == len(numbered)


def test_a_customers_assigned_number_does_not_depend_on_the_other_customers(
    crm_customers: list[CrmCustomer],
) -> None:
    everyone = {c.customer_id: c.erp_customer_number for c in erp_customers(crm_customers)}
    half = {c.customer_id: c.erp_customer_number for c in erp_customers(crm_customers[::2])}
    assert all(everyone[customer_id] == number for customer_id, number in half.items())


def test_two_customers_claiming_one_number_leave_it_to_the_smaller_id() -> None:
    a = CrmCustomer("a", "Ann", "A", erp_customer_number="ERP-000042")
    b = CrmCustomer("b", "Ben", "B", erp_customer_number="ERP-000042")
    numbered = {c.customer_id: c.erp_customer_number for c in erp_customers([b, a])}
    assert numbered["a"] == "ERP-000042"
    assert numbered["b"] != "ERP-000042"


def test_unknown_customers_are_numbered_apart_from_crm_customers_with_valid_emails() -> None:
    people = unknown_customers(seed=4, count=50, taken=(), tag="walk-in")
    assert len({p.erp_customer_number for p in people}) == 50
    assert all(int(p.erp_customer_number[4:]) >= 800_000 for p in people)
    assert all(p.customer_id is None and not p.known_to_crm for p in people)
    emails = TypeAdapter(EmailStr)
    assert all(emails.validate_python(p.email) == p.email for p in people)
    assert unknown_customers(seed=4, count=50, taken=(), tag="walk-in") == people


def test_synthetic_customers_are_the_same_for_a_seed_and_valid_for_the_crm() -> None:
    people = synthetic_crm_customers(30, seed=1)
    assert people == synthetic_crm_customers(30, seed=1)
    assert people != synthetic_crm_customers(30, seed=2)
    emails = TypeAdapter(EmailStr)
    for person in people:
        CustomerRegistered(
            customer_id=person.customer_id,
            first_name=person.first_name,
            last_name=person.last_name,
            email=emails.validate_python(person.email),
            source="test",
            registered_at=NOW,
        )


def registered(customer_id: str, number: str | None = None) -> CustomerRegistered:
    return CustomerRegistered(
        customer_id=customer_id,
        first_name="F" + customer_id,
        last_name="L" + customer_id,
        email=f"{customer_id}@example.com",
        source="web",
        erp_customer_number=number,
        registered_at=NOW,
    )


def test_the_crm_feed_keeps_profile_changes_and_learned_numbers() -> None:
    customers = fold_customer_events(
        [
            registered("c1"),
            registered("c2", "ERP-000777"),
            CustomerProfileChanged(customer_id="c1", email="new@example.com", changed_at=NOW),
            CustomerProfileChanged(
                customer_id="c1", erp_customer_number="ERP-000123", changed_at=NOW
            ),
        ]
    )
    assert customers == [
        CrmCustomer("c1", "Fc1", "Lc1", "new@example.com", None, "ERP-000123"),
        CrmCustomer("c2", "Fc2", "Lc2", "c2@example.com", None, "ERP-000777"),
    ]


def test_the_crm_feed_forgets_merged_and_erased_customers_whatever_the_partition_order() -> None:
    customers = fold_customer_events(
        [
            CustomerMerged(customer_id="c1", merged_customer_id="c2", merged_at=NOW),
            CustomerErased(customer_id="c3", erased_at=NOW),
            registered("c1"),
            registered("c2", "ERP-000555"),
            registered("c3"),
        ]
    )
    assert [(c.customer_id, c.erp_customer_number) for c in customers] == [("c1", "ERP-000555")]


def test_customers_survive_a_csv_round_trip(
    tmp_path: Path, crm_customers: list[CrmCustomer]
) -> None:
    customers = [
        *erp_customers(crm_customers),
        ErpCustomer("ERP-900001", None, "Walk", "In", None),
    ]
    path = tmp_path / "customers.csv"
    write_customers_csv(path, customers)
    assert path.read_text().splitlines()[0] == (
        "erp_customer_number,customer_id,first_name,last_name,email"
    )
    assert read_customers_csv(path) == sorted(
        [
            ErpCustomer(c.erp_customer_number, c.customer_id, c.first_name, c.last_name, c.email)
            for c in customers
        ],
        key=lambda c: c.erp_customer_number,
    )


def test_a_csv_row_without_a_number_is_numbered_like_a_crm_customer(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text("customer_id,first_name,last_name\nc-9,Nora,Berg\n")
    [customer] = read_customers_csv(path)
    assert customer.customer_id == "c-9"
    assert customer == erp_customers([CrmCustomer("c-9", "Nora", "Berg")])[0]


def test_a_csv_row_naming_no_customer_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text("erp_customer_number,customer_id,first_name,last_name\n,,Nora,Berg\n")
    with pytest.raises(ValueError, match=":2: a row needs"):
        read_customers_csv(path)
