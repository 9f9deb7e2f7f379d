"""The command line plans, snapshots and summarises without a broker when it needs none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contracts import decode
from erpsim import CrmCustomer, erp_customers, read_customers_csv, write_customers_csv
from erpsim.cli import main


@pytest.fixture
def customers_csv(tmp_path: Path, crm_customers: list[CrmCustomer]) -> Path:
    path = tmp_path / "customers.csv"
    write_customers_csv(path, erp_customers(crm_customers))
    return path


def test_plan_writes_the_same_json_lines_for_the_same_seed(
    customers_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["plan", "--customers-csv", str(customers_csv), "--seed", "3", "--orders", "40"]
    assert main([*args, "--out", str(tmp_path / "a.jsonl")]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert main([*args, "--out", str(tmp_path / "b.jsonl")]) == 0
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    lines = (tmp_path / "a.jsonl").read_bytes().splitlines()
    assert len(lines) == summary["messages"] == sum(summary["by_topic"].values())
    first = json.loads(lines[0])
    envelope, _ = decode(first["topic"], json.dumps(first["value"]).encode())
    assert envelope.subject == first["key"]


def test_a_dry_run_summarises_the_plan_with_its_unknown_customers(
    customers_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "run", "--dry-run", "--customers-csv", str(customers_csv), "--orders", "100",
            "--unknown-customer-share", "0.1", "--no-catalogue",
        ]
    )  # fmt: skip
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["orders"] == 100
    assert "erp.products.v1" not in summary["by_topic"]
    assert 1 <= len(summary["unknown_customer_numbers"]) <= 10
    assert "published" not in summary


def test_snapshot_writes_the_drifted_csv_and_lists_the_differences(
    customers_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "erp_customers.csv"
    assert (
        main(["snapshot", "--customers-csv", str(customers_csv), "--out", str(out), "--drift", "4"])
        == 0
    )
    summary = json.loads(capsys.readouterr().out)
    assert len(summary["differences"]) == 4
    assert summary["rows"] == len(read_customers_csv(out))


def test_bad_input_is_a_clear_error_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.csv"
    assert main(["run", "--dry-run", "--customers-csv", str(missing)]) == 2
    assert "nope.csv" in capsys.readouterr().err


@pytest.mark.kafka
def test_run_publishes_the_plan_and_reports_what_the_broker_took(
    kafka_bootstrap_servers: str, customers_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "run", "--bootstrap", kafka_bootstrap_servers, "--customers-csv", str(customers_csv),
            "--seed", "21", "--orders", "25", "--rate", "0", "--no-progress",
        ]
    )  # fmt: skip
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["published"]["messages"] == summary["messages"]
    assert summary["published"]["by_topic"] == summary["by_topic"]


@pytest.mark.kafka
def test_catalogue_publishes_every_product(
    kafka_bootstrap_servers: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["catalogue", "--bootstrap", kafka_bootstrap_servers, "--no-progress"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["published"]["by_topic"] == {"erp.products.v1": summary["products"]}


def test_a_stream_refuses_what_needs_the_whole_plan(
    customers_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = str(tmp_path / "plan.jsonl")
    assert main(["run", "--stream", "--customers-csv", str(customers_csv), "--plan-out", out]) == 2
    assert "--stream publishes as it plans" in capsys.readouterr().err


@pytest.mark.kafka
def test_run_streams_a_long_simulation_day_by_day(
    kafka_bootstrap_servers: str, customers_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "run", "--stream", "--bootstrap", kafka_bootstrap_servers, "--customers-csv",
            str(customers_csv), "--seed", "22", "--orders", "60", "--days", "3",
            "--products", "150", "--no-progress",
        ]
    )  # fmt: skip
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    published = summary["published"]["by_topic"]
    assert published["erp.products.v1"] == 150
    assert published["erp.orders.v1"] >= 60
    assert summary["published"]["messages"] == sum(published.values())
