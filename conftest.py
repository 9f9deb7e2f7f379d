"""Fixtures shared by every test tier: the two real event stores."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import MetaData

from servicekit.settings import ServiceSettings
from servicekit.views import ViewStore

SettingsFactory = Callable[[str], ServiceSettings]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_settings(request: pytest.FixtureRequest, tmp_path: Path) -> SettingsFactory:
    """Settings of a service on a fresh store: a SQLite file, or a new PostgreSQL database."""

    def settings(service_name: str) -> ServiceSettings:
        if request.param == "sqlite":
            return ServiceSettings(service_name=service_name, port=0, var_dir=tmp_path / "var")
        new_database = request.getfixturevalue("postgres_dsn_factory")
        dsn = new_database(f"{service_name}_{uuid4().hex[:12]}")
        return ServiceSettings(
            service_name=service_name, port=0, event_store="postgres", postgres_dsn=dsn
        )

    return settings


@pytest.fixture
def view_stores(tmp_path: Path) -> Iterator[Callable[[MetaData], ViewStore]]:
    """Fresh read-model stores, each on a SQLite file of its own, closed after the test."""
    made: list[ViewStore] = []

    def new(metadata: MetaData) -> ViewStore:
        store = ViewStore(f"sqlite:///{tmp_path}/views-{len(made)}.sqlite", metadata)
        made.append(store)
        return store

    yield new
    for store in made:
        store.close()
