"""Throwaway PostgreSQL clusters from the installed server binaries."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from devstack.ports import free_port
from devstack.postgres import (
    PostgresCluster,
    external_dsn,
    find_bindir,
    make_scratch_dir,
    with_dbname,
)

pytestmark = pytest.mark.postgres


def test_the_server_binaries_are_found_preferring_version_15() -> None:
    bindir = find_bindir()
    assert (bindir / "pg_ctl").is_file()
    if Path("/usr/lib/postgresql/15/bin/pg_ctl").is_file():
        assert bindir == Path("/usr/lib/postgresql/15/bin")


def test_a_throwaway_cluster_serves_a_freshly_created_database(
    postgres_dsn_factory: Callable[[str], str],
) -> None:
    dsn = postgres_dsn_factory("crm_devstack_smoke")
    assert dsn.endswith("/crm_devstack_smoke")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE events (id bigserial PRIMARY KEY, body jsonb NOT NULL)")
        conn.execute('INSERT INTO events (body) VALUES (\'{"type": "ContactCreated"}\')')
        row = conn.execute("SELECT current_database(), count(*) FROM events").fetchone()
    assert row == ("crm_devstack_smoke", 1)


def test_the_dsn_factory_hands_out_an_empty_database_every_time(
    postgres_dsn_factory: Callable[[str], str],
) -> None:
    dsn = postgres_dsn_factory("crm_devstack_fresh")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE leftover (id int)")
    dsn = postgres_dsn_factory("crm_devstack_fresh")
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*) FROM pg_tables WHERE tablename = 'leftover'").fetchone()
    assert row == (0,)


def test_the_cluster_listens_on_loopback_only_and_allows_200_connections(
    postgres_cluster: PostgresCluster,
) -> None:
    with psycopg.connect(postgres_cluster.dsn()) as conn:
        settings: dict[str, str] = dict(
            conn.execute(
                "SELECT name, setting FROM pg_settings WHERE name IN "
                "('listen_addresses', 'max_connections', 'unix_socket_directories', 'fsync')"
            ).fetchall()
        )
    assert settings["listen_addresses"] == "127.0.0.1"
    assert settings["max_connections"] == "200"
    assert settings["unix_socket_directories"] == str(postgres_cluster.data_dir)
    assert settings["fsync"] == "on"
    pid = postgres_cluster.postmaster_pid()
    assert pid is not None
    if os.geteuid() == 0:
        assert Path(f"/proc/{pid}").stat().st_uid != 0, "the server must not run as root"


def test_creating_a_database_twice_is_harmless(postgres_cluster: PostgresCluster) -> None:
    first = postgres_cluster.create_database("crm_devstack_twice")
    assert postgres_cluster.create_database("crm_devstack_twice") == first
    with psycopg.connect(first) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


@pytest.fixture
def scratch_dir() -> Iterator[Path]:
    # pytest's tmp_path is under a 0700 dir the `postgres` OS user cannot enter
    path = make_scratch_dir("devstack-pg-test-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "devstack.postgres", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_the_cli_starts_idempotently_prints_the_dsn_and_stops(scratch_dir: Path) -> None:
    port = free_port()
    try:
        first = _cli("start", "--port", str(port), cwd=scratch_dir)
        assert first.returncode == 0, first.stderr
        assert first.stdout.strip() == f"postgresql://postgres@127.0.0.1:{port}/postgres"
        with psycopg.connect(first.stdout.strip()) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        again = _cli("start", "--port", str(port), cwd=scratch_dir)
        assert again.returncode == 0, again.stderr
        assert "already running" in again.stderr
        status = _cli("status", cwd=scratch_dir)
        assert status.returncode == 0
        assert status.stdout.strip() == first.stdout.strip()
    finally:
        stop = _cli("stop", cwd=scratch_dir)
    assert stop.returncode == 0, stop.stderr
    assert _cli("stop", cwd=scratch_dir).returncode == 0
    assert _cli("status", cwd=scratch_dir).returncode == 1
    assert not PostgresCluster(scratch_dir / "var" / "postgres").is_running()


def test_a_stopped_cluster_restarts_with_its_data(scratch_dir: Path) -> None:
    cluster = PostgresCluster(scratch_dir / "data", port=free_port())
    with cluster:
        dsn = cluster.create_database("keepme")
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("CREATE TABLE t AS SELECT 42 AS answer")
    assert not cluster.is_running()
    with cluster, psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT answer FROM t").fetchone() == (42,)
    assert not cluster.is_running()


@pytest.mark.parametrize(
    ("dsn", "expected"),
    [
        ("postgresql://u:p@h:5432/postgres", "postgresql://u:p@h:5432/crm"),
        (
            "postgresql://u@h:5432/postgres?sslmode=disable",
            "postgresql://u@h:5432/crm?sslmode=disable",
        ),
        ("postgres://h", "postgres://h/crm"),
        ("host=h port=5 dbname=postgres user=u", "host=h port=5 user=u dbname=crm"),
        ("host=h dbname='my db' user=u", "host=h user=u dbname=crm"),
        ("dbname=postgres host=h", "host=h dbname=crm"),
    ],
)
def test_with_dbname_swaps_the_database_of_url_and_keyword_dsns(dsn: str, expected: str) -> None:
    assert with_dbname(dsn, "crm") == expected


def test_postgres_dsn_in_the_environment_names_an_external_server() -> None:
    assert external_dsn({"POSTGRES_DSN": "postgresql://x@db:5432/app"}) == "postgresql://x@db:5432/app"
    assert external_dsn({}) is None
    port = free_port()  # nothing listens there
    assert external_dsn({"PGHOST": "127.0.0.1", "PGPORT": str(port)}) is None


def test_pg_variables_name_an_external_server_when_it_answers(
    postgres_cluster: PostgresCluster,
) -> None:
    env = {"PGHOST": "127.0.0.1", "PGPORT": str(postgres_cluster.port), "PGUSER": "postgres"}
    assert external_dsn(env) == f"postgresql://postgres@127.0.0.1:{postgres_cluster.port}/postgres"
