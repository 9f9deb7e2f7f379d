"""What every service's HTTP edge does with hostile requests, and what its OpenAPI says.

A kennel service of one route stands in for the four: each builds its HTTP app
with :func:`servicekit.service.create_http_app`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from uuid import UUID

import pytest
from eventsourcing.domain import Aggregate, event
from fastapi import APIRouter, Depends, status
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import Column, DateTime, MetaData, String, Table, insert, select

from servicekit.attachments import attachment
from servicekit.auth import Principal, issue_token, require
from servicekit.eventstore import ServiceApplication, store_environment
from servicekit.problems import MEDIA_TYPE
from servicekit.service import Runtime, application, create_http_app
from servicekit.settings import ServiceSettings
from servicekit.views import ViewStore

PROBLEMS = {"400", "401", "403", "404", "409", "422"}


class Boarder(Aggregate):
    """A dog boarded at the kennel (its own topics: test_event_store has a Dog)."""

    class Registered(Aggregate.Created):
        TOPIC = "test-http-edge:Boarder.Registered"
        name: str

    @event(Registered)
    def __init__(self, name: str) -> None:
        self.name = name


class DogIn(BaseModel):
    name: str


class DogOut(BaseModel):
    dog_id: UUID
    name: str


kennel = APIRouter()
App = Annotated[ServiceApplication, Depends(application(ServiceApplication))]
Keepers = Annotated[Principal, Depends(require("support"))]


@kennel.post("/kennels/{kennel_id}/dogs", status_code=status.HTTP_201_CREATED)
def register_dog(kennel_id: str, body: DogIn, app: App, _: Keepers) -> DogOut:
    dog = Boarder(body.name)
    app.save(dog)
    return DogOut(dog_id=dog.id, name=dog.name)


@pytest.fixture
def settings(tmp_path: Path) -> ServiceSettings:
    return ServiceSettings(
        service_name="kennel",
        port=0,
        var_dir=tmp_path,
        relay_enabled=False,
        consumers_enabled=False,
        kafka_create_topics=False,
        kafka_bootstrap_servers="127.0.0.1:1",
    )


@pytest.fixture
def runtime(settings: ServiceSettings) -> Runtime:
    app = ServiceApplication(store_environment(settings))
    return Runtime(settings=settings, app=app, translate=lambda _: None)


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_http_app(runtime, [kennel], title="kennel")) as test_client:
        yield test_client


@pytest.fixture
def keeper(settings: ServiceSettings) -> dict[str, str]:
    token = issue_token(settings.jwt_signing_key.get_secret_value(), "kim", ["support"])
    return {"Authorization": f"Bearer {token}"}


def stored_events(runtime: Runtime) -> int:
    return runtime.app.recorder.max_notification_id() or 0


def test_header_bytes_that_are_not_text_are_a_bad_request_on_every_route(
    client: TestClient, keeper: dict[str, str], runtime: Runtime
) -> None:
    not_utf8 = "caf\xe9".encode("latin-1")

    health = client.get("/healthz", headers={"X-Correlation-Id": not_utf8})  # type: ignore[dict-item]
    command = client.post(
        "/kennels/k1/dogs",
        json={"name": "Rex"},
        headers={**keeper, "X-Correlation-Id": not_utf8},  # type: ignore[dict-item]
    )

    for refused in (health, command):
        assert refused.status_code == 400
        assert refused.headers["content-type"] == MEDIA_TYPE
        assert refused.json()["title"] == "Invalid X-Correlation-Id"
    assert stored_events(runtime) == 0


def test_a_bearer_token_that_is_not_text_is_an_invalid_token(client: TestClient) -> None:
    token = b"Bearer \xff\xfe"

    health = client.get("/healthz", headers={"Authorization": token})  # type: ignore[dict-item]
    command = client.post(
        "/kennels/k1/dogs",
        json={"name": "Rex"},
        headers={"Authorization": token},  # type: ignore[dict-item]
    )

    assert health.status_code == 200
    assert command.status_code == 401
    assert command.headers["content-type"] == MEDIA_TYPE


def test_a_correlation_id_with_control_characters_is_refused_and_nothing_stored(
    client: TestClient, keeper: dict[str, str], runtime: Runtime
) -> None:
    response = client.post(
        "/kennels/k1/dogs", json={"name": "Rex"}, headers={**keeper, "X-Correlation-Id": "a\x01b"}
    )

    assert response.status_code == 400
    assert stored_events(runtime) == 0
    assert re.fullmatch(r"[0-9a-f-]{36}", response.headers["x-correlation-id"])


def test_a_visible_correlation_id_is_kept_and_echoed(
    client: TestClient, keeper: dict[str, str]
) -> None:
    response = client.post(
        "/kennels/k1/dogs",
        json={"name": "Rex"},
        headers={**keeper, "X-Correlation-Id": "order-4711/retry-2"},
    )

    assert response.status_code == 201
    assert response.headers["x-correlation-id"] == "order-4711/retry-2"


def test_every_operation_documents_its_problems_as_problem_json(client: TestClient) -> None:
    document = client.get("/openapi.json").json()

    register = document["paths"]["/kennels/{kennel_id}/dogs"]["post"]["responses"]
    health = document["paths"]["/healthz"]["get"]["responses"]

    assert set(register) == {"201"} | PROBLEMS
    assert set(health) == {"200", "400"}
    for answers in (register, health):
        for code, answer in answers.items():
            if code.startswith("4"):
                assert answer["content"] == {
                    MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}
                }
    problem = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "instance", "errors"} <= set(problem["properties"])
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_a_refused_request_answers_the_documented_problem(
    client: TestClient, keeper: dict[str, str]
) -> None:
    response = client.post("/kennels/k1/dogs", json={"name": 7}, headers=keeper)

    assert response.status_code == 422
    assert response.headers["content-type"] == MEDIA_TYPE
    assert response.json()["errors"] == [
        {"field": "name", "message": "Input should be a valid string"}
    ]


def test_swagger_ui_and_redoc_need_nothing_from_the_internet(client: TestClient) -> None:
    pages = {path: client.get(path).text for path in ("/docs", "/redoc")}

    for page in pages.values():
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", page), page
    assets = {
        asset
        for page in pages.values()
        for asset in re.findall(r"""(?:src|href)=["']?([^"' >]+)""", page)
        if asset.endswith((".js", ".css", ".png"))
    }
    assert {asset.rsplit("/", 1)[-1] for asset in assets} >= {
        "swagger-ui-bundle.js",
        "swagger-ui.css",
        "redoc.standalone.js",
    }
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert len(served.content) > 1000, asset


