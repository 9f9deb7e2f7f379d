"""One replica publishes a service's log at a time."""

from __future__ import annotations

import pytest

from servicekit.leadership import PostgresAdvisoryLease, SoleReplica, lock_key

pytestmark = pytest.mark.postgres


def test_only_one_replica_holds_the_relay_lease_until_it_lets_go(postgres_dsn_factory) -> None:
    dsn = postgres_dsn_factory("leases")
    first = PostgresAdvisoryLease(dsn, "relay:acquisition", check_every=0)
    second = PostgresAdvisoryLease(dsn, "relay:acquisition", check_every=0)
    other_service = PostgresAdvisoryLease(dsn, "relay:loyalty", check_every=0)

    assert first.hold()
    assert not second.hold()
    assert other_service.hold()
    assert first.hold()  # still held

    first.release()

    assert second.hold()
    second.release()
    other_service.release()


def test_a_replica_whose_connection_died_loses_the_lease_to_another(postgres_dsn_factory) -> None:
    dsn = postgres_dsn_factory("leases")
    first = PostgresAdvisoryLease(dsn, "relay:support", check_every=0)
    second = PostgresAdvisoryLease(dsn, "relay:support", check_every=0)
    assert first.hold()

    assert first._connection is not None
    first._connection.close()  # the replica died: the database lets go of its lock

    assert second.hold()
    assert not first.hold()
    second.release()


def test_the_lock_key_is_stable_and_names_are_distinct() -> None:
    assert lock_key("relay:acquisition") == lock_key("relay:acquisition")
    assert lock_key("relay:acquisition") != lock_key("relay:loyalty")
    assert SoleReplica().hold()