def test_an_attachment_named_in_any_script_is_a_valid_header() -> None:
    assert attachment("champions.csv") == 'attachment; filename="champions.csv"'
    hostile = attachment('grüne "kunden"\r\nSet-Cookie: x=1.csv')

    hostile.encode("latin-1")  # a header value
    assert not re.search(r"[\x00-\x1f\x7f]", hostile)
    assert hostile.startswith("attachment; filename*=UTF-8''gr%C3%BCne%20%22kunden%22%0D%0A")


def test_times_read_back_from_sqlite_carry_their_utc_offset(tmp_path: Path) -> None:
    metadata = MetaData()
    walks = Table(
        "walks",
        metadata,
        Column("dog", String(20), primary_key=True),
        Column("at", DateTime(timezone=True)),
    )
    store = ViewStore(f"sqlite:///{tmp_path / 'views.sqlite'}", metadata)
    metadata.create_all(store.engine)
    at = datetime(2026, 12, 7, 0, 20, 5, 492634, tzinfo=UTC)

    with store.engine.begin() as connection:
        connection.execute(insert(walks).values(dog="Rex", at=at))
    with store.reading() as connection:
        read = connection.scalar(select(walks.c.at))
    store.close()

    assert read == at
    assert read is not None
    assert read.utcoffset() is not None
    assert read.isoformat() == "2026-12-07T00:20:05.492634+00:00"
